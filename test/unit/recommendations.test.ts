import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { recommend, recommendPredicted } from '../../src/core/analysis/recommendations';
import type { ConfigSummary, PredictedConfig } from '../../src/core/analysis/analysisTypes';

function config(memoryMB: number, threads: number, meanMs: number, medianMs: number): ConfigSummary {
  return {
    arch: 'arm64',
    memoryMB,
    threads,
    strategy: 'pool',
    n: 20,
    coldStarts: 1,
    errors: 0,
    meanMs,
    medianMs,
    p90Ms: meanMs * 1.1,
    stdevMs: meanMs * 0.05,
    ciLowMs: meanMs * 0.97,
    ciHighMs: meanMs * 1.03,
    speedup: null,
    speedupCiLow: null,
    speedupCiHigh: null,
    efficiency: null,
    effectiveVcpus: null,
    costPerInvocationUsd: (memoryMB / 1024) * (meanMs / 1000) * 0.0000133334,
    costPer1000ItemsUsd: null,
    costBasis: 'billed',
    cores: null,
  };
}

describe('recommendPredicted', () => {
  // Two configurations whose mean and median order differ: 4 threads has the lower mean, 2 threads the lower median.
  const configs = [config(3538, 2, 570, 560), config(3538, 4, 565, 566), config(1769, 1, 1130, 1128)];
  const prediction: PredictedConfig = {
    arch: 'arm64',
    strategy: 'pool',
    threads: 4,
    memoryMB: 7076,
    predictedMs: 284,
    lowMs: 280,
    highMs: 287,
    costUsd: 0.0000264,
  };

  it('compares a predicted configuration with the configuration the Fastest recommendation names', () => {
    const fastest = recommend(configs).fastest;
    assert.equal(fastest?.threads, 4, 'the Fastest recommendation is the lowest mean');
    const [predicted] = recommendPredicted(configs, [prediction]);
    assert.equal(predicted.kind, 'fastest');
    assert.match(predicted.reason, /against 566 ms \(median\) for the measured fastest \(arm64 3538 MB 4 threads/);
  });

  it('names no predicted fastest when its interval does not clear the measured fastest', () => {
    const slow: PredictedConfig = { ...prediction, predictedMs: 560, lowMs: 540, highMs: 580 };
    assert.deepEqual(
      recommendPredicted(configs, [slow]).filter((r) => r.kind === 'fastest'),
      [],
    );
  });
});
