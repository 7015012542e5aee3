// While a sweep runs, its cost reads as billed only on a target that bills: on the built-in
// endpoint (and any endpoint on this machine) it is what the run would cost on AWS, in VS Code's
// progress notification (Run Sweep and the memory-refining sweep) and in the CLI's progress line.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { progressLine } from '../../src/cli/sweepCli';
import { refineProgressMessage, sweepProgressMessage } from '../../src/commands/sweepProgressWording';
import { targetBills } from '../../src/core/targetBilling';
import { runningCost } from '../../src/core/usdFormat';
import type { SweepProgress } from '../../src/sweep/sweepEngine';

const progress: SweepProgress = { done: 12, total: 40, errors: 1, retries: 0, costUsd: 0.0012, etaMs: 65_000, phase: 'measure' };
const local = targetBills({ target: { kind: 'local' }, builtInEndpoint: true });
const loopback = targetBills({ target: { kind: 'endpoint' }, endpoint: 'http://127.0.0.1:4566' });
const aws = targetBills({ target: { kind: 'aws' } });

test('targets: the built-in endpoint and loopback endpoints do not bill, AWS does', () => {
  assert.deepEqual([local, loopback, aws], [false, false, true]);
});

test('runningCost: "on AWS" where nothing is billed, "so far" where it is', () => {
  assert.equal(runningCost(0.0012, false), '$0.0012 on AWS');
  assert.equal(runningCost(0.0012, true), '$0.0012 so far');
});

test('Run Sweep progress in VS Code', () => {
  assert.equal(sweepProgressMessage(progress, local), '12/40 · ETA 1m05s · $0.0012 on AWS · 1 errors');
  assert.equal(sweepProgressMessage(progress, loopback), '12/40 · ETA 1m05s · $0.0012 on AWS · 1 errors');
  assert.equal(sweepProgressMessage({ ...progress, etaMs: null, errors: 0 }, aws), '12/40 · $0.0012 so far');
});

test('memory-refining sweep progress in VS Code', () => {
  assert.equal(refineProgressMessage(progress, local), '12 invocations · $0.0012 on AWS');
  assert.equal(refineProgressMessage(progress, aws), '12 invocations · $0.0012 so far');
});

test('CLI progress line', () => {
  const onLocal = progressLine(progress, { bills: local });
  assert.match(onLocal, /^\[12\/40\] \$0\.0012 on AWS, 1 error\(s\)/);
  assert.doesNotMatch(onLocal, /so far/);
  assert.match(progressLine(progress, { bills: aws }), /^\[12\/40\] \$0\.0012 so far, 1 error\(s\)/);
});
