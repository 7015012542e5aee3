// test/runNodeTests.mjs: words after the kind choose test files by name; a word that matches no
// file fails instead of running everything (or nothing).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

const repoRoot = join(__dirname, '..', '..', '..');
/** Runs the script as a person would: outside this test runner's context, so its node --test reports in text. */
function runNodeTests(...args: string[]) {
  const env = { ...process.env };
  delete env.NODE_TEST_CONTEXT;
  return spawnSync(process.execPath, [join(repoRoot, 'test', 'runNodeTests.mjs'), ...args], { cwd: repoRoot, encoding: 'utf8', env });
}

describe('runNodeTests.mjs', () => {
  it('runs only the test files whose name contains a given word (any case), passing options on to node --test', () => {
    const run = runNodeTests('unit', 'EXPERIMENTSmodel', '--test-reporter=tap');
    assert.equal(run.status, 0, run.stdout + run.stderr);
    assert.match(run.stdout, /runNodeTests: 1 unit test file\(s\) matching EXPERIMENTSmodel: experimentsModel\.test\.js/);
    assert.match(run.stdout, /^# pass [1-9]/m);
  });

  it('fails, with its usage, when no file matches the words', () => {
    const run = runNodeTests('unit', 'no-such-test-file');
    assert.equal(run.status, 2);
    assert.match(run.stderr, /no unit test file's path contains "no-such-test-file"/);
    assert.match(run.stderr, /Usage: node test\/runNodeTests\.mjs/);
  });
});
