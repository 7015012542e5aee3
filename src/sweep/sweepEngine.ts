// Runs a sweep plan against Lambda (AWS, the built-in endpoint, or any compatible endpoint):
// bounded concurrency, retries with backoff, one record per invocation appended as it arrives,
// a cost estimate from a pilot before spending, a cost ceiling, adaptive early stopping,
// cancellation that leaves a resumable run, and progress events for the CLI and VS Code.
import { isNotFoundError } from '../aws/sdkErrors';
import { InvokeCommand, type InvokeCommandOutput } from '@aws-sdk/client-lambda';
import { estimateSweepCost, formatUsd, type PilotMeasurement, type PlannedConfigCount, type SweepCostEstimate } from '../core/costEstimate';
import type { Strategy, TemplateEvent } from '../core/experimentConfig';
import type { InvocationRecord } from '../core/invocationRecord';
import { invocationCostUsd } from '../core/pricing';
import { findReportLine, type ReportLine } from '../core/reportLine';
import type { ConfigStop, RunStatus } from '../core/runFiles';
import { recordKey, type PlannedInvocation, type SweepPlan } from '../core/sweepPlan';
import type { RunStore } from './runStore';

/** The part of LambdaClient the engine uses (so tests and wrappers can stand in for it). */
export interface LambdaInvoker {
  send(command: InvokeCommand, options?: { abortSignal?: AbortSignal }): Promise<InvokeCommandOutput>;
}

/** The adaptive-sampling interface the engine needs (src/core/analysis/adaptiveSampling.ts). */
export interface AdaptiveSamplerLike {
  observe(key: string, ms: number): void;
  shouldContinue(key: string): boolean;
  stopReason(key: string): string | null | undefined;
}

export interface RetryPolicy {
  /** Our own retries after the SDK's attempts are used up, per invocation. */
  maxOuterRetries: number;
  baseDelayMs: number;
  maxDelayMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = { maxOuterRetries: 4, baseDelayMs: 250, maxDelayMs: 8000 };
/** The SDK's own attempts per call; the client should be created with this maxAttempts. */
export const SDK_MAX_ATTEMPTS = 4;

export interface SweepProgress {
  done: number;
  total: number;
  errors: number;
  retries: number;
  costUsd: number;
  /** Estimated ms until the sweep ends, null until something has finished in this session. */
  etaMs: number | null;
  phase: 'pilot' | 'warmup' | 'measure' | 'finished';
  last?: InvocationRecord;
}

export interface SweepEngineOptions {
  client: LambdaInvoker;
  store: RunStore;
  plan: SweepPlan;
  items: number;
  cost: number;
  region: string;
  concurrency: number;
  signal?: AbortSignal;
  /**
   * Cost ceiling, USD. An invocation starts only if the cost spent so far (actual, from billed
   * durations), plus the estimates of the invocations in flight, plus its own estimate stays within
   * it. What an invocation really costs is known only when it ends, so the total can pass the
   * ceiling by what the invocations in flight at the stop cost above their estimates (never by a
   * further invocation). The pilot, run before any estimate exists, starts only if a 1 ms
   * invocation fits.
   */
  maxCostUsd?: number | null;
  /** Adaptive mode: configurations stop once the sampler says so. */
  sampler?: AdaptiveSamplerLike | null;
  /** Called once with the estimate for what is left to run; false cancels the sweep before spending more. */
  confirmCost?: (estimate: SweepCostEstimate) => Promise<boolean>;
  onProgress?: (progress: SweepProgress) => void;
  onRecord?: (record: InvocationRecord) => void;
  log?: (line: string) => void;
  retry?: Partial<RetryPolicy>;
  /** Stop after this many consecutive invocations failed to reach the endpoint at all. */
  maxConsecutiveTransportFailures?: number;
  /**
   * Resume only: run again, once, every planned invocation whose record is an error. The new
   * record is appended and supersedes the error (see supersedes in src/core/runFiles.ts).
   */
  retryErrors?: boolean;
}

export interface SweepOutcome {
  status: RunStatus;
  statusReason: string | null;
  done: number;
  total: number;
  errors: number;
  retries: number;
  costUsd: number;
  estimate: SweepCostEstimate | null;
  configStops: ConfigStop[];
  /** Error records run again in this session (retryErrors); 0 without it. */
  retriedErrors: number;
}

class SweepStop extends Error {
  constructor(
    readonly status: RunStatus,
    message: string,
  ) {
    super(message);
  }
}

export async function runSweep(options: SweepEngineOptions): Promise<SweepOutcome> {
  return new SweepRun(options).run();
}

class SweepRun {
  private readonly retryPolicy: RetryPolicy;
  private readonly log: (line: string) => void;
  private readonly runId: string;
  private costUsd = 0;
  private errors = 0;
  /** Error records run again in this session (retryErrors). */
  private retriedErrors = 0;
  private retries = 0;
  private doneInSession = 0;
  /** ETA is measured from here (reset after the cost confirmation, which may wait on the user). */
  private etaStartMs = Date.now();
  private etaDoneBase = 0;
  private inFlightEstimateUsd = 0;
  private consecutiveTransportFailures = 0;
  private stop: SweepStop | null = null;
  private estimate: SweepCostEstimate | null = null;
  /** Spent before the estimate plus the estimate of the rest: what run.json reports. */
  private estimatedTotalUsd: number | null = null;
  private pilot: PilotMeasurement | null = null;
  private readonly skippedKeys = new Set<string>();
  /** With retryErrors: error records found at the start, each run again once in this session. */
  private readonly retryKeys = new Set<string>();
  private readonly earlyStops = new Map<string, string>();
  private phase: SweepProgress['phase'] = 'pilot';
  private lastMetadataWrite = 0;
  /** Ends backoff sleeps when the sweep stops for any reason. */
  private readonly sleepAbort = new AbortController();
  /**
   * Aborts in-flight calls, only when the user cancels: after a cost-limit stop or a failure the
   * calls in flight are already paid for, so their results are still recorded.
   */
  private readonly callAbort = new AbortController();

