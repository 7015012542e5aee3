// Runs a sweep plan against Lambda (AWS, the built-in endpoint, or any compatible endpoint): one
// record per invocation appended as it arrives, a pilot and cost estimate before spending, a cost
// ceiling, adaptive early stopping, cancellation that aborts the calls in flight and leaves a
// resumable run, and progress events for the CLI and VS Code. The parts live beside it:
// laneScheduler (concurrency), retryBackoff and sdkErrors (retries), pilotEstimate and costCeiling
// (spending), adaptiveStops, sweepAccounting (cost, errors, ETA), invokeResponse (records) and
// sweepStopReason (why it stopped, as data the caller words).
import { strategyLabel } from '../core/analysis/payloads';
import { isNotFoundError } from '../aws/sdkErrors';
import { InvokeCommand, type InvokeCommandOutput } from '@aws-sdk/client-lambda';
import { estimateSweepCost, formatUsd, type PilotMeasurement, type SweepCostEstimate } from '../core/costEstimate';
import type { TemplateEvent } from '../core/experimentConfig';
import type { InvocationRecord } from '../core/invocationRecord';
import type { ConfigStop, RunStatus } from '../core/runFiles';
import { recordKey, type PlannedInvocation, type SweepPlan } from '../core/sweepPlan';
import { AdaptiveStops, type SweepSampler } from './adaptiveStops';
import { ceilingStopBeforeInvocation, ceilingStopBeforePilot } from './costCeiling';
import { recordFromResponse, unmeasuredRecord } from './invokeResponse';
import { runInLanes } from './laneScheduler';
import { configCounts, estimatedCostOf, pilotFromRecords, pilotInvocation } from './pilotEstimate';
import { backoffMs, DEFAULT_RETRY_POLICY, type RetryPolicy } from './retryBackoff';
import type { RunStore } from './runStore';
import { classifyError, describeError, isAbort, retryAfterMs, sdkAttempts } from './sdkErrors';
import { SweepAccounting } from './sweepAccounting';
import { describeStopReason, type SweepStopReason } from './sweepStopReason';

export { backoffMs, DEFAULT_RETRY_POLICY, SDK_MAX_ATTEMPTS, type RetryPolicy } from './retryBackoff';
export { classifyError, describeError } from './sdkErrors';
export { recordFromResponse } from './invokeResponse';
export type { SweepSampler } from './adaptiveStops';
export type { SweepStopReason } from './sweepStopReason';

/**
 * What the engine passes as a call's abortSignal: `aborted`, and `onabort`, which the SDK sets to
 * what ends the call (the AbortSignal-like object its HttpHandlerOptions accept besides the
 * platform's AbortSignal). See CallAbort below for why not an AbortController's signal.
 */
export interface CallAbortSignal {
  readonly aborted: boolean;
  onabort: ((this: CallAbortSignal, event: unknown) => unknown) | null;
}

/** The part of LambdaClient the engine uses (so tests and wrappers can stand in for it). */
export interface LambdaInvoker {
  send(command: InvokeCommand, options?: { abortSignal?: CallAbortSignal }): Promise<InvokeCommandOutput>;
}

/**
 * One call's abort handle, one per call because the SDK keeps one onabort per signal (the latest
 * part of the call to wait sets it). A shared AbortController signal cost every call two listener
 * registrations and removals on Node's EventTarget (the SDK's retry middleware and its HTTP
 * handler each add one) and a 'close' listener on the request; this costs two property writes.
 */
class CallAbort implements CallAbortSignal {
  aborted = false;
  onabort: ((this: CallAbortSignal, event: unknown) => unknown) | null = null;

  abort(): void {
    if (this.aborted) return;
    this.aborted = true;
    this.onabort?.call(this, { type: 'abort' });
  }
}

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

/**
 * How invocations are built and read, for functions that are not the template (a user's own
 * function): the payload of each planned invocation, the record made from a response, and whether
 * a record should stop the sweep. Without it, the template's event and result are used.
 */
export interface InvocationAdapter {
  payloadFor(planned: PlannedInvocation): Uint8Array;
  recordFrom: typeof recordFromResponse;
  /** The record of an invocation that got no response (network, throttling after retries); default unmeasuredRecord. */
  unmeasuredFrom?: typeof unmeasuredRecord;
  /** The error that stops the sweep after this record (e.g. the function failed on the payload), or null. */
  stopAfter?(record: InvocationRecord): string | null;
}

