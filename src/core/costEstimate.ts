// What a sweep will cost, estimated before it runs from one pilot invocation and the pricing model.
// Pure.
//
// The model: the work is CPU-bound, so one pilot invocation gives its CPU work in vCPU-ms
// (processing time × the vCPU share the pilot had). Lambda gives memory/1769 vCPU (at most 6), so
// a configuration's processing time is that work divided by the parallelism it can use,
// min(threads, vCPU share), plus the pilot's fixed overhead (handler, thread start-up, billing
// round-up). The "at most" figure assumes threads buy nothing (parallelism min(1, share)), which
// bounds the estimate from above whatever the function's real scaling is.
import type { Architecture } from './experimentConfig';
import { invocationCostUsd } from './pricing';

import { lambdaVcpus, MB_PER_VCPU } from './lambdaModel';

export interface PilotMeasurement {
  memoryMB: number;
  threads: number;
  /** The function's own timer around the CPU-bound part, if it reported one. */
  processingMs: number | null;
  durationMs: number | null;
  billedMs: number;
  /** Init duration of the pilot if it was a cold start (warm-ups are). */
  initMs: number | null;
}

export interface PlannedConfigCount {
  arch: Architecture;
  memoryMB: number;
  threads: number;
  /** Invocations still to run for this configuration. */
  invocations: number;
  /** Of which cold starts (warm-ups): their init time is billed too. */
  coldStarts?: number;
}

export interface SweepCostEstimate {
  invocations: number;
  /** Expected total, USD. */
  estimatedUsd: number;
  /** Upper bound if extra threads bring no speed-up at all, USD. */
  maxUsd: number;
  /** Sum of estimated billed durations, ms (not wall time: invocations may run concurrently). */
  estimatedBilledMs: number;
  region: string;
  /** One line saying how the estimate was made. */
  basis: string;
}

/** Estimated billed ms of one warm invocation at (memory, threads); `upperBound` ignores thread speed-up. */
export function estimateBilledMs(pilot: PilotMeasurement, memoryMB: number, threads: number, upperBound = false): number {
  const pilotWarmMs = pilotWarmDurationMs(pilot);
  const processingMs = clamp(pilot.processingMs ?? pilotWarmMs, 0, pilotWarmMs);
  const overheadMs = Math.max(0, pilotWarmMs - processingMs);
  const pilotParallelism = Math.min(pilot.threads, lambdaVcpus(pilot.memoryMB));
  const workVcpuMs = processingMs * pilotParallelism;
  const parallelism = upperBound ? Math.min(1, lambdaVcpus(memoryMB)) : Math.min(threads, lambdaVcpus(memoryMB));
  return Math.max(1, Math.ceil(overheadMs + workVcpuMs / parallelism));
}

export function estimateSweepCost(input: { pilot: PilotMeasurement; configs: PlannedConfigCount[]; region: string }): SweepCostEstimate {
  const { pilot, configs, region } = input;
  const initMs = pilot.initMs ?? 0;
  let invocations = 0;
  let estimatedUsd = 0;
  let maxUsd = 0;
  let estimatedBilledMs = 0;
  for (const config of configs) {
    if (config.invocations <= 0) continue;
    const cold = Math.min(config.coldStarts ?? 0, config.invocations);
    const expectedMs = estimateBilledMs(pilot, config.memoryMB, config.threads);
    const worstMs = estimateBilledMs(pilot, config.memoryMB, config.threads, true);
    const price = (billedMs: number) => invocationCostUsd({ billedMs, memoryMB: config.memoryMB, arch: config.arch, region });
    invocations += config.invocations;
    estimatedBilledMs += expectedMs * config.invocations + Math.ceil(initMs) * cold;
    estimatedUsd += price(expectedMs) * (config.invocations - cold) + price(expectedMs + Math.ceil(initMs)) * cold;
    maxUsd += price(worstMs) * (config.invocations - cold) + price(worstMs + Math.ceil(initMs)) * cold;
  }
  const basis =
    `from a pilot of ${pilot.billedMs} ms billed at ${pilot.memoryMB} MB with ${pilot.threads} thread(s), ` +
    `scaled by min(threads, memory/${MB_PER_VCPU}) vCPUs`;
  return { invocations, estimatedUsd, maxUsd: Math.max(maxUsd, estimatedUsd), estimatedBilledMs, region, basis };
}

/** Billed ms of a warm invocation as the pilot saw it: a cold pilot's init time is taken out. */
function pilotWarmDurationMs(pilot: PilotMeasurement): number {
  const billedWithoutInit = pilot.initMs !== null && pilot.billedMs > pilot.initMs ? pilot.billedMs - pilot.initMs : pilot.billedMs;
  const measured = pilot.durationMs !== null ? Math.min(pilot.durationMs, billedWithoutInit) : billedWithoutInit;
  return Math.max(1, measured);
}

function clamp(value: number, low: number, high: number): number {
  return Math.min(high, Math.max(low, value));
}

// Sweep estimates and limits are totals; the one formatter lives in usdFormat.ts.
export { formatUsd } from './usdFormat';
