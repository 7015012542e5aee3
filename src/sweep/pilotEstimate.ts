// The pilot and the cost estimate: which recorded invocation stands for the pilot, and what the
// invocations still to run are estimated to cost from it.
import { estimateSweepCost, type PilotMeasurement, type PlannedConfigCount } from '../core/costEstimate';
import type { InvocationRecord } from '../core/invocationRecord';
import type { PlannedInvocation } from '../core/sweepPlan';

/** A successful warm-up (smallest memory first), else any successful record with a billed duration. */
export function pilotFromRecords(records: readonly InvocationRecord[]): PilotMeasurement | null {
  const usable = records.filter((r) => r.error === null && r.billedMs !== null);
  const warmups = usable.filter((r) => r.warmup).sort((a, b) => a.memoryMB - b.memoryMB);
  const chosen = warmups[0] ?? [...usable].sort((a, b) => a.memoryMB - b.memoryMB || a.threads - b.threads)[0];
  if (!chosen || chosen.billedMs === null) return null;
  return {
    memoryMB: chosen.memoryMB,
    threads: chosen.threads,
    processingMs: chosen.processingMs,
    durationMs: chosen.durationMs,
    billedMs: chosen.billedMs,
    initMs: chosen.initMs,
  };
}

/** The invocation the pilot runs when no record can serve: the warm-up of the smallest memory. */
export function pilotInvocation(warmups: readonly PlannedInvocation[]): PlannedInvocation {
  return [...warmups].sort((a, b) => a.memoryMB - b.memoryMB)[0];
}

/** Invocations still to run, grouped by configuration, as the estimate wants them. */
export function configCounts(remaining: Iterable<PlannedInvocation>): PlannedConfigCount[] {
  const byConfig = new Map<string, PlannedConfigCount>();
  for (const p of remaining) {
    const id = `${p.functionName}|${p.threads}`;
    const entry = byConfig.get(id) ?? { arch: p.arch, memoryMB: p.memoryMB, threads: p.threads, invocations: 0, coldStarts: 0 };
    entry.invocations++;
    if (p.warmup) entry.coldStarts = (entry.coldStarts ?? 0) + 1;
    byConfig.set(id, entry);
  }
  return [...byConfig.values()];
}

export function estimatedCostOf(p: PlannedInvocation, pilot: PilotMeasurement | null, region: string): number {
  if (!pilot) return 0;
  return estimateSweepCost({ pilot, configs: configCounts([p]), region }).estimatedUsd;
}