export interface SweepEngineOptions {
  client: LambdaInvoker;
  store: RunStore;
  plan: SweepPlan;
  items: number;
  cost: number;
  region: string;
  concurrency: number;
  /** Cancels the sweep: in-flight calls are aborted (the endpoint sees the disconnect), nothing more starts. */
  signal?: AbortSignal;
  /** Cost ceiling, USD (see costCeiling.ts for what it guarantees). */
  maxCostUsd?: number | null;
  /** Adaptive mode: configurations stop once the sampler says so. */
  sampler?: SweepSampler | null;
  /** Called once with the estimate for what is left to run; false cancels the sweep before spending more. */
  confirmCost?: (estimate: SweepCostEstimate) => Promise<boolean>;
  onProgress?: (progress: SweepProgress) => void;
  /**
   * Progress events for new records come at most this often (ms; default 200: no view shows more
   * than a few a second, and each event costs the caller a redraw or a message). The cost estimate and
   * the end are reported at once; a record whose event was held back is reported when the interval ends.
   * 0: one event per record.
   */
  progressIntervalMs?: number;
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
  /** Payloads and records for a function that is not the template. */
  invocation?: InvocationAdapter;
}

export interface SweepOutcome {
  status: RunStatus;
  /** Why the sweep stopped early, as data for the caller to word; null when it completed. */
  stopReason: SweepStopReason | null;
  /** The neutral sentence for stopReason (stored in run.json); null when it completed. */
  statusReason: string | null;
  done: number;
  total: number;
  /** Planned invocations whose record is an error (after this session's retries). */
  errors: number;
  retries: number;
  costUsd: number;
  estimate: SweepCostEstimate | null;
  configStops: ConfigStop[];
  /** Error records run again in this session (retryErrors); 0 without it. */
  retriedErrors: number;
}

const STATUS_OF: Record<SweepStopReason['kind'], RunStatus> = {
  cancelled: 'cancelled',
  notConfirmed: 'cancelled',
  costCeiling: 'stopped-max-cost',
  pilotFailedEarlier: 'failed',
  pilotFailed: 'failed',
  functionFailed: 'failed',
  functionNotFound: 'failed',
  endpointUnreachable: 'failed',
  unexpected: 'failed',
};

const utf8Encoder = new TextEncoder();

/** See SweepEngineOptions.progressIntervalMs. */
export const DEFAULT_PROGRESS_INTERVAL_MS = 200;

class SweepStop extends Error {
  readonly status: RunStatus;
  constructor(readonly reason: SweepStopReason) {
    super(describeStopReason(reason));
    this.status = STATUS_OF[reason.kind];
  }
}

export async function runSweep(options: SweepEngineOptions): Promise<SweepOutcome> {
  return new SweepRun(options).run();
}

class SweepRun {
  private readonly retryPolicy: RetryPolicy;
  private readonly log: (line: string) => void;
  private readonly runId: string;
  private readonly accounting: SweepAccounting;
  private readonly adaptive: AdaptiveStops;
  /** Error records run again in this session (retryErrors). */
  private retriedErrors = 0;
  private inFlightEstimateUsd = 0;
  private consecutiveTransportFailures = 0;
  private stop: SweepStop | null = null;
  private estimate: SweepCostEstimate | null = null;
  /** Spent before the estimate plus the estimate of the rest: what run.json reports. */
  private estimatedTotalUsd: number | null = null;
  private pilot: PilotMeasurement | null = null;
  /** estimatedCostOf per configuration (and warm-up or not) for the current pilot: the same for every repetition. */
  private readonly costOfCache = new Map<string, number>();
  /** The template's event, encoded once per configuration (the same for every repetition). */
  private readonly payloadCache = new Map<string, Uint8Array>();
  private readonly skippedKeys = new Set<string>();
  /** With retryErrors: error records found at the start, each run again once in this session. */
  private readonly retryKeys = new Set<string>();
  private phase: SweepProgress['phase'] = 'pilot';
  /**
   * done/total as last counted over the whole plan. A record only moves its own invocation from
   * pending to done, so record() bumps done; a skipped invocation or a newly stopped configuration
   * changes total, and the next progress event counts again (counting the whole plan for every
   * record made progress quadratic in the plan's size).
   */
  private countsCache: { done: number; total: number; skipped: number; earlyStops: number } | null = null;
  private lastMetadataWrite = 0;
  private readonly progressIntervalMs: number;
  private lastProgressAt = 0;
  /** Sends the held-back progress event of the latest record when the interval ends; cleared by the next event (the sweep always ends with one). */
  private progressTimer: ReturnType<typeof setTimeout> | null = null;
  private heldBackRecord: InvocationRecord | undefined;
  /** Ends backoff sleeps when the sweep stops for any reason. */
  private readonly sleepAbort = new AbortController();
  /**
   * The calls in flight, aborted only when the user cancels: after a cost-limit stop or a failure
   * the calls in flight are already paid for, so their results are still recorded.
   */
  private readonly callsInFlight = new Set<CallAbort>();
  /** Resolves when the sweep stops for any reason (wakes lanes waiting for a free function). */
  private readonly stopped = new Promise<void>((resolve) => this.sleepAbort.signal.addEventListener('abort', () => resolve(), { once: true }));

