// Keeps execution environments warm and hands them out like Lambda does: an idle environment of
// the function's current revision is reused (warm start); otherwise a new one is started (cold
// start, with Init Duration); concurrent invocations never share one. Environments of retired
// revisions are stopped once idle, and their code folders removed when nothing uses them.
import { rm } from 'node:fs/promises';
import type { CpuLimiter, CpuPlacement } from './cpuLimiter';
import { ExecutionEnvironment, type InvocationOutcome } from './executionEnvironment';
import type { FunctionRevision } from './functionRecord';
import { LambdaApiError } from './lambdaErrors';

export interface PooledInvocation extends InvocationOutcome {
  /** Set on the first invocation of a new environment. */
  initDurationMs: number | null;
  /** How the environment's CPU was limited, e.g. "cgroup-v1 quota 0.579 CPU, cores 0,1 (taskset)". */
  placement: string;
}

export interface PoolOptions {
  limiter: CpuLimiter;
  bootstrapPath: string;
  region: string;
  maxEnvironments: number;
  idleTimeoutMs: number;
  isCurrent: (revision: FunctionRevision) => boolean;
  log: (line: string) => void;
}

interface Slot {
  environment: ExecutionEnvironment;
  placement: string;
  idleTimer: NodeJS.Timeout | undefined;
}

export class EnvironmentPool {
  private readonly slots = new Set<Slot>();
  /** Environments being started (count toward the limit). */
  private starting = 0;
  private readonly discardedDirs = new Set<string>();
  private closed = false;

  constructor(private readonly options: PoolOptions) {}

  /**
   * Runs one invocation. When `abandoned` fires (the client went away), the environment is
   * stopped and discarded: its process group is killed, so the work does not outlive the caller.
   */
  async invoke(revision: FunctionRevision, requestId: string, payload: string, abandoned?: AbortSignal): Promise<PooledInvocation> {
    if (this.closed) throw new LambdaApiError(503, 'ServiceException', 'The local endpoint is shutting down.');
    let slot = this.takeIdle(revision);
    let initDurationMs: number | null = null;
    if (!slot) {
      await this.makeRoom();
      this.starting++;
      let placement: CpuPlacement | undefined;
      let started: Awaited<ReturnType<typeof ExecutionEnvironment.start>>;
      try {
        placement = await this.options.limiter.place(revision.memorySize);
        started = await ExecutionEnvironment.start({
          revision,
          bootstrapPath: this.options.bootstrapPath,
          region: this.options.region,
          placement,
          platformVariables: { LAMBDA_LAB_CPU_LIMIT: this.options.limiter.method },
        });
      } catch (error) {
        await placement?.release().catch(() => {});
        this.options.log(`${revision.functionName}: could not start an execution environment: ${error instanceof Error ? error.message : String(error)}`);
        throw new LambdaApiError(
          500,
          'ServiceException',
          `The local endpoint could not start an execution environment for ${revision.functionName} (request ${requestId}); its log has the details. Retry, and report the problem if it persists.`,
        );
      } finally {
        this.starting--;
      }
      initDurationMs = started.initDurationMs;
      if (started.initError) {
        const { errorType, errorMessage, trace } = started.initError;
        this.releaseDirIfUnused(revision.codeDir);
        return {
          kind: 'initError',
          body: JSON.stringify({ errorType, errorMessage, trace }),
          errorType,
          logLines: [
            `${new Date().toISOString()}\tundefined\tERROR\tUncaught Exception \t${JSON.stringify({ errorType, errorMessage, stack: trace })}`,
            `INIT_REPORT Init Duration: ${initDurationMs.toFixed(2)} ms\tPhase: init\tStatus: error\tError Type: ${errorType}`,
          ],
          durationMs: 0,
          maxMemoryUsedMB: 0,
          initDurationMs,
          placement: placement.description,
        };
      }
      slot = { environment: started.environment, placement: placement.description, idleTimer: undefined };
      this.slots.add(slot);
      this.options.log(
        `${revision.functionName}: new execution environment pid ${started.environment.pid} (${placement.description}), init ${initDurationMs.toFixed(1)} ms`,
      );
    }
    const environment = slot.environment;
    const running = slot;
    const onAbandoned = () => {
      this.options.log(`${revision.functionName}: the client of invocation ${requestId} went away; stopping execution environment pid ${environment.pid}`);
      void this.stop(running);
    };
    if (abandoned?.aborted) onAbandoned();
    else abandoned?.addEventListener('abort', onAbandoned, { once: true });
    let outcome: InvocationOutcome;
    try {
      outcome = await environment.invoke(requestId, payload);
    } finally {
      abandoned?.removeEventListener('abort', onAbandoned);
      this.afterInvocation(slot);
    }
    return { ...outcome, initDurationMs, placement: slot.placement };
  }

  /** Stops idle environments of a revision that Invoke no longer uses; busy ones stop when done. */
  retireRevision(revision: FunctionRevision): void {
    for (const slot of [...this.slots]) {
      if (slot.environment.revision === revision && !slot.environment.busy) void this.stop(slot);
    }
  }

  /** Removes a code folder as soon as no environment runs from it. */
  discardWhenUnused(codeDir: string): void {
    this.discardedDirs.add(codeDir);
    this.releaseDirIfUnused(codeDir);
  }

  get size(): number {
    return this.slots.size;
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.all([...this.slots].map((slot) => this.stop(slot)));
  }

  private takeIdle(revision: FunctionRevision): Slot | undefined {
    for (const slot of this.slots) {
      const environment = slot.environment;
      if (environment.revision === revision && !environment.busy && !environment.retired) {
        if (slot.idleTimer) clearTimeout(slot.idleTimer);
        slot.idleTimer = undefined;
        return slot;
      }
    }
    return undefined;
  }

  /** Makes sure one more environment fits: stops the longest-idle one if needed, else 429. */
  private async makeRoom(): Promise<void> {
    if (this.slots.size + this.starting < this.options.maxEnvironments) return;
    const idle = [...this.slots].find((slot) => !slot.environment.busy);
    if (idle) {
      await this.stop(idle);
      return;
    }
    throw new LambdaApiError(429, 'TooManyRequestsException', 'Rate Exceeded.', { 'Retry-After': '1' }, { Reason: 'ConcurrentInvocationLimitExceeded' });
  }

  private afterInvocation(slot: Slot): void {
    const environment = slot.environment;
    if (environment.retired || !this.options.isCurrent(environment.revision) || this.closed) {
      void this.stop(slot);
      return;
    }
    slot.idleTimer = setTimeout(() => void this.stop(slot), this.options.idleTimeoutMs);
    slot.idleTimer.unref();
  }

  private async stop(slot: Slot): Promise<void> {
    if (slot.idleTimer) clearTimeout(slot.idleTimer);
    this.slots.delete(slot);
    await slot.environment.retire();
    this.releaseDirIfUnused(slot.environment.revision.codeDir);
  }

  private releaseDirIfUnused(codeDir: string): void {
    if (!this.discardedDirs.has(codeDir)) return;
    for (const slot of this.slots) if (slot.environment.revision.codeDir === codeDir) return;
    this.discardedDirs.delete(codeDir);
    void rm(codeDir, { recursive: true, force: true }).catch((error: unknown) => this.options.log(`could not remove ${codeDir}: ${String(error)}`));
  }
}