  constructor(private readonly options: SweepEngineOptions) {
    this.retryPolicy = { ...DEFAULT_RETRY_POLICY, ...options.retry };
    this.log = options.log ?? (() => {});
    this.runId = options.store.meta.runId;
    for (const record of options.store.invocations) this.account(record, false);
    // Superseded error records were billed too (a function error is); they count towards the cost.
    for (const record of options.store.supersededInvocations) this.addCost(record);
    if (options.retryErrors) {
      for (const record of options.store.invocations) if (record.error !== null) this.retryKeys.add(recordKey(record));
    }
  }

  /** Recorded, and not an error waiting to be retried in this session. */
  private isRecorded(key: string): boolean {
    return this.options.store.has(key) && !this.retryKeys.has(key);
  }

  async run(): Promise<SweepOutcome> {
    const { store, plan, signal } = this.options;
    const onAbort = () => this.halt(new SweepStop('cancelled', 'Cancelled by the user; resume the run to finish it.'));
    if (signal?.aborted) onAbort();
    signal?.addEventListener('abort', onAbort, { once: true });
    store.updateMetadata({ status: 'running', statusReason: null });
    try {
      this.feedSamplerFromStore();
      await this.runPilotAndEstimate();
      this.phase = 'warmup';
      await this.runAll(plan.warmups.filter((p) => !this.isRecorded(p.key)));
      this.phase = 'measure';
      await this.runAll(plan.measured.filter((p) => !this.isRecorded(p.key)));
    } catch (error) {
      if (error instanceof SweepStop) this.halt(error);
      else this.halt(new SweepStop('failed', error instanceof Error ? error.message : String(error)));
    } finally {
      signal?.removeEventListener('abort', onAbort);
    }
    const status: RunStatus = this.stop?.status ?? 'completed';
    const statusReason = this.stop?.message ?? null;
    const configStops = this.configStops(status, statusReason);
    store.updateMetadata({ status, statusReason, costSoFarUsd: this.costUsd, configStops, estimatedCostUsd: this.estimatedTotalUsd ?? store.meta.estimatedCostUsd });
    this.phase = 'finished';
    this.emitProgress();
    const { done, total } = this.counts();
    return { status, statusReason, done, total, errors: this.errors, retries: this.retries, costUsd: this.costUsd, estimate: this.estimate, configStops, retriedErrors: this.retriedErrors };
  }

  /** Resolves when the sweep stops for any reason (wakes lanes waiting for a free function). */
  private readonly stopped = new Promise<void>((resolve) => this.sleepAbort.signal.addEventListener('abort', () => resolve(), { once: true }));

