// One execution environment: a child Node process running the runtime bootstrap for one revision
// of one function, in its own process group, under its CPU placement. It stays warm between
// invocations; a crash or timeout ends it. Only Lambda's variables and the function's own are
// passed in — never the endpoint's environment or credentials.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import type { CpuPlacement } from './cpuLimiter';
import type { FunctionRevision } from './functionRecord';
import { END_MARKER_PREFIX, type FromRuntime, type ToRuntime } from './runtimeBootstrap';

/** Lambda allows 10 s for the INIT phase. */
const INIT_TIMEOUT_MS = 10_000;

export interface InvocationOutcome {
  kind: 'ok' | 'handlerError' | 'crash' | 'timeout' | 'initError';
  /** Response payload (JSON text). */
  body: string;
  errorType: string | null;
  /** The function's own log lines (stdout/stderr), plus the platform's lines for timeouts/crashes. */
  logLines: string[];
  durationMs: number;
  maxMemoryUsedMB: number;
}

export interface EnvironmentSettings {
  revision: FunctionRevision;
  bootstrapPath: string;
  region: string;
  placement: CpuPlacement;
  /** Extra variables the endpoint adds (e.g. which CPU limit applies). */
  platformVariables: Record<string, string>;
}

export class ExecutionEnvironment {
  readonly revision: FunctionRevision;
  busy = false;
  retired = false;
  /** Log lines produced outside an invocation (during init, or late async work); go to the next log. */
  private strayLines: string[] = [];
  private readonly partial = { stdout: '', stderr: '' };
  private collecting: { lines: string[]; markersSeen: Set<string>; marker: string; onMarkers: () => void } | null = null;
  private lastMaxRssKb = 0;
  private exitInfo: { code: number | null; signal: NodeJS.Signals | null } | null = null;
  private readonly exitWaiters: Array<() => void> = [];

