// A ConfigSummary with plausible values, for the results view's unit tests.
import type { ConfigSummary } from '../../src/core/analysis/analysisTypes';

export function config(overrides: Partial<ConfigSummary>): ConfigSummary {
  return {
    arch: 'arm64',
    memoryMB: 1024,
    threads: 1,
    strategy: 'pool',
    n: 10,
    coldStarts: 1,
    errors: 0,
    meanMs: 100,
    medianMs: 99,
    p90Ms: 110,
    stdevMs: 5,
    ciLowMs: 97,
    ciHighMs: 103,
    speedup: 1,
    speedupCiLow: 0.98,
    speedupCiHigh: 1.02,
    efficiency: 1,
    effectiveVcpus: 1,
    costPerInvocationUsd: 0.0000017,
    costPer1000ItemsUsd: 0.00017,
    costBasis: 'billed',
    cores: 2,
    ...overrides,
  };
}
