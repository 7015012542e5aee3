// Sets a sweep up (finds the experiment's functions, builds or reloads the plan, creates or opens
// the run folder) and runs it. One path for the CLI, `lambda-lab demo` and the VS Code command.
import { isNotFoundError } from '../aws/sdkErrors';
import { GetFunctionConfigurationCommand, type LambdaClient } from '@aws-sdk/client-lambda';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Strategy } from '../core/experimentConfig';
import { RUN_FORMAT_VERSION, newRunId, type FunctionSnapshot, type OwnFunctionRun, type RunMetadata, type RunTarget } from '../core/runFiles';
import { costTimeoutProblem, ValidationError } from '../core/experimentValidation';
import { TIMEOUT_MAX_S } from '../core/lambdaModel';
import {
  buildSweepPlan,
  MAX_PLANNED_INVOCATIONS,
  newSeed,
  planSize,
  planSizeProblem,
  roughPlanMs,
  type SweepFunction,
  type SweepPlan,
} from '../core/sweepPlan';
import type { ResolvedTarget } from '../aws/lambdaTarget';
import { listExperimentFunctions } from '../deploy/deployer';
import type { SweepSampler } from './adaptiveStops';
import { RunStore } from './runStore';
import { runSweep, type SweepEngineOptions, type SweepOutcome } from './sweepEngine';

export interface AdaptiveSettings {
  /** Stop a configuration once its 95% CI half-width is below this share of its mean. */
  targetRelativeHalfWidth: number;
  minRepetitions: number;
}

export interface NewSweepRequest {
  experimentId: string;
  threadCounts: number[];
  strategies: Strategy[];
  /** The most repetitions per configuration (with adaptive sampling, the ceiling). */
  repetitions: number;
  items: number;
  cost: number;
  concurrency: number;
  /** Folder that receives `<run-id>/`; default `<cwd>/.lambda-lab/runs`. */
  runsDir: string;
  /** Exact run folder instead of `<runsDir>/<run-id>` (must not hold a run). */
  runDir?: string;
  maxCostUsd?: number | null;
  adaptive?: AdaptiveSettings | null;
  seed?: number;
  /** Only these functions (e.g. the ones just deployed); default: every function of the experiment. */
  functions?: SweepFunction[];
  /** A sweep of a user's own function through copies of it: recorded in run.json; no bcrypt cost check applies. */
  ownFunction?: OwnFunctionRun;
}

export interface TargetDescription {
  target: RunTarget;
  region: string;
  /** 'aws' on AWS; the local endpoint's limiter; 'unknown' for other endpoints. */
  cpuLimit: string;
}

/** What run.json records about a resolved target: kind, endpoint URL, profile name — never credentials. */
export function describeTargetForRun(resolved: ResolvedTarget): TargetDescription {
  const kind = resolved.target.kind;
  return {
    target: { kind, ...(resolved.endpoint ? { endpoint: resolved.endpoint } : {}), ...(resolved.profile ? { profile: resolved.profile } : {}) },
    region: resolved.region,
    cpuLimit: kind === 'aws' ? 'aws' : (resolved.cpuLimit ?? 'unknown'),
  };
}

export interface PreparedSweep {
  store: RunStore;
  plan: SweepPlan;
  /** Warnings met while opening a resumed run (torn last line...). */
  warnings: string[];
  resumed: boolean;
}

/** The functions of an experiment that are ready to invoke, with their code hash. */
export async function findSweepFunctions(
  client: LambdaClient,
  experimentId: string,
): Promise<{ functions: SweepFunction[]; templateHash: string | null; snapshots: FunctionSnapshot[] }> {
  const identities = await listExperimentFunctions(client, experimentId);
  if (identities.length === 0) {
    throw new Error(
      `No functions of experiment "${experimentId}" were found on this target. Deploy it first (lambda-lab deploy --experiment ${experimentId} --memory ...), or check the target and region.`,
    );
  }
  const functions = identities.map((i) => ({ functionName: i.functionName, arch: i.arch, memoryMB: i.memoryMB }));
  const snapshots = await snapshotFunctions(client, functions);
  return { functions, templateHash: templateHashOf(snapshots), snapshots };
}

