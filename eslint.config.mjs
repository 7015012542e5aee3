// Lint rules for the extension, CLI, webview, tests, benchmarks and the template function.
// Recommended rules of ESLint and typescript-eslint (no type-aware rules: they would double the
// time of `npm run lint` for little here); formatting is Prettier's job, not ESLint's.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';

export default tseslint.config(
  { ignores: ['dist/**', 'out/**', 'coverage/**', '.tools/**', 'node_modules/**', 'test-artifacts/**', '.lambda-lab/**', '**/*.d.ts'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
      // `require` is how the compiled tests load fixtures and the CommonJS bundles load lazily.
      '@typescript-eslint/no-require-imports': 'off',
      eqeqeq: ['error', 'always', { null: 'ignore' }],
      // `let [a, b] = …` where only one is reassigned stays one declaration.
      'prefer-const': ['error', { destructuring: 'all' }],
      'no-console': 'off',
    },
  },
  { files: ['media/**/*.ts'], languageOptions: { globals: { ...globals.browser } } },
  { files: ['lambda-template/**/*.mjs', '**/*.mjs'], languageOptions: { sourceType: 'module' } },
);