  constructor(private readonly options: SweepEngineOptions) {
    this.retryPolicy = { ...DEFAULT_RETRY_POLICY, ...options.retry };
    this.progressIntervalMs = Math.max(0, options.progressIntervalMs ?? DEFAULT_PROGRESS_INTERVAL_MS);
    this.log = options.log ?? (() => {});
    this.runId = options.store.meta.runId;
    this.accounting = new SweepAccounting(options.region);
    this.adaptive = new AdaptiveStops(options.sampler ?? null, () => options.store.invocations, this.log, options.invocation !== undefined);
    for (const record of options.store.invocations) this.accounting.account(record, false);
    // Superseded error records were billed too (a function error is); they count towards the cost.
    for (const record of options.store.supersededInvocations) this.accounting.addCost(record);
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
    const onAbort = () => this.halt(new SweepStop({ kind: 'cancelled' }));
    if (signal?.aborted) onAbort();
    signal?.addEventListener('abort', onAbort, { once: true });
    store.updateMetadata({ status: 'running', statusReason: null });
    try {
      for (const record of store.invocations) this.adaptive.observe(record);
      await this.runPilotAndEstimate();
      this.phase = 'warmup';
      await this.runAll(plan.warmups.filter((p) => !this.isRecorded(p.key)));
      this.phase = 'measure';
      await this.runAll(plan.measured.filter((p) => !this.isRecorded(p.key)));
    } catch (error) {
      if (error instanceof SweepStop) this.halt(error);
      else this.halt(new SweepStop({ kind: 'unexpected', message: error instanceof Error ? error.message : String(error) }));
    } finally {
      signal?.removeEventListener('abort', onAbort);
    }
    const status: RunStatus = this.stop?.status ?? 'completed';
    const statusReason = this.stop?.message ?? null;
    const configStops = this.adaptive.configStops(plan, (key) => this.isRecorded(key), status, statusReason);
    const { costUsd, errors, retries } = this.accounting;
    store.updateMetadata({ status, statusReason, costSoFarUsd: costUsd, configStops, estimatedCostUsd: this.estimatedTotalUsd ?? store.meta.estimatedCostUsd });
    this.phase = 'finished';
    this.emitProgress();
    const { done, total } = this.counts();
    return {
      status,
      stopReason: this.stop?.reason ?? null,
      statusReason,
      done,
      total,
      errors,
      retries,
      costUsd,
      estimate: this.estimate,
      configStops,
      retriedErrors: this.retriedErrors,
    };
  }

  private isCancelled(): boolean {
    return this.stop?.status === 'cancelled';
  }

  private halt(stop: SweepStop): void {
    if (this.stop) return;
    this.stop = stop;
    this.log(`Stopping: ${stop.message}`);
    this.sleepAbort.abort();
    if (stop.reason.kind === 'cancelled') for (const call of this.callsInFlight) call.abort();
  }

  private async runPilotAndEstimate(): Promise<void> {
    const { store, plan, region } = this.options;
    this.pilot = pilotFromRecords(store.invocations);
    if (!this.pilot) {
      const pilotPlan = pilotInvocation(plan.warmups);
      if (this.isRecorded(pilotPlan.key)) {
        const earlier = store.invocations.find((r) => r.functionName === pilotPlan.functionName && r.warmup);
        throw new SweepStop({ kind: 'pilotFailedEarlier', functionName: pilotPlan.functionName, error: earlier?.error ?? 'no billed duration' });
      }
      const ceilingStop = ceilingStopBeforePilot(this.options.maxCostUsd, this.accounting.costUsd, pilotPlan, region);
      if (ceilingStop) throw new SweepStop(ceilingStop);
      this.log(`Pilot: invoking ${pilotPlan.functionName} once (cold) to estimate the cost.`);
      const record = await this.invokeAndRecord(pilotPlan);
      if (!record) throw this.stop ?? new SweepStop({ kind: 'cancelled' });
      if (record.error !== null || record.billedMs === null) {
        throw new SweepStop({
          kind: 'pilotFailed',
          functionName: pilotPlan.functionName,
          error: record.error ?? 'the response had no REPORT line with a billed duration',
        });
      }
      this.pilot = pilotFromRecords([record]);
      this.costOfCache.clear();
    }
    if (!this.pilot) return;
    const remaining = [...plan.warmups, ...plan.measured].filter((p) => !this.isRecorded(p.key) && !this.skippedKeys.has(p.key));
    this.estimate = estimateSweepCost({ pilot: this.pilot, configs: configCounts(remaining), region });
    this.estimatedTotalUsd = this.estimate.estimatedUsd + this.accounting.costUsd;
    store.updateMetadata({ estimatedCostUsd: this.estimatedTotalUsd });
    this.log(
      `Estimate: ${this.estimate.invocations} invocation(s) left, about ${formatUsd(this.estimate.estimatedUsd)} ` +
        `(at most ${formatUsd(this.estimate.maxUsd)}), ${this.estimate.basis}.`,
    );
    if (this.options.confirmCost && this.estimate.invocations > 0) {
      const confirmed = await this.options.confirmCost(this.estimate);
      if (!confirmed) throw new SweepStop({ kind: 'notConfirmed', estimatedUsd: this.estimate.estimatedUsd });
      this.accounting.restartEta();
    }
    this.emitProgress();
  }

