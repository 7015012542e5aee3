import { test } from 'node:test';
import assert from 'node:assert/strict';
import { estimateBilledMs, estimateSweepCost, formatUsd, type PilotMeasurement } from '../../src/core/costEstimate';
import { invocationCostUsd } from '../../src/core/pricing';

// A pilot at 1769 MB (one vCPU), one thread: 1000 ms of CPU work, 20 ms overhead, warm.
const pilot: PilotMeasurement = { memoryMB: 1769, threads: 1, processingMs: 1000, durationMs: 1020, billedMs: 1020, initMs: null };

test('processing time scales with min(threads, vCPU share)', () => {
  assert.equal(estimateBilledMs(pilot, 1769, 1), 1020);
  assert.equal(estimateBilledMs(pilot, 3538, 2), 520, 'two vCPUs, two threads: half the work time');
  assert.equal(estimateBilledMs(pilot, 3538, 1), 1020, 'one thread cannot use the second vCPU');
  assert.equal(estimateBilledMs(pilot, 884.5, 4), 2020, 'half a vCPU: twice the time, whatever the threads');
  assert.equal(estimateBilledMs(pilot, 3538, 2, true), 1020, 'upper bound ignores thread speed-up');
});

test('a cold pilot has its init time taken out of the warm estimate', () => {
  const cold: PilotMeasurement = { ...pilot, durationMs: 1020, billedMs: 1170, initMs: 150 };
  assert.equal(estimateBilledMs(cold, 1769, 1), 1020);
});

test('the sweep estimate prices every invocation with the pricing model, cold starts with init', () => {
  const cold: PilotMeasurement = { ...pilot, billedMs: 1170, initMs: 150 };
  const estimate = estimateSweepCost({
    pilot: cold,
    region: 'us-east-1',
    configs: [
      { arch: 'x86_64', memoryMB: 1769, threads: 1, invocations: 10, coldStarts: 1 },
      { arch: 'arm64', memoryMB: 3538, threads: 2, invocations: 5 },
    ],
  });
  const expected =
    9 * invocationCostUsd({ billedMs: 1020, memoryMB: 1769, arch: 'x86_64', region: 'us-east-1' }) +
    invocationCostUsd({ billedMs: 1170, memoryMB: 1769, arch: 'x86_64', region: 'us-east-1' }) +
    5 * invocationCostUsd({ billedMs: 520, memoryMB: 3538, arch: 'arm64', region: 'us-east-1' });
  assert.equal(estimate.invocations, 15);
  assert.ok(Math.abs(estimate.estimatedUsd - expected) < 1e-12, `${estimate.estimatedUsd} vs ${expected}`);
  assert.ok(estimate.maxUsd > estimate.estimatedUsd, 'the upper bound is above the estimate when threads would help');
  assert.equal(estimate.estimatedBilledMs, 10 * 1020 + 150 + 5 * 520);
  assert.match(estimate.basis, /pilot of 1170 ms billed at 1769 MB/);
});

test('nothing left to run costs nothing', () => {
  const estimate = estimateSweepCost({ pilot, region: 'us-east-1', configs: [{ arch: 'x86_64', memoryMB: 128, threads: 1, invocations: 0 }] });
  assert.equal(estimate.invocations, 0);
  assert.equal(estimate.estimatedUsd, 0);
});

test('a pilot without the function timer falls back to its duration', () => {
  assert.equal(estimateBilledMs({ ...pilot, processingMs: null }, 3538, 2), 510);
});

test('money is formatted readably', () => {
  assert.equal(formatUsd(0), '$0');
  assert.equal(formatUsd(1.234), '$1.23');
  assert.equal(formatUsd(0.000123), '$0.00012');
});