  private isCancelled(): boolean {
    return this.stop?.status === 'cancelled';
  }

  private halt(stop: SweepStop): void {
    if (this.stop) return;
    this.stop = stop;
    this.log(stop.status === 'completed' ? stop.message : `Stopping: ${stop.message}`);
    this.sleepAbort.abort();
    if (stop.status === 'cancelled') this.callAbort.abort();
  }

  // ---- pilot and cost estimate -------------------------------------------------------------

  private async runPilotAndEstimate(): Promise<void> {
    const { store, plan } = this.options;
    this.pilot = this.pilotFromRecords(store.invocations);
    if (!this.pilot) {
      const pilotPlan = [...plan.warmups].sort((a, b) => a.memoryMB - b.memoryMB)[0];
      if (this.isRecorded(pilotPlan.key)) {
        const earlier = store.invocations.find((r) => r.functionName === pilotPlan.functionName && r.warmup);
        throw new SweepStop(
          'failed',
          `The pilot invocation of ${pilotPlan.functionName} failed earlier (${earlier?.error ?? 'no billed duration'}). If that was a passing problem, resume with --retry-errors; otherwise fix the function, redeploy it and start a new sweep.`,
        );
      }
      this.checkCeilingBeforePilot(pilotPlan);
      this.log(`Pilot: invoking ${pilotPlan.functionName} once (cold) to estimate the cost.`);
      const record = await this.invokeAndRecord(pilotPlan);
      if (!record) throw this.stop ?? new SweepStop('cancelled', 'Cancelled during the pilot invocation.');
      if (record.error !== null || record.billedMs === null) {
        throw new SweepStop('failed', `The pilot invocation of ${pilotPlan.functionName} failed: ${record.error ?? 'the response had no REPORT line with a billed duration'}. Nothing else was run.`);
      }
      this.pilot = this.pilotFromRecords([record]);
    }
    if (!this.pilot) return;
    this.estimate = estimateSweepCost({ pilot: this.pilot, configs: this.remainingConfigCounts(), region: this.options.region });
    this.estimatedTotalUsd = this.estimate.estimatedUsd + this.costUsd;
    store.updateMetadata({ estimatedCostUsd: this.estimatedTotalUsd });
    this.log(
      `Estimate: ${this.estimate.invocations} invocation(s) left, about ${formatUsd(this.estimate.estimatedUsd)} ` +
        `(at most ${formatUsd(this.estimate.maxUsd)}), ${this.estimate.basis}.`,
    );
    if (this.options.confirmCost && this.estimate.invocations > 0) {
      const confirmed = await this.options.confirmCost(this.estimate);
      if (!confirmed) throw new SweepStop('cancelled', `Not confirmed: the sweep would cost about ${formatUsd(this.estimate.estimatedUsd)}. Nothing more was run; resume the run to continue.`);
      this.etaStartMs = Date.now();
      this.etaDoneBase = this.doneInSession;
    }
    this.emitProgress();
  }

  /** Nothing is known about the pilot's cost yet; but not even the cheapest invocation (1 ms billed) may pass the ceiling. */
  private checkCeilingBeforePilot(pilotPlan: PlannedInvocation): void {
    const ceiling = this.options.maxCostUsd;
    if (ceiling === null || ceiling === undefined) return;
    const cheapest = invocationCostUsd({ billedMs: 1, memoryMB: pilotPlan.memoryMB, arch: pilotPlan.arch, region: this.options.region });
    if (this.costUsd + cheapest > ceiling) {
      throw new SweepStop(
        'stopped-max-cost',
        `Cost limit reached: ${formatUsd(this.costUsd)} spent, and even the pilot invocation would pass the limit of ${formatUsd(ceiling)}. Resume with a higher --max-cost-usd to run.`,
      );
    }
  }

