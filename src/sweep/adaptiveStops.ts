// Adaptive stops: feeds warm, successful processing times to the sampler, skips the repetitions of
// a configuration it has stopped (logging why once), and says per configuration why it ended.
import { strategyLabel } from '../core/analysis/payloads';
import type { AdaptiveSampler } from '../core/analysis/adaptiveSampling';
import type { InvocationRecord } from '../core/invocationRecord';
import type { ConfigStop, RunStatus } from '../core/runFiles';
import { configKey, type PlannedInvocation, type SweepPlan } from '../core/sweepPlan';

/** The part of core's sampler the engine uses. */
export type SweepSampler = Pick<AdaptiveSampler, 'observe' | 'shouldContinue' | 'stopReason'>;

export class AdaptiveStops {
  private readonly earlyStops = new Map<string, string>();

  constructor(
    private readonly sampler: SweepSampler | null,
    private readonly records: () => readonly InvocationRecord[],
    private readonly log: (line: string) => void,
    /** A sweep of your own function: its lines name it so instead of the template's strategy. */
    private readonly ownFunction = false,
  ) {}

  observe(record: InvocationRecord): void {
    if (!this.sampler || record.warmup || record.error !== null || record.coldStart || record.processingMs === null) return;
    this.sampler.observe(configKey(record), record.processingMs);
  }

  /** True when the sampler has stopped this invocation's configuration (warm-ups always run). */
  shouldSkip(planned: PlannedInvocation): boolean {
    const sampler = this.sampler;
    if (!sampler || planned.warmup) return false;
    if (sampler.shouldContinue(planned.configKey)) return false;
    if (!this.earlyStops.has(planned.configKey)) {
      const reason = sampler.stopReason(planned.configKey) ?? 'the adaptive sampler stopped this configuration';
      this.earlyStops.set(planned.configKey, reason);
      this.log(
        `${planned.functionName} threads=${planned.threads} ${strategyLabel(planned.strategy, this.ownFunction)}: stopping after ${this.successfulReps(planned.configKey)} repetition(s): ${reason}`,
      );
    }
    return true;
  }

  /** How many configurations have been stopped early so far (changes whenever isEarlyStopped may). */
  get earlyStopCount(): number {
    return this.earlyStops.size;
  }

  isEarlyStopped(p: PlannedInvocation): boolean {
    return !p.warmup && this.earlyStops.has(p.configKey);
  }

  successfulReps(key: string): number {
    return this.records().filter((r) => !r.warmup && r.error === null && configKey(r) === key).length;
  }

  /**
   * One entry per measured configuration: how many repetitions it has and why it ended. One pass
   * over the records and one over the plan (per configuration it was a pass over each: with 100,000
   * records and a hundred configurations, seconds at the end of a sweep).
   */
  configStops(plan: SweepPlan, isRecorded: (key: string) => boolean, status: RunStatus, statusReason: string | null): ConfigStop[] {
    const configs = new Map<string, { first: PlannedInvocation; allDone: boolean; reps: number }>();
    for (const p of plan.measured) {
      let entry = configs.get(p.configKey);
      if (!entry) configs.set(p.configKey, (entry = { first: p, allDone: true, reps: 0 }));
      if (entry.allDone && !isRecorded(p.key)) entry.allDone = false;
    }
    for (const r of this.records()) {
      if (r.warmup || r.error !== null) continue;
      const entry = configs.get(configKey(r));
      if (entry) entry.reps++;
    }
    const sampler = this.sampler;
    return [...configs.values()].map(({ first: p, allDone, reps }) => {
      let reason: string;
      const early =
        this.earlyStops.get(p.configKey) ??
        (sampler && !sampler.shouldContinue(p.configKey) && !allDone ? (sampler.stopReason(p.configKey) ?? 'stopped by the adaptive sampler') : undefined);
      if (early) reason = `adaptive: ${early}`;
      else if (allDone) reason = `completed all ${plan.input.repetitions} planned repetitions`;
      else reason = `unfinished: ${status}${statusReason ? ` (${statusReason})` : ''}`;
      return {
        configKey: p.configKey,
        functionName: p.functionName,
        arch: p.arch,
        memoryMB: p.memoryMB,
        threads: p.threads,
        strategy: p.strategy,
        repetitions: reps,
        reason,
      };
    });
  }
}