  private constructor(
    private readonly child: ChildProcess,
    settings: EnvironmentSettings,
    private readonly markerNonce: string,
  ) {
    this.revision = settings.revision;
    child.stdout!.setEncoding('utf8').on('data', (text: string) => this.onOutput('stdout', text));
    child.stderr!.setEncoding('utf8').on('data', (text: string) => this.onOutput('stderr', text));
    let exited = false;
    const finalize = (code: number | null, signal: NodeJS.Signals | null) => {
      if (this.exitInfo) return;
      this.flushPartials();
      this.exitInfo = { code, signal };
      this.retired = true;
      this.killGroup(); // grandchildren the function started go with it
      for (const waiter of this.exitWaiters.splice(0)) waiter();
      void settings.placement.release().catch(() => {});
    };
    child.on('exit', (code, signal) => {
      exited = true;
      // Give the pipes a moment to deliver the last output; 'close' may never come if a
      // grandchild still holds them.
      setTimeout(() => finalize(code, signal), 200).unref();
    });
    child.on('close', (code, signal) => {
      if (exited) finalize(code, signal);
    });
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  /** Starts the process and loads the handler. Resolves with the INIT duration or the init error. */
  static async start(
    settings: EnvironmentSettings,
  ): Promise<{ environment: ExecutionEnvironment; initDurationMs: number; initError: { errorType: string; errorMessage: string; trace: string[] } | null }> {
    const { revision, placement } = settings;
    const nonce = randomBytes(8).toString('hex');
    const env = lambdaEnvironment(revision, settings.region, settings.bootstrapPath, settings.platformVariables);
    env.LAMBDA_LAB_MARKER_NONCE = nonce;
    const nodeArgs = [process.execPath, settings.bootstrapPath];
    const command = [...placement.commandPrefix, ...nodeArgs];
    const started = performance.now();
    const child = spawn(command[0], command.slice(1), {
      cwd: revision.codeDir,
      env,
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      detached: true, // own process group, so the whole tree can be killed
      windowsHide: true,
      serialization: 'json',
    });
    const environment = new ExecutionEnvironment(child, settings, nonce);
    const spawned = await new Promise<Error | null>((resolve) => {
      child.once('spawn', () => resolve(null));
      child.once('error', (error) => resolve(error));
    });
    if (spawned) throw new Error(`could not start an execution environment (${command[0]}): ${spawned.message}`);
    try {
      await placement.attach(child.pid!);
    } catch (error) {
      await environment.retire();
      throw new Error(`could not apply the CPU limit to the execution environment: ${error instanceof Error ? error.message : String(error)}`, {
        cause: error,
      });
    }
    const reply = await new Promise<FromRuntime | { type: 'exit' } | { type: 'timeout' }>((resolve) => {
      const timer = setTimeout(() => resolve({ type: 'timeout' }), INIT_TIMEOUT_MS);
      const done = (value: FromRuntime | { type: 'exit' } | { type: 'timeout' }) => {
        clearTimeout(timer);
        child.off('message', onMessage);
        resolve(value);
      };
      const onMessage = (message: FromRuntime) => {
        if (message.type === 'ready' || message.type === 'initError') done(message);
      };
      child.on('message', onMessage);
      environment.onExit(() => done({ type: 'exit' }));
      environment.send({ type: 'init', taskRoot: revision.codeDir, handler: revision.handler });
    });
    const initDurationMs = performance.now() - started;
    if (reply.type === 'ready') return { environment, initDurationMs, initError: null };
    await environment.retire();
    if (reply.type === 'initError')
      return { environment, initDurationMs, initError: { errorType: reply.errorType, errorMessage: reply.errorMessage, trace: reply.trace } };
    const errorMessage =
      reply.type === 'timeout' ? `Init phase did not finish within ${INIT_TIMEOUT_MS / 1000} seconds` : `Runtime exited during init: ${environment.exitText()}`;
    return {
      environment,
      initDurationMs,
      initError: { errorType: reply.type === 'timeout' ? 'Sandbox.Timedout' : 'Runtime.ExitError', errorMessage, trace: [] },
    };
  }

  /** Runs one invocation. Never throws for function failures: they are outcomes. */
  async invoke(requestId: string, payload: string): Promise<InvocationOutcome> {
    if (this.busy || this.retired) throw new Error('execution environment is not available');
    this.busy = true;
    const timeoutMs = this.revision.timeout * 1000;
    const lines = this.strayLines.splice(0);
    const marker = `${END_MARKER_PREFIX}${this.markerNonce}:${requestId}>>`;
    const started = performance.now();
    try {
      return await new Promise<InvocationOutcome>((resolve) => {
        let result: Extract<FromRuntime, { type: 'result' }> | null = null;
        let markersDone = false;
        const finish = (outcome: InvocationOutcome) => {
          clearTimeout(timer);
          stopWatchingExit();
          this.child.off('message', onMessage);
          this.collecting = null;
          resolve(outcome);
        };
        const complete = () => {
          if (!result || !markersDone) return;
          this.lastMaxRssKb = Math.max(this.lastMaxRssKb, result.maxRssKb);
          let errorType: string | null = null;
          if (!result.ok) errorType = safeErrorType(result.body);
          finish({
            kind: result.ok ? 'ok' : 'handlerError',
            body: result.body,
            errorType,
            logLines: lines,
            durationMs: result.durationMs,
            maxMemoryUsedMB: this.maxMemoryUsedMB(),
          });
          if (result.fatal) void this.retire();
        };
        const onMessage = (message: FromRuntime) => {
          if (message.type === 'result' && message.requestId === requestId) {
            result = message;
            complete();
          }
        };
        this.collecting = { lines, markersSeen: new Set(), marker, onMarkers: () => ((markersDone = true), complete()) };
        this.child.on('message', onMessage);
        const timer = setTimeout(() => {
          const maxMemoryUsedMB = this.maxMemoryUsedMB();
          const seconds = (timeoutMs / 1000).toFixed(2);
          lines.push(`${new Date().toISOString()} ${requestId} Task timed out after ${seconds} seconds`);
          void this.retire();
          finish({
            kind: 'timeout',
            body: JSON.stringify({ errorType: 'Sandbox.Timedout', errorMessage: `RequestId: ${requestId} Error: Task timed out after ${seconds} seconds` }),
            errorType: 'Sandbox.Timedout',
            logLines: lines,
            durationMs: performance.now() - started,
            maxMemoryUsedMB,
          });
        }, timeoutMs);
        const stopWatchingExit = this.onExit(() => {
          if (this.collecting?.marker !== marker) return;
          const exit = this.exitText();
          lines.push(`RequestId: ${requestId} Error: Runtime exited with error: ${exit}`, 'Runtime.ExitError');
          finish({
            kind: 'crash',
            body: JSON.stringify({ errorType: 'Runtime.ExitError', errorMessage: `RequestId: ${requestId} Error: Runtime exited with error: ${exit}` }),
            errorType: 'Runtime.ExitError',
            logLines: lines,
            durationMs: performance.now() - started,
            maxMemoryUsedMB: this.maxMemoryUsedMB(),
          });
        });
        this.send({ type: 'invoke', requestId, payload, deadlineEpochMs: Date.now() + timeoutMs, functionArn: this.revision.functionArn });
      });
    } finally {
      this.busy = false;
    }
  }

  /** Kills the whole process group and waits for it to be gone. */
  async retire(): Promise<void> {
    this.retired = true;
    if (this.exitInfo) return;
    const exited = new Promise<void>((resolve) => this.onExit(resolve));
    this.killGroup();
    await exited;
  }

  private killGroup(): void {
    try {
      if (this.child.pid) process.kill(-this.child.pid, 'SIGKILL');
    } catch {
      if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGKILL');
    }
  }

  /** Peak resident memory of the process so far (Linux: VmHWM; elsewhere what the child reported). */
  private maxMemoryUsedMB(): number {
    let kb = this.lastMaxRssKb;
    try {
      const status = readFileSync(`/proc/${this.child.pid}/status`, 'utf8');
      const match = /^VmHWM:\s+(\d+)\s+kB/m.exec(status);
      if (match) kb = Math.max(kb, Number(match[1]));
    } catch {
      // not Linux, or already gone
    }
    this.lastMaxRssKb = kb;
    return Math.round(kb / 1024);
  }

  private exitText(): string {
    if (!this.exitInfo) return 'unknown';
    return this.exitInfo.signal ? `signal: ${signalName(this.exitInfo.signal)}` : `exit status ${this.exitInfo.code}`;
  }

  /** Calls back once the process is gone; returns a function that cancels the call-back. */
  private onExit(callback: () => void): () => void {
    if (this.exitInfo) {
      callback();
      return () => {};
    }
    this.exitWaiters.push(callback);
    return () => {
      const index = this.exitWaiters.indexOf(callback);
      if (index >= 0) this.exitWaiters.splice(index, 1);
    };
  }

  private send(message: ToRuntime): void {
    if (this.child.connected) this.child.send(message);
  }

  private onOutput(stream: 'stdout' | 'stderr', text: string): void {
    const pieces = (this.partial[stream] + text).split('\n');
    this.partial[stream] = pieces.pop()!;
    for (const line of pieces) this.onLine(stream, line);
  }

  private onLine(stream: 'stdout' | 'stderr', line: string): void {
    const collecting = this.collecting;
    if (collecting && line.endsWith(collecting.marker)) {
      const before = line.slice(0, -collecting.marker.length);
      if (before) collecting.lines.push(before);
      collecting.markersSeen.add(stream);
      if (collecting.markersSeen.size === 2) collecting.onMarkers();
      return;
    }
    if (line.includes(END_MARKER_PREFIX)) return; // a marker of an invocation that timed out
    if (collecting && collecting.markersSeen.has(stream)) pushCapped(this.strayLines, line);
    else pushCapped(collecting ? collecting.lines : this.strayLines, line);
  }

  private flushPartials(): void {
    for (const stream of ['stdout', 'stderr'] as const) {
      if (this.partial[stream]) this.onLine(stream, this.partial[stream]);
      this.partial[stream] = '';
    }
  }
}

/** The variables Lambda's Node.js runtime sees, plus the function's own. Nothing of the endpoint's. */
export function lambdaEnvironment(
  revision: FunctionRevision,
  region: string,
  bootstrapPath: string,
  platformVariables: Record<string, string>,
): Record<string, string> {
  const day = new Date().toISOString().slice(0, 10).replace(/-/g, '/');
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin',
    LANG: 'en_US.UTF-8',
    TZ: 'UTC',
    ...revision.environment,
    AWS_LAMBDA_FUNCTION_NAME: revision.functionName,
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(revision.memorySize),
    AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
    AWS_LAMBDA_LOG_GROUP_NAME: `/aws/lambda/${revision.functionName}`,
    AWS_LAMBDA_LOG_STREAM_NAME: `${day}/[$LATEST]${randomBytes(16).toString('hex')}`,
    AWS_LAMBDA_INITIALIZATION_TYPE: 'on-demand',
    AWS_REGION: region,
    AWS_DEFAULT_REGION: region,
    AWS_EXECUTION_ENV: `AWS_Lambda_${revision.runtime}`,
    LAMBDA_TASK_ROOT: revision.codeDir,
    LAMBDA_RUNTIME_DIR: bootstrapPath.replace(/[\\/][^\\/]*$/, ''),
    _HANDLER: revision.handler,
    ...platformVariables,
  };
  // Inside VS Code's extension host process.execPath is Electron; this makes it behave as Node.
  if (process.versions.electron) env.ELECTRON_RUN_AS_NODE = '1';
  return env;
}

/** Only the log's tail is ever returned (4 KB), so a chatty function must not grow memory without bound. */
const MAX_KEPT_LINES = 2000;
function pushCapped(lines: string[], line: string): void {
  lines.push(line.length > 8192 ? `${line.slice(0, 4096)}…${line.slice(-4096)}` : line);
  if (lines.length > MAX_KEPT_LINES) lines.splice(0, lines.length - MAX_KEPT_LINES / 2);
}

function safeErrorType(body: string): string {
  try {
    const parsed = JSON.parse(body) as { errorType?: unknown };
    return typeof parsed.errorType === 'string' ? parsed.errorType : 'Error';
  } catch {
    return 'Error';
  }
}

function signalName(signal: NodeJS.Signals): string {
  return signal === 'SIGKILL' ? 'killed' : signal.replace(/^SIG/, '').toLowerCase();
}
