// The pure core reads no disk, starts no process and knows neither VS Code nor the AWS SDK:
// every file under src/core is checked for such imports (a failure names the file and the import).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { importedModules, sourceDir, sourceFiles } from '../support/sourceImports';

const coreDir = sourceDir('src', 'core');
const FORBIDDEN = [/^(node:)?fs(\/promises)?$/, /^(node:)?child_process$/, /^vscode$/, /^@aws-sdk\//];

describe('src/core stays pure', () => {
  it('finds the imports it checks (the check can fail)', () => {
    assert.deepEqual(
      importedModules(`import { a } from 'node:fs';\nconst b = require("child_process");\nimport 'vscode';\nexport * from '@aws-sdk/client-lambda';`),
      ['node:fs', 'child_process', 'vscode', '@aws-sdk/client-lambda'],
    );
  });

  it('no file under src/core imports node:fs, node:child_process, vscode or the AWS SDK', () => {
    const files = sourceFiles(coreDir);
    assert.ok(files.length > 20, `expected the core's files under ${coreDir}`);
    const offences = files.flatMap((file) =>
      importedModules(readFileSync(file, 'utf8'))
        .filter((name) => FORBIDDEN.some((rule) => rule.test(name)))
        .map((name) => `${path.relative(coreDir, file)} imports ${name}`),
    );
    assert.deepEqual(offences, []);
  });
});