  /** A successful warm-up (smallest memory first), else any successful record with a billed duration. */
  private pilotFromRecords(records: readonly InvocationRecord[]): PilotMeasurement | null {
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

  private remainingConfigCounts(): PlannedConfigCount[] {
    const { plan, store } = this.options;
    const byConfig = new Map<string, PlannedConfigCount>();
    for (const p of [...plan.warmups, ...plan.measured]) {
      if (this.isRecorded(p.key) || this.skippedKeys.has(p.key)) continue;
      const id = `${p.functionName}|${p.threads}`;
      const entry = byConfig.get(id) ?? { arch: p.arch, memoryMB: p.memoryMB, threads: p.threads, invocations: 0, coldStarts: 0 };
      entry.invocations++;
      if (p.warmup) entry.coldStarts = (entry.coldStarts ?? 0) + 1;
      byConfig.set(id, entry);
    }
    return [...byConfig.values()];
  }

  private estimatedCostOf(p: PlannedInvocation): number {
    if (!this.pilot) return 0;
    return estimateSweepCost({
      pilot: this.pilot,
      configs: [{ arch: p.arch, memoryMB: p.memoryMB, threads: p.threads, invocations: 1, coldStarts: p.warmup ? 1 : 0 }],
      region: this.options.region,
    }).estimatedUsd;
  }

  // ---- the worker pool ---------------------------------------------------------------------

  /**
   * Runs the queue with at most `concurrency` invocations in flight and at most one per function:
   * each function then keeps one warm execution environment, so our own parallelism never turns
   * a measured invocation into a cold start (nor, on the built-in endpoint, makes two copies of one
   * function compete for its CPU share). The queue order is kept otherwise.
   */
  private async runAll(queue: PlannedInvocation[]): Promise<void> {
    const pending = [...queue];
    const busy = new Set<string>();
    let waiting: Array<() => void> = [];
    const slotFreed = () => new Promise<void>((resolve) => waiting.push(resolve));
    const release = () => {
      const wake = waiting;
      waiting = [];
      for (const resolve of wake) resolve();
    };
    const lanes = Math.max(1, Math.min(this.options.concurrency, new Set(queue.map((p) => p.functionName)).size));
    const worker = async (): Promise<void> => {
      while (!this.stop && pending.length > 0) {
        const index = pending.findIndex((p) => !busy.has(p.functionName));
        if (index === -1) {
          await Promise.race([slotFreed(), this.stopped]);
          continue;
        }
        const [planned] = pending.splice(index, 1);
        if (this.isRecorded(planned.key)) continue;
        if (this.shouldSkip(planned)) continue;
        const estimate = this.estimatedCostOf(planned);
        const ceiling = this.options.maxCostUsd;
        if (ceiling !== null && ceiling !== undefined && this.costUsd + this.inFlightEstimateUsd + estimate > ceiling) {
          this.halt(
            new SweepStop(
              'stopped-max-cost',
              `Cost limit reached: ${formatUsd(this.costUsd)} spent${this.inFlightEstimateUsd > 0 ? ' (plus invocations in flight)' : ''}, and the next invocation would pass the limit of ${formatUsd(ceiling)}. Resume with a higher --max-cost-usd to finish.`,
            ),
          );
          return;
        }
        busy.add(planned.functionName);
        this.inFlightEstimateUsd += estimate;
        try {
          await this.invokeAndRecord(planned);
        } finally {
          this.inFlightEstimateUsd -= estimate;
          busy.delete(planned.functionName);
          release();
        }
      }
      release(); // let a waiting lane see that the queue is empty or the sweep stopped
    };
    await Promise.all(Array.from({ length: lanes }, worker));
    if (this.stop) throw this.stop;
  }

  private shouldSkip(planned: PlannedInvocation): boolean {
    const sampler = this.options.sampler;
    if (!sampler || planned.warmup) return false;
    if (sampler.shouldContinue(planned.configKey)) return false;
    if (!this.earlyStops.has(planned.configKey)) {
      const reason = sampler.stopReason(planned.configKey) ?? 'the adaptive sampler stopped this configuration';
      this.earlyStops.set(planned.configKey, reason);
      this.log(`${planned.functionName} threads=${planned.threads} ${planned.strategy}: stopping after ${this.successfulReps(planned.configKey)} repetition(s): ${reason}`);
    }
    this.skippedKeys.add(planned.key);
    return true;
  }

  private feedSamplerFromStore(): void {
    const sampler = this.options.sampler;
    if (!sampler) return;
    for (const record of this.options.store.invocations) this.observe(record);
  }

  private observe(record: InvocationRecord): void {
    const sampler = this.options.sampler;
    if (!sampler || record.warmup || record.error !== null || record.coldStart || record.processingMs === null) return;
    sampler.observe(configKeyOf(record), record.processingMs);
  }

  // ---- one invocation ----------------------------------------------------------------------

  /** Invokes with retries and appends the record; null when the sweep stopped before it finished (not recorded). */
  private async invokeAndRecord(planned: PlannedInvocation): Promise<InvocationRecord | null> {
    const startedAt = new Date().toISOString();
    const event: TemplateEvent = { items: this.options.items, workers: planned.threads, cost: this.options.cost, strategy: planned.strategy };
    const payload = new TextEncoder().encode(JSON.stringify(event));
    let retries = 0;
    let lastError: unknown = null;
    for (let outer = 0; outer <= this.retryPolicy.maxOuterRetries; outer++) {
      if (this.stop) return null;
      try {
        const response = await this.options.client.send(
          new InvokeCommand({ FunctionName: planned.functionName, InvocationType: 'RequestResponse', LogType: 'Tail', Payload: payload }),
          { abortSignal: this.callAbort.signal },
        );
        retries += Math.max(0, (response.$metadata.attempts ?? 1) - 1);
        this.consecutiveTransportFailures = 0;
        return this.record(recordFromResponse(this.runId, planned, response, retries, startedAt));
      } catch (error) {
        if (isAbort(error) || this.isCancelled()) return null;
        retries += Math.max(0, (sdkAttempts(error) ?? 1) - 1);
        lastError = error;
        const kind = classifyError(error);
        if (isNotFoundError(error)) {
          // Every later invocation of the function would fail the same way: stop, record nothing.
          this.halt(
            new SweepStop(
              'failed',
              `Function ${planned.functionName} was not found on the target (deleted, or the built-in endpoint was restarted). This run cannot be finished with a new function: deploy the experiment again and start a new sweep.`,
            ),
          );
          return null;
        }
        if (kind === 'transport') this.consecutiveTransportFailures++;
        if (kind === 'fatal') break;
        if (this.consecutiveTransportFailures >= (this.options.maxConsecutiveTransportFailures ?? 3)) {
          this.halt(new SweepStop('failed', `The endpoint stopped answering (${describeError(error)}). Check it is running and reachable, then resume the run.`));
          return null;
        }
        if (outer === this.retryPolicy.maxOuterRetries) break;
        retries++;
        await this.sleep(backoffMs(outer, this.retryPolicy, retryAfterMs(error)));
      }
    }
    const message = `${describeError(lastError)}${retries > 0 ? ` (after ${retries} retr${retries === 1 ? 'y' : 'ies'})` : ''}`;
    return this.record(unmeasuredRecord(this.runId, planned, message, retries, startedAt));
  }

  private record(record: InvocationRecord): InvocationRecord {
    const key = recordKey(record);
    const retried = this.retryKeys.delete(key);
    if (retried) {
      // The error record this attempt supersedes no longer counts as an error.
      this.errors--;
      this.retriedErrors++;
    }
    this.options.store.append(record);
    this.account(record, true);
    this.observe(record);
    this.options.onRecord?.(record);
    const label = `${record.functionName} threads=${record.threads} ${record.strategy} ${record.warmup ? 'warm-up' : `rep ${record.rep}`}`;
    if (record.error !== null) this.log(`${label}: ERROR ${record.error}`);
    else this.log(`${label}: ${record.processingMs ?? '?'} ms processing, ${record.billedMs ?? '?'} ms billed${record.coldStart ? ', cold start' : ''}${record.retries ? `, ${record.retries} retries` : ''}`);
    if (Date.now() - this.lastMetadataWrite > 2000) {
      this.lastMetadataWrite = Date.now();
      this.options.store.updateMetadata({ costSoFarUsd: this.costUsd });
    }
    this.emitProgress(record);
    return record;
  }

  private account(record: InvocationRecord, inSession: boolean): void {
    if (record.error !== null) this.errors++;
    this.retries += record.retries;
    this.addCost(record);
    if (inSession) this.doneInSession++;
  }

  private addCost(record: InvocationRecord): void {
    if (record.billedMs !== null) {
      this.costUsd += invocationCostUsd({ billedMs: record.billedMs, memoryMB: record.memoryMB, arch: record.arch, region: this.options.region });
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      const signal = this.sleepAbort.signal;
      function done() {
        clearTimeout(timer);
        signal.removeEventListener('abort', done);
        resolve();
      }
      signal.addEventListener('abort', done, { once: true });
    });
  }

