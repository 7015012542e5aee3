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
  const text = summarizeDeploy(
    'demo',
    {
      functions: [
        { functionName: 'llab-demo-128-x86_64', memoryMB: 128, arch: 'x86_64', action: 'created' },
        { functionName: 'llab-demo-512-x86_64', memoryMB: 512, arch: 'x86_64', action: 'updated-code-and-config' },
        { functionName: 'llab-demo-1769-x86_64', memoryMB: 1769, arch: 'x86_64', action: 'unchanged' },
      ],
      failures: [{ functionName: 'llab-demo-3538-x86_64', memoryMB: 3538, arch: 'x86_64', message: 'boom', error: new Error('boom') }],
      skipped: [],
    },
    'Next: run a sweep',
  );
  assert.match(text, /4 functions: 1 created, 1 updated, 1 unchanged, 1 failed\./);
  assert.match(text, /llab-demo-3538-x86_64 +FAILED: boom/);
  assert.doesNotMatch(text, /Next:/, 'no "next step" after a failure');
});

test('the cleanup summary lists deleted functions and the role decision', () => {
  assert.match(describeCleanup('demo', { deletedFunctions: [], failures: [], skipped: [], role: null }), /no functions tagged with it were found/);
  const text = describeCleanup('demo', {
    deletedFunctions: ['llab-demo-128-x86_64'],
    failures: [],
    skipped: [],
    role: { deleted: false, roleName: 'lambda-parallel-lab-demo', reason: 'not created by Lambda Parallel Lab for this experiment; left in place' },
  });
  assert.match(text, /deleted 1 function: llab-demo-128-x86_64\./);
  assert.match(text, /Role lambda-parallel-lab-demo not deleted: not created by Lambda Parallel Lab/);
});

test('a cancelled deploy or clean-up says what was done and what was not; the next step only after a complete deploy', () => {
  const deployed = { functionName: 'llab-demo-128-x86_64', memoryMB: 128, arch: 'x86_64' as const, action: 'created' as const };
  const text = summarizeDeploy(
    'demo',
    { functions: [deployed], failures: [], skipped: [{ functionName: 'llab-demo-512-x86_64', memoryMB: 512, arch: 'x86_64' }] },
    'Next: sweep',
  );
  assert.match(text, /2 functions: 1 created, 0 updated, 0 unchanged, 1 not deployed \(cancelled\)\./);
  assert.match(text, /llab-demo-512-x86_64 +not deployed \(cancelled\)/);
  assert.doesNotMatch(text, /Next:/);
  assert.match(summarizeDeploy('demo', { functions: [deployed], failures: [], skipped: [] }, 'Next: sweep'), /Next: sweep$/);
  assert.doesNotMatch(summarizeDeploy('demo', { functions: [deployed], failures: [], skipped: [] }), /Next:|lambda-lab|--/, 'VS Code gets no CLI hint');
  const cleanup = describeCleanup('demo', { deletedFunctions: ['llab-demo-128-x86_64'], failures: [], skipped: ['llab-demo-512-x86_64'], role: null });
  assert.match(cleanup, /deleted 1 function: llab-demo-128-x86_64\./);
  assert.match(cleanup, /Cancelled: 1 function not deleted: llab-demo-512-x86_64\./);
});