/** Each function's CodeSha256 and MemorySize now; refuses functions that are not Active. */
export async function snapshotFunctions(client: LambdaClient, functions: readonly SweepFunction[]): Promise<FunctionSnapshot[]> {
  const snapshots: FunctionSnapshot[] = [];
  for (const fn of functions) {
    const configuration = await client.send(new GetFunctionConfigurationCommand({ FunctionName: fn.functionName }));
    if (configuration.State && configuration.State !== 'Active') {
      throw new Error(
        `Function ${fn.functionName} is ${configuration.State}${configuration.StateReason ? ` (${configuration.StateReason})` : ''}; wait for it to become Active or redeploy.`,
      );
    }
    snapshots.push({
      functionName: fn.functionName,
      codeSha256: configuration.CodeSha256 ?? null,
      memoryMB: configuration.MemorySize ?? null,
      timeoutSeconds: configuration.Timeout ?? null,
    });
  }
  return snapshots;
}

/** One CodeSha256 if all functions agree, else the sorted distinct values joined by commas. */
function templateHashOf(snapshots: readonly FunctionSnapshot[]): string | null {
  const hashes = new Set(snapshots.map((s) => s.codeSha256).filter((h): h is string => h !== null));
  return hashes.size === 0 ? null : [...hashes].sort().join(',');
}

/**
 * Before resuming: every function of the plan must still exist with the code and memory it had
 * when the run started (run.json's functionSnapshots; for older runs its templateHash and the
 * planned memory). Anything else would mix measurements of different functions into one run.
 */
export async function checkPlanFunctionsUnchanged(client: LambdaClient, prepared: PreparedSweep): Promise<void> {
  const meta = prepared.store.meta;
  const newSweep = `start a new sweep instead (lambda-lab sweep --experiment ${meta.experimentId} ...); this run's results stay readable as they are`;
  const missing: string[] = [];
  const snapshots: FunctionSnapshot[] = [];
  for (const fn of prepared.plan.input.functions) {
    let current: { CodeSha256?: string; MemorySize?: number };
    try {
      current = await client.send(new GetFunctionConfigurationCommand({ FunctionName: fn.functionName }));
    } catch (error) {
      if (isNotFoundError(error)) {
        missing.push(fn.functionName);
        continue;
      }
      throw error;
    }
    const problem = functionChange(
      fn,
      meta.functionSnapshots?.find((s) => s.functionName === fn.functionName),
      meta.templateHash,
      current,
    );
    if (problem)
      throw new Error(
        `Cannot resume ${meta.runId}: function ${fn.functionName} changed since the run started (${problem}). Its new measurements would not be comparable; ${newSweep}.`,
      );
    snapshots.push({ functionName: fn.functionName, codeSha256: current.CodeSha256 ?? null, memoryMB: current.MemorySize ?? null });
  }
  if (missing.length > 0) {
    throw new Error(
      `Cannot resume ${meta.runId}: ${missing.join(', ')} ${missing.length === 1 ? 'does' : 'do'} not exist on this target any more (deleted, or the built-in endpoint was restarted). ` +
        `Deploy the experiment again (lambda-lab deploy --experiment ${meta.experimentId} --memory ${[...new Set(meta.plan.functions.map((f) => f.memoryMB))].join(',')}) and ${newSweep}.`,
    );
  }
  // A run from an older version recorded no snapshots: from now on, later resumes compare against these.
  if (!meta.functionSnapshots) prepared.store.updateMetadata({ functionSnapshots: snapshots });
}

/** What differs between a function now and when the run started, or null. Exported for tests. */
export function functionChange(
  planned: SweepFunction,
  recorded: FunctionSnapshot | undefined,
  templateHash: string | null,
  current: { CodeSha256?: string; MemorySize?: number },
): string | null {
  const changes: string[] = [];
  const recordedMemory = recorded?.memoryMB ?? planned.memoryMB;
  if (current.MemorySize !== undefined && current.MemorySize !== recordedMemory) changes.push(`memory was ${recordedMemory} MB, now ${current.MemorySize} MB`);
  const code = current.CodeSha256 ?? null;
  if (recorded && recorded.codeSha256 !== null) {
    if (code !== recorded.codeSha256) changes.push(`code (CodeSha256) was ${recorded.codeSha256}, now ${code ?? 'unknown'}`);
  } else if (!recorded && templateHash !== null && code !== null && !templateHash.split(',').includes(code)) {
    changes.push(`code (CodeSha256) was ${templateHash}, now ${code}`);
  }
  return changes.length > 0 ? changes.join('; ') : null;
}