  // ---- progress and stop reasons -------------------------------------------------------------

  private counts(): { done: number; total: number } {
    const { plan, store } = this.options;
    let done = 0;
    let total = 0;
    for (const p of [...plan.warmups, ...plan.measured]) {
      if (this.isRecorded(p.key)) {
        done++;
        total++;
      } else if (!this.skippedKeys.has(p.key) && !this.isEarlyStopped(p)) {
        total++;
      }
    }
    return { done, total };
  }

  private isEarlyStopped(p: PlannedInvocation): boolean {
    return !p.warmup && this.earlyStops.has(p.configKey);
  }

  private emitProgress(last?: InvocationRecord): void {
    if (!this.options.onProgress) return;
    const { done, total } = this.counts();
    const elapsed = Date.now() - this.etaStartMs;
    const doneSinceEtaStart = this.doneInSession - this.etaDoneBase;
    const etaMs = doneSinceEtaStart > 0 ? Math.round((elapsed / doneSinceEtaStart) * Math.max(0, total - done)) : null;
    this.options.onProgress({ done, total, errors: this.errors, retries: this.retries, costUsd: this.costUsd, etaMs, phase: this.phase, last });
  }

  private successfulReps(key: string): number {
    return this.options.store.invocations.filter((r) => !r.warmup && r.error === null && configKeyOf(r) === key).length;
  }