  private async runAll(queue: PlannedInvocation[]): Promise<void> {
    await runInLanes(queue, {
      concurrency: this.options.concurrency,
      isStopped: () => this.stop !== null,
      stopped: this.stopped,
      runOne: async (planned) => {
        if (this.isRecorded(planned.key)) return true;
        if (this.adaptive.shouldSkip(planned)) {
          this.skippedKeys.add(planned.key);
          return true;
        }
        const estimate = this.estimatedCost(planned);
        const ceilingStop = ceilingStopBeforeInvocation(this.options.maxCostUsd, this.accounting.costUsd, this.inFlightEstimateUsd, estimate);
        if (ceilingStop) {
          this.halt(new SweepStop(ceilingStop));
          return false;
        }
        this.inFlightEstimateUsd += estimate;
        try {
          await this.invokeAndRecord(planned);
        } finally {
          this.inFlightEstimateUsd -= estimate;
        }
        return true;
      },
    });
    if (this.stop) throw this.stop;
  }

  private estimatedCost(planned: PlannedInvocation): number {
    if (!this.pilot) return 0;
    const key = planned.warmup ? planned.key : planned.configKey;
    let cost = this.costOfCache.get(key);
    if (cost === undefined) this.costOfCache.set(key, (cost = estimatedCostOf(planned, this.pilot, this.options.region)));
    return cost;
  }

  private templatePayload(planned: PlannedInvocation): Uint8Array {
    // configKey: a string the plan built once (building a key here cost a string per invocation).
    const key = planned.configKey;
    let payload = this.payloadCache.get(key);
    if (payload === undefined) {
      const event: TemplateEvent = { items: this.options.items, workers: planned.threads, cost: this.options.cost, strategy: planned.strategy };
      this.payloadCache.set(key, (payload = utf8Encoder.encode(JSON.stringify(event))));
    }
    return payload;
  }

  /** Invokes with retries and appends the record; null when the sweep stopped before it finished (not recorded). */
  private async invokeAndRecord(planned: PlannedInvocation): Promise<InvocationRecord | null> {
    const startedAt = new Date().toISOString();
    const payload = this.options.invocation ? this.options.invocation.payloadFor(planned) : this.templatePayload(planned);
    const recordFrom = this.options.invocation?.recordFrom ?? recordFromResponse;
    let retries = 0;
    let lastError: unknown = null;
    for (let outer = 0; outer <= this.retryPolicy.maxOuterRetries; outer++) {
      if (this.stop) return null;
      const call = new CallAbort();
      this.callsInFlight.add(call);
      try {
        const response = await this.options.client.send(
          new InvokeCommand({ FunctionName: planned.functionName, InvocationType: 'RequestResponse', LogType: 'Tail', Payload: payload }),
          { abortSignal: call },
        );
        this.callsInFlight.delete(call);
        retries += Math.max(0, (response.$metadata.attempts ?? 1) - 1);
        this.consecutiveTransportFailures = 0;
        return this.record(recordFrom(this.runId, planned, response, retries, startedAt), planned.key);
      } catch (error) {
        this.callsInFlight.delete(call);
        if (isAbort(error) || this.isCancelled()) return null;
        retries += Math.max(0, (sdkAttempts(error) ?? 1) - 1);
        lastError = error;
        const kind = classifyError(error);
        if (isNotFoundError(error)) {
          // Every later invocation of the function would fail the same way: stop, record nothing.
          this.halt(new SweepStop({ kind: 'functionNotFound', functionName: planned.functionName }));
          return null;
        }
        if (kind === 'transport') this.consecutiveTransportFailures++;
        if (kind === 'fatal') break;
        if (this.consecutiveTransportFailures >= (this.options.maxConsecutiveTransportFailures ?? 3)) {
          this.halt(new SweepStop({ kind: 'endpointUnreachable', detail: describeError(error) }));
          return null;
        }
        if (outer === this.retryPolicy.maxOuterRetries) break;
        retries++;
        await this.sleep(backoffMs(outer, this.retryPolicy, retryAfterMs(error)));
      }
    }
    const message = `${describeError(lastError)}${retries > 0 ? ` (after ${retries} retr${retries === 1 ? 'y' : 'ies'})` : ''}`;
    return this.record((this.options.invocation?.unmeasuredFrom ?? unmeasuredRecord)(this.runId, planned, message, retries, startedAt), planned.key);
  }

