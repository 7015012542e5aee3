import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkRuntime, summarizeDeploy } from '../../src/deploy/deploySummary';
import { describeCleanup } from '../../src/deploy/cleanupSummary';

test('only Node.js runtimes can run the template', () => {
  assert.equal(checkRuntime('nodejs22.x'), 'nodejs22.x');
  assert.equal(checkRuntime('nodejs20.x'), 'nodejs20.x');
  assert.throws(() => checkRuntime('python3.12'), /python3\.12.*Node\.js runtime/);
});

test('the deploy summary counts what happened and names failures', () => {
  const text = summarizeDeploy('demo', {
    functions: [
      { functionName: 'llab-demo-128-x86_64', memoryMB: 128, arch: 'x86_64', action: 'created' },
      { functionName: 'llab-demo-512-x86_64', memoryMB: 512, arch: 'x86_64', action: 'updated-code-and-config' },
      { functionName: 'llab-demo-1769-x86_64', memoryMB: 1769, arch: 'x86_64', action: 'unchanged' },
    ],
    failures: [{ functionName: 'llab-demo-3538-x86_64', memoryMB: 3538, arch: 'x86_64', message: 'boom', error: new Error('boom') }],
  });
  assert.match(text, /4 functions: 1 created, 1 updated, 1 unchanged, 1 failed\./);
  assert.match(text, /llab-demo-3538-x86_64 +FAILED: boom/);
  assert.doesNotMatch(text, /Next:/, 'no "next step" after a failure');
});

test('the cleanup summary lists deleted functions and the role decision', () => {
  assert.match(describeCleanup('demo', { deletedFunctions: [], failures: [], role: null }), /no functions tagged with it were found/);
  const text = describeCleanup('demo', {
    deletedFunctions: ['llab-demo-128-x86_64'],
    failures: [],
    role: { deleted: false, roleName: 'lambda-parallel-lab-demo', reason: 'not created by Lambda Parallel Lab for this experiment; left in place' },
  });
  assert.match(text, /deleted 1 function: llab-demo-128-x86_64\./);
  assert.match(text, /Role lambda-parallel-lab-demo not deleted: not created by Lambda Parallel Lab/);
});