  private configStops(status: RunStatus, statusReason: string | null): ConfigStop[] {
    const { plan, store } = this.options;
    const seen = new Map<string, PlannedInvocation>();
    for (const p of plan.measured) if (!seen.has(p.configKey)) seen.set(p.configKey, p);
    const sampler = this.options.sampler;
    return [...seen.values()].map((p) => {
      const reps = this.successfulReps(p.configKey);
      const allDone = plan.measured.filter((m) => m.configKey === p.configKey).every((m) => this.isRecorded(m.key));
      let reason: string;
      const early = this.earlyStops.get(p.configKey) ?? (sampler && !sampler.shouldContinue(p.configKey) && !allDone ? sampler.stopReason(p.configKey) ?? 'stopped by the adaptive sampler' : undefined);
      if (early) reason = `adaptive: ${early}`;
      else if (allDone) reason = `completed all ${plan.input.repetitions} planned repetitions`;
      else reason = `unfinished: ${status}${statusReason ? ` (${statusReason})` : ''}`;
      return { configKey: p.configKey, functionName: p.functionName, arch: p.arch, memoryMB: p.memoryMB, threads: p.threads, strategy: p.strategy, repetitions: reps, reason };
    });
  }
}

// ---- pure helpers (exported for tests) ---------------------------------------------------------

export function configKeyOf(record: { functionName: string; threads: number; strategy: Strategy }): string {
  return `${record.functionName}|t${record.threads}|${record.strategy}`;
}

interface TemplateResult {
  processingMs?: unknown;
  availableParallelism?: unknown;
  cpuModel?: unknown;
  cpuLimit?: unknown;
  coldStart?: unknown;
  error?: unknown;
  errorMessage?: unknown;
  errorType?: unknown;
}

export function recordFromResponse(runId: string, planned: PlannedInvocation, response: InvokeCommandOutput, retries: number, startedAt: string): InvocationRecord {
  const payloadText = response.Payload ? new TextDecoder().decode(response.Payload) : '';
  let result: TemplateResult | null = null;
  try {
    const parsed: unknown = payloadText ? JSON.parse(payloadText) : null;
    if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) result = parsed as TemplateResult;
  } catch {
    result = null;
  }
  let report: ReportLine | null = null;
  let reportProblem: string | null = null;
  if (response.LogResult) {
    try {
      report = findReportLine(Buffer.from(response.LogResult, 'base64').toString('utf8'));
    } catch (error) {
      reportProblem = `the REPORT line could not be read: ${error instanceof Error ? error.message : String(error)}`;
    }
  }
  let error: string | null = null;
  if (response.FunctionError) {
    const message = typeof result?.errorMessage === 'string' ? result.errorMessage : typeof result?.errorType === 'string' ? result.errorType : payloadText.slice(0, 500) || 'no message';
    error = `Function error (${response.FunctionError}): ${message}`;
  } else if (typeof result?.error === 'string') {
    error = `The function refused the event: ${result.error}`;
  } else if (result === null) {
    error = `The function returned no JSON object: ${payloadText.slice(0, 200) || '(empty payload)'}`;
  }
  const processingMs = typeof result?.processingMs === 'number' ? result.processingMs : null;
  if (error === null && processingMs === null) error = 'The function result has no processingMs; is this the Lambda Lab template?';
  if (error === null && reportProblem) error = reportProblem;
  // Someone changed the function's memory mid-sweep: this measurement is not of the planned configuration.
  if (error === null && report && report.memorySizeMB !== planned.memoryMB) {
    error = `function memory changed during the sweep: planned ${planned.memoryMB} MB, ran at ${report.memorySizeMB} MB`;
  }
  return {
    ...unmeasuredRecord(runId, planned, error, retries, startedAt),
    coldStart: planned.warmup || (report ? report.coldStart : result?.coldStart === true),
    processingMs,
    durationMs: report?.durationMs ?? null,
    billedMs: report?.billedMs ?? null,
    initMs: report?.initDurationMs ?? null,
    maxMemoryMB: report?.maxMemoryUsedMB ?? null,
    cores: typeof result?.availableParallelism === 'number' ? result.availableParallelism : null,
    cpuModel: typeof result?.cpuModel === 'string' ? result.cpuModel : null,
    cpuLimit: typeof result?.cpuLimit === 'string' ? result.cpuLimit : null,
  };
}