export async function prepareNewSweep(client: LambdaClient, request: NewSweepRequest, target: TargetDescription): Promise<PreparedSweep> {
  const found = request.functions
    ? await snapshotFunctions(client, request.functions).then((snapshots) => ({
        functions: request.functions!,
        templateHash: templateHashOf(snapshots),
        snapshots,
      }))
    : await findSweepFunctions(client, request.experimentId);
  checkPlanCanRun(request, found.functions, found.snapshots, { costCheck: !request.ownFunction });
  const seed = request.seed ?? newSeed();
  const plan = buildSweepPlan({
    functions: found.functions,
    threadCounts: request.threadCounts,
    strategies: request.strategies,
    repetitions: request.repetitions,
    seed,
  });
  const runId = request.runDir ? path.basename(path.resolve(request.runDir)) : newRunId(request.experimentId);
  const runDir = request.runDir ?? uniqueRunDir(request.runsDir, runId);
  const now = new Date().toISOString();
  const metadata: RunMetadata = {
    formatVersion: RUN_FORMAT_VERSION,
    runId: path.basename(runDir),
    experimentId: request.experimentId,
    target: target.target,
    region: target.region,
    plan: { ...plan.input, items: request.items, cost: request.cost, concurrency: request.concurrency, plannedInvocations: planSize(plan) },
    seed,
    adaptive: request.adaptive ? { ...request.adaptive, maxRepetitions: request.repetitions } : null,
    maxCostUsd: request.maxCostUsd ?? null,
    templateHash: found.templateHash,
    functionSnapshots: found.snapshots,
    extensionVersion: productVersion(),
    cpuLimit: target.cpuLimit,
    startedAt: now,
    updatedAt: now,
    status: 'running',
    statusReason: null,
    estimatedCostUsd: null,
    costSoFarUsd: 0,
    configStops: [],
    ...(request.ownFunction ? { ownFunction: request.ownFunction } : {}),
  };
  return { store: RunStore.create(runDir, metadata), plan, warnings: [], resumed: false };
}

/**
 * Refuses, before the plan is built, a sweep that cannot run: too many invocations (sized by
 * arithmetic), or a bcrypt cost whose slowest configuration (fewest threads at the smallest memory)
 * cannot finish within the functions' timeout.
 */
export function checkPlanCanRun(
  request: Pick<NewSweepRequest, 'threadCounts' | 'strategies' | 'repetitions' | 'items' | 'cost' | 'concurrency'>,
  functions: readonly SweepFunction[],
  snapshots: readonly FunctionSnapshot[],
  options: { costCheck: boolean } = { costCheck: true },
): void {
  const memoriesMB = functions.map((f) => f.memoryMB);
  const shape = {
    functions: functions.length,
    threadCounts: new Set(request.threadCounts).size,
    strategies: new Set(request.strategies).size,
    repetitions: request.repetitions,
  };
  const sizeProblem = planSizeProblem(shape, roughPlanMs({ ...request, memoriesMB, strategies: shape.strategies }));
  if (sizeProblem)
    throw new ValidationError('reps', request.repetitions, `at most ${MAX_PLANNED_INVOCATIONS} invocations`, `The sweep cannot run: ${sizeProblem}`);
  if (!options.costCheck) return;
  const timeouts = snapshots.map((s) => s.timeoutSeconds).filter((t): t is number => typeof t === 'number' && t > 0);
  const timeoutSeconds = timeouts.length > 0 ? Math.min(...timeouts) : TIMEOUT_MAX_S;
  const costProblem = costTimeoutProblem({
    cost: request.cost,
    items: request.items,
    minThreads: Math.min(...request.threadCounts),
    minMemoryMB: Math.min(...memoriesMB),
    timeoutSeconds,
  });
  if (costProblem) throw new ValidationError('cost', request.cost, 'within the function timeout', `The sweep cannot run: ${costProblem}`);
}

/** Opens a run folder to resume it: the plan is rebuilt from run.json (same seed, same order). */
/** The run stays locked (run.lock) until executeSweep ends or the caller closes prepared.store. */
export function prepareResume(runDir: string, change: { maxCostUsd?: number | null; concurrency?: number } = {}): PreparedSweep {
  const store = RunStore.open(runDir);
  try {
    return resumeOpenedRun(store, change);
  } catch (error) {
    store.close();
    throw error;
  }
}

