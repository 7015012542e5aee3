// Runs the compiled node:test files of one kind: `node test/runNodeTests.mjs unit|integration
// [word...] [node --test options]`. Finds out/test/<kind>/**/*.test.js itself (node --test treats
// directories differently across Node versions, and fails on a folder that does not exist yet);
// words before the first option keep only the files whose path contains one of them (any case);
// the options go to `node --test`; exits with its code. No compiled tests of that kind yet: says
// so, exits 0. Words that match no file: says so, exits 2 (a misspelt filter must not pass).
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const KINDS = ['unit', 'integration'];
// A test that hangs must not hang CI: generous per-test limit unless the caller sets one.
const DEFAULT_TEST_TIMEOUT_MS = 10 * 60 * 1000;

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const USAGE =
  `Usage: node test/runNodeTests.mjs <${KINDS.join('|')}> [word...] [node --test options]\n` +
  '  word: run only the test files whose path contains it (any case), e.g. "integration sweep ownFunction"\n' +
  '  options (from the first argument starting with "-"): passed to node --test, e.g. --test-name-pattern=knee\n';
const [kind, ...rest] = process.argv.slice(2);
if (!KINDS.includes(kind)) {
  process.stderr.write(USAGE);
  process.exit(2);
}
const firstOption = rest.findIndex((arg) => arg.startsWith('-'));
const words = firstOption === -1 ? rest : rest.slice(0, firstOption);
const nodeTestArgs = firstOption === -1 ? [] : rest.slice(firstOption);

const testDir = join(repoRoot, 'out/test', kind);
const compiled = existsSync(testDir)
  ? readdirSync(testDir, { recursive: true })
      .filter((file) => file.endsWith('.test.js'))
      .sort()
  : [];

if (compiled.length === 0) {
  process.stdout.write(`runNodeTests: no ${kind} tests compiled (${relative(repoRoot, testDir)}/**/*.test.js); nothing to run.\n`);
  process.exit(0);
}

const chosen = words.length ? compiled.filter((file) => words.some((word) => file.toLowerCase().includes(word.toLowerCase()))) : compiled;
if (chosen.length === 0) {
  process.stderr.write(`runNodeTests: no ${kind} test file's path contains ${words.map((w) => `"${w}"`).join(' or ')}.\n${USAGE}`);
  process.exit(2);
}
const files = chosen.map((file) => join(testDir, file));

const hasTimeout = nodeTestArgs.some((arg) => arg.startsWith('--test-timeout'));
const args = ['--test', ...(hasTimeout ? [] : [`--test-timeout=${DEFAULT_TEST_TIMEOUT_MS}`]), ...nodeTestArgs, ...files];
process.stdout.write(`runNodeTests: ${files.length} ${kind} test file(s)${words.length ? ` matching ${words.join(', ')}: ${chosen.join(', ')}` : ''}\n`);
const result = spawnSync(process.execPath, args, { cwd: repoRoot, stdio: 'inherit' });
if (result.error) {
  process.stderr.write(`runNodeTests: could not start node --test: ${result.error.message}\n`);
  process.exit(1);
}
process.exit(result.status ?? 1);