/** The planned invocation's identity with nothing measured: all an invocation without a response leaves. */
function unmeasuredRecord(runId: string, planned: PlannedInvocation, error: string | null, retries: number, startedAt: string): InvocationRecord {
  return {
    runId,
    functionName: planned.functionName,
    arch: planned.arch,
    memoryMB: planned.memoryMB,
    threads: planned.threads,
    strategy: planned.strategy,
    rep: planned.rep,
    warmup: planned.warmup,
    coldStart: planned.warmup,
    processingMs: null,
    durationMs: null,
    billedMs: null,
    initMs: null,
    maxMemoryMB: null,
    cores: null,
    cpuModel: null,
    cpuLimit: null,
    error,
    retries,
    startedAt,
    endedAt: new Date().toISOString(),
  };
}

type ErrorKind = 'throttle' | 'server' | 'transport' | 'fatal';

interface SdkErrorShape {
  name?: string;
  code?: string;
  message?: string;
  $metadata?: { httpStatusCode?: number; attempts?: number };
  $response?: { headers?: Record<string, string | undefined> };
  $retryable?: unknown;
}

const TRANSPORT_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH']);

export function classifyError(error: unknown): ErrorKind {
  const e = (error ?? {}) as SdkErrorShape;
  const status = e.$metadata?.httpStatusCode;
  if (e.name === 'TooManyRequestsException' || e.name === 'ThrottlingException' || status === 429) return 'throttle';
  if ((status !== undefined && status >= 500) || e.name === 'ServiceException') return 'server';
  if ((e.code && TRANSPORT_CODES.has(e.code)) || e.name === 'TimeoutError' || (status === undefined && /socket hang up|ECONN|ETIMEDOUT|network/i.test(e.message ?? ''))) return 'transport';
  return 'fatal';
}

function isAbort(error: unknown): boolean {
  const name = (error as { name?: string } | null)?.name;
  return name === 'AbortError';
}

function sdkAttempts(error: unknown): number | undefined {
  return (error as SdkErrorShape | null)?.$metadata?.attempts;
}

function retryAfterMs(error: unknown): number | null {
  const header = (error as SdkErrorShape | null)?.$response?.headers?.['retry-after'];
  const seconds = header !== undefined ? Number(header) : NaN;
  return Number.isFinite(seconds) && seconds >= 0 ? seconds * 1000 : null;
}

/** Exponential backoff with full jitter; Retry-After is honoured when longer. */
export function backoffMs(attempt: number, policy: RetryPolicy, retryAfter: number | null = null, random = Math.random): number {
  const cap = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** attempt);
  const jittered = Math.round(cap / 2 + random() * (cap / 2));
  return Math.min(policy.maxDelayMs, Math.max(jittered, retryAfter ?? 0));
}

export function describeError(error: unknown): string {
  if (error === null || error === undefined) return 'unknown error';
  const e = error as SdkErrorShape;
  const status = e.$metadata?.httpStatusCode;
  const name = e.name && e.name !== 'Error' ? e.name : e.code;
  const message = e.message ?? String(error);
  return `${name ? `${name}: ` : ''}${message}${status ? ` (HTTP ${status})` : ''}`;
}