function resumeOpenedRun(store: RunStore, change: { maxCostUsd?: number | null; concurrency?: number }): PreparedSweep {
  const runDir = store.runDir;
  const meta = store.meta;
  if (meta.formatVersion !== RUN_FORMAT_VERSION) {
    throw new Error(
      `${runDir} was written by another version of Lambda Parallel Lab (run format ${meta.formatVersion}, this one reads ${RUN_FORMAT_VERSION}).`,
    );
  }
  const p = (meta as { plan?: Partial<RunMetadata['plan']> }).plan;
  if (
    !p ||
    !Array.isArray(p.functions) ||
    !Array.isArray(p.threadCounts) ||
    !Array.isArray(p.strategies) ||
    typeof p.repetitions !== 'number' ||
    typeof meta.seed !== 'number'
  ) {
    throw new Error(
      `${runDir}/run.json has no usable plan (its "plan" or "seed" is missing or incomplete), so the run cannot be resumed: what is left to run is unknown. ` +
        'Its invocations stay readable for analysis; start a new sweep to measure more.',
    );
  }
  const plan = buildSweepPlan({
    functions: meta.plan.functions,
    threadCounts: meta.plan.threadCounts,
    strategies: meta.plan.strategies,
    repetitions: meta.plan.repetitions,
    seed: meta.seed,
  });
  const update: Partial<RunMetadata> = {};
  if (change.maxCostUsd !== undefined) update.maxCostUsd = change.maxCostUsd;
  if (change.concurrency !== undefined) update.plan = { ...meta.plan, concurrency: change.concurrency };
  if (Object.keys(update).length > 0) store.updateMetadata(update);
  return { store, plan, warnings: [...store.warnings], resumed: true };
}

export interface ExecuteOptions extends Pick<
  SweepEngineOptions,
  'signal' | 'confirmCost' | 'onProgress' | 'progressIntervalMs' | 'onRecord' | 'log' | 'retry' | 'retryErrors' | 'invocation'
> {
  client: SweepEngineOptions['client'];
  /** Creates the adaptive sampler when the run is adaptive (src/core/analysis/adaptiveSampling.ts). */
  createSampler?: (settings: { minRepetitions: number; maxRepetitions: number; targetRelativeHalfWidth: number }) => SweepSampler;
}

/** Runs the prepared sweep; the run folder's lock is released when it ends, whatever the outcome. */
export async function executeSweep(prepared: PreparedSweep, options: ExecuteOptions): Promise<SweepOutcome> {
  try {
    return await runPreparedSweep(prepared, options);
  } finally {
    prepared.store.close();
  }
}

async function runPreparedSweep(prepared: PreparedSweep, options: ExecuteOptions): Promise<SweepOutcome> {
  const meta = prepared.store.meta;
  let sampler: SweepSampler | null = null;
  if (meta.adaptive) {
    if (!options.createSampler) throw new Error('This run uses adaptive sampling, but no sampler was provided.');
    sampler = options.createSampler(meta.adaptive);
  }
  return runSweep({
    client: options.client,
    store: prepared.store,
    plan: prepared.plan,
    items: meta.plan.items,
    cost: meta.plan.cost,
    region: meta.region,
    concurrency: meta.plan.concurrency,
    maxCostUsd: meta.maxCostUsd,
    sampler,
    signal: options.signal,
    confirmCost: options.confirmCost,
    onProgress: options.onProgress,
    progressIntervalMs: options.progressIntervalMs,
    onRecord: options.onRecord,
    log: options.log,
    retry: options.retry,
    retryErrors: options.retryErrors,
    invocation: options.invocation,
  });
}

function uniqueRunDir(runsDir: string, runId: string): string {
  let candidate = path.join(runsDir, runId);
  for (let i = 2; fs.existsSync(candidate); i++) candidate = path.join(runsDir, `${runId}-${i}`);
  return candidate;
}

let cachedVersion: string | null = null;

/** The product's version from package.json (found by walking up from this file, bundled or not). */
export function productVersion(): string {
  if (cachedVersion) return cachedVersion;
  let dir = __dirname;
  for (let i = 0; i < 6; i++) {
    const candidate = path.join(dir, 'package.json');
    try {
      const pkg = JSON.parse(fs.readFileSync(candidate, 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'lambda-parallel-lab' && pkg.version) return (cachedVersion = pkg.version);
    } catch {
      // keep walking up
    }
    dir = path.dirname(dir);
  }
  return (cachedVersion = 'unknown');
}
