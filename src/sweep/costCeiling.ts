// The cost ceiling. An invocation starts only if the cost spent so far (actual, from billed
// durations), plus the estimates of the invocations in flight, plus its own estimate stays within
// it. What an invocation really costs is known only when it ends, so the total can pass the ceiling
// by what the invocations in flight at the stop cost above their estimates (never by a further
// invocation). The pilot, run before any estimate exists, starts only if a 1 ms invocation fits.
import { invocationCostUsd } from '../core/pricing';
import type { PlannedInvocation } from '../core/sweepPlan';
import type { SweepStopReason } from './sweepStopReason';

type CeilingStop = Extract<SweepStopReason, { kind: 'costCeiling' }>;

export function ceilingStopBeforePilot(ceiling: number | null | undefined, spentUsd: number, pilot: PlannedInvocation, region: string): CeilingStop | null {
  if (ceiling === null || ceiling === undefined) return null;
  const cheapest = invocationCostUsd({ billedMs: 1, memoryMB: pilot.memoryMB, arch: pilot.arch, region });
  return spentUsd + cheapest > ceiling ? { kind: 'costCeiling', limitUsd: ceiling, spentUsd, inFlight: false, beforePilot: true } : null;
}

export function ceilingStopBeforeInvocation(
  ceiling: number | null | undefined,
  spentUsd: number,
  inFlightUsd: number,
  estimateUsd: number,
): CeilingStop | null {
  if (ceiling === null || ceiling === undefined) return null;
  return spentUsd + inFlightUsd + estimateUsd > ceiling
    ? { kind: 'costCeiling', limitUsd: ceiling, spentUsd, inFlight: inFlightUsd > 0, beforePilot: false }
    : null;
}