  /** `key`: the planned invocation's key (the record's recordKey, built once by the plan). */
  private record(record: InvocationRecord, key: string): InvocationRecord {
    if (this.retryKeys.delete(key)) {
      // The error record this attempt supersedes no longer counts as an error.
      this.accounting.errors--;
      this.retriedErrors++;
    }
    this.options.store.append(record, key);
    if (this.countsCache) this.countsCache.done++;
    this.accounting.account(record, true);
    this.adaptive.observe(record);
    this.options.onRecord?.(record);
    const label = `${record.functionName} threads=${record.threads} ${strategyLabel(record.strategy, this.options.invocation !== undefined)} ${record.warmup ? 'warm-up' : `rep ${record.rep}`}`;
    if (record.error !== null) this.log(`${label}: ERROR ${record.error}`);
    else
      this.log(
        `${label}: ${record.processingMs ?? '?'} ms processing, ${record.billedMs ?? '?'} ms billed${record.coldStart ? ', cold start' : ''}${record.retries ? `, ${record.retries} retries` : ''}`,
      );
    const now = Date.now();
    if (now - this.lastMetadataWrite > 2000) {
      this.lastMetadataWrite = now;
      this.options.store.updateMetadata({ costSoFarUsd: this.accounting.costUsd });
    }
    this.recordProgress(record, now);
    const stopError = this.options.invocation?.stopAfter?.(record) ?? null;
    if (stopError !== null) this.halt(new SweepStop({ kind: 'functionFailed', functionName: record.functionName, threads: record.threads, error: stopError }));
    return record;
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const signal = this.sleepAbort.signal;
      const done = () => {
        clearTimeout(timer);
        signal.removeEventListener('abort', done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      signal.addEventListener('abort', done, { once: true });
    });
  }

  private counts(): { done: number; total: number } {
    const cached = this.countsCache;
    if (cached && cached.skipped === this.skippedKeys.size && cached.earlyStops === this.adaptive.earlyStopCount) return cached;
    const { plan } = this.options;
    let done = 0;
    let total = 0;
    for (const planned of [plan.warmups, plan.measured]) {
      for (const p of planned) {
        if (this.isRecorded(p.key)) {
          done++;
          total++;
        } else if (!this.skippedKeys.has(p.key) && !this.adaptive.isEarlyStopped(p)) {
          total++;
        }
      }
    }
    this.countsCache = { done, total, skipped: this.skippedKeys.size, earlyStops: this.adaptive.earlyStopCount };
    return this.countsCache;
  }

  /** The progress event of a new record, now or (within the interval since the last event) when the interval ends. */
  private recordProgress(record: InvocationRecord, now: number): void {
    if (!this.options.onProgress) return;
    const sinceLast = now - this.lastProgressAt;
    if (sinceLast >= this.progressIntervalMs) {
      this.emitProgress(record);
      return;
    }
    this.heldBackRecord = record;
    if (this.progressTimer === null) {
      this.progressTimer = setTimeout(() => {
        this.progressTimer = null;
        this.emitProgress(this.heldBackRecord);
      }, this.progressIntervalMs - sinceLast);
    }
  }

  private emitProgress(last?: InvocationRecord): void {
    if (!this.options.onProgress) return;
    if (this.progressTimer !== null) {
      clearTimeout(this.progressTimer);
      this.progressTimer = null;
    }
    this.heldBackRecord = undefined;
    this.lastProgressAt = Date.now();
    const { done, total } = this.counts();
    const { errors, retries, costUsd } = this.accounting;
    this.options.onProgress({ done, total, errors, retries, costUsd, etaMs: this.accounting.etaMs(total - done), phase: this.phase, last });
  }
}
