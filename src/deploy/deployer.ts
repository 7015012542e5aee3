// Deploys an experiment: one Lambda function per (memory, architecture), named and tagged from
// the experiment id, created or updated in parallel with a bounded concurrency. Updates of one
// function run in sequence (Lambda refuses a second update while one is in progress) and every
// change is waited to Active / Successful with the SDK waiters. Idempotent: unchanged code
// (same CodeSha256) and unchanged configuration are not sent again.
import { isNotFoundError } from '../aws/sdkErrors';
import {
  CreateFunctionCommand,
  GetFunctionCommand,
  ListTagsCommand,
  TagResourceCommand,
  UpdateFunctionCodeCommand,
  UpdateFunctionConfigurationCommand,
  paginateListFunctions,
  waitUntilFunctionActiveV2,
  waitUntilFunctionUpdatedV2,
  type FunctionConfiguration,
  type LambdaClient,
  type Runtime,
} from '@aws-sdk/client-lambda';
import type { Architecture } from '../core/experimentConfig';
import { FUNCTION_NAME_PREFIX, functionNameFor, functionTags, identifyExperimentFunction, type ExperimentFunctionIdentity } from '../core/experimentNaming';
import { retryWhileRolePropagates, type PropagationRetryOptions } from '../aws/executionRole';

export interface FunctionPackage {
  zip: Uint8Array;
  /** base64 SHA-256 of the zip, as Lambda reports CodeSha256. */
  codeSha256: string;
  sizeBytes: number;
}

export type DeployAction = 'created' | 'updated-code' | 'updated-config' | 'updated-code-and-config' | 'unchanged';

export interface DeployedFunction extends ExperimentFunctionIdentity {
  action: DeployAction;
  functionArn?: string;
}

export interface DeployFailure extends ExperimentFunctionIdentity {
  message: string;
  error: unknown;
}

export interface DeployResult {
  functions: DeployedFunction[];
  failures: DeployFailure[];
  /** Not started because the deploy was cancelled (functions already under way were finished). */
  skipped: ExperimentFunctionIdentity[];
}

export type DeployPhase = 'checking' | 'creating' | 'updating-code' | 'updating-config' | 'waiting' | 'done' | 'failed';

export interface DeployProgress extends ExperimentFunctionIdentity {
  phase: DeployPhase;
  /** For 'done' and 'failed'. */
  detail?: string;
  /** Functions finished (done or failed) so far, and in all. */
  finished: number;
  total: number;
}

export interface DeployOptions {
  client: LambdaClient;
  experimentId: string;
  memorySizesMB: number[];
  architectures: Architecture[];
  /** Execution role ARN (any well-formed ARN for the built-in endpoint). */
  role: string;
  package: FunctionPackage;
  runtime?: string;
  handler?: string;
  timeoutSeconds?: number;
  /** Functions deployed at the same time. */
  concurrency?: number;
  onProgress?: (event: DeployProgress) => void;
  /** Longest wait for one function to become Active / Successful. */
  maxWaitSeconds?: number;
  rolePropagation?: PropagationRetryOptions;
  /** Cancels the deploy: no further function is started; those under way finish, so none is left half-updated. */
  signal?: AbortSignal;
}

export const DEFAULT_RUNTIME = 'nodejs22.x';
export const DEFAULT_HANDLER = 'index.handler';
/** Long enough for a large sweep point at low memory (e.g. 100 items at cost 12 on 128 MB). */
export const DEFAULT_TIMEOUT_SECONDS = 300;
export const DEFAULT_DEPLOY_CONCURRENCY = 4;

interface DesiredConfiguration {
  MemorySize: number;
  Runtime: string;
  Role: string;
  Handler: string;
  Timeout: number;
}

function configurationDiffers(current: FunctionConfiguration, desired: DesiredConfiguration): boolean {
  return (
    current.MemorySize !== desired.MemorySize ||
    current.Runtime !== desired.Runtime ||
    current.Role !== desired.Role ||
    current.Handler !== desired.Handler ||
    current.Timeout !== desired.Timeout
  );
}

function isConflict(error: unknown): boolean {
  return (error as { name?: string })?.name === 'ResourceConflictException';
}

/**
 * Runs `work` over `items` with at most `limit` at a time; results keep the input order. Once
 * `signal` is aborted no further item starts, and the items never started are undefined.
 */
export async function mapWithConcurrency<T, R>(
  items: readonly T[],
  limit: number,
  work: (item: T) => Promise<R>,
  signal?: AbortSignal,
): Promise<Array<R | undefined>> {
  const results = new Array<R | undefined>(items.length).fill(undefined);
  let next = 0;
  const lanes = Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, async () => {
    while (next < items.length && !signal?.aborted) {
      const index = next++;
      results[index] = await work(items[index]);
    }
  });
  await Promise.all(lanes);
  return results;
}

export async function deployExperiment(options: DeployOptions): Promise<DeployResult> {
  const { client, experimentId } = options;
  const runtime = options.runtime ?? DEFAULT_RUNTIME;
  const handler = options.handler ?? DEFAULT_HANDLER;
  const timeout = options.timeoutSeconds ?? DEFAULT_TIMEOUT_SECONDS;
  const maxWaitTime = options.maxWaitSeconds ?? 300;
  const targets: ExperimentFunctionIdentity[] = [];
  for (const arch of [...new Set(options.architectures)]) {
    for (const memoryMB of [...new Set(options.memorySizesMB)].sort((a, b) => a - b)) {
      targets.push({ functionName: functionNameFor(experimentId, memoryMB, arch), memoryMB, arch });
    }
  }

  let finished = 0;
  const report = (identity: ExperimentFunctionIdentity, phase: DeployPhase, detail?: string) => {
    if (phase === 'done' || phase === 'failed') finished++;
    options.onProgress?.({ ...identity, phase, detail, finished, total: targets.length });
  };

  const waitActive = async (functionName: string) => {
    try {
      await waitUntilFunctionActiveV2({ client, maxWaitTime }, { FunctionName: functionName });
    } catch (error) {
      throw await waiterFailure(client, functionName, 'become Active', error);
    }
  };
  const waitUpdated = async (functionName: string) => {
    try {
      await waitUntilFunctionUpdatedV2({ client, maxWaitTime }, { FunctionName: functionName });
    } catch (error) {
      throw await waiterFailure(client, functionName, 'finish its update', error);
    }
  };

  const deployOne = async (identity: ExperimentFunctionIdentity): Promise<DeployedFunction> => {
    const { functionName, memoryMB, arch } = identity;
    const desired: DesiredConfiguration = { MemorySize: memoryMB, Runtime: runtime, Role: options.role, Handler: handler, Timeout: timeout };
    const tags = functionTags(experimentId, memoryMB, arch);
    report(identity, 'checking');

    let existing = await getFunctionOrNull(client, functionName);
    if (!existing) {
      report(identity, 'creating');
      try {
        const created = await retryWhileRolePropagates(
          () =>
            client.send(
              new CreateFunctionCommand({
                FunctionName: functionName,
                Runtime: runtime as Runtime,
                Role: options.role,
                Handler: handler,
                Code: { ZipFile: options.package.zip },
                MemorySize: memoryMB,
                Timeout: timeout,
                Architectures: [arch],
                Description: `Lambda Parallel Lab experiment ${experimentId}: ${memoryMB} MB, ${arch}`,
                Tags: tags,
              }),
            ),
          options.rolePropagation,
        );
        report(identity, 'waiting');
        await waitActive(functionName);
        return { ...identity, action: 'created', functionArn: created.FunctionArn };
      } catch (error) {
        // Someone (another deploy) created it between our check and our create: update it instead.
        if (!isConflict(error)) throw error;
        existing = await getFunctionOrNull(client, functionName);
        if (!existing) throw error;
      }
    }

    let configuration = existing.configuration;
    const currentTags = existing.tags ?? (await listTags(client, configuration.FunctionArn ?? functionName));
    if (!identifyExperimentFunction(functionName, currentTags, experimentId)) {
      throw new Error(
        `A function named ${functionName} already exists but is not tagged as part of experiment "${experimentId}"; it was left untouched. Delete or rename it, or use another experiment id.`,
      );
    }
    // A previous deploy may have been interrupted mid-change: let it settle before comparing.
    if (configuration.State === 'Pending' || configuration.LastUpdateStatus === 'InProgress') {
      report(identity, 'waiting');
      if (configuration.State === 'Pending') await waitActive(functionName);
      else await waitUpdated(functionName);
      configuration = (await getFunctionOrNull(client, functionName))?.configuration ?? configuration;
    }

    const codeChanged = configuration.CodeSha256 !== options.package.codeSha256 || (configuration.Architectures?.[0] ?? 'x86_64') !== arch;
    const configChanged = configurationDiffers(configuration, desired);
    if (codeChanged) {
      report(identity, 'updating-code');
      await client.send(new UpdateFunctionCodeCommand({ FunctionName: functionName, ZipFile: options.package.zip, Architectures: [arch] }));
      report(identity, 'waiting');
      await waitUpdated(functionName);
    }
    if (configChanged) {
      report(identity, 'updating-config');
      await client.send(new UpdateFunctionConfigurationCommand({ FunctionName: functionName, ...desired, Runtime: runtime as Runtime }));
      report(identity, 'waiting');
      await waitUpdated(functionName);
    }
    const missingTags = Object.entries(tags).filter(([key, value]) => currentTags?.[key] !== value);
    if (missingTags.length > 0 && configuration.FunctionArn) {
      await client.send(new TagResourceCommand({ Resource: configuration.FunctionArn, Tags: Object.fromEntries(missingTags) }));
    }
    const action: DeployAction =
      codeChanged && configChanged ? 'updated-code-and-config' : codeChanged ? 'updated-code' : configChanged ? 'updated-config' : 'unchanged';
    return { ...identity, action, functionArn: configuration.FunctionArn };
  };

  const outcomes = await mapWithConcurrency(
    targets,
    options.concurrency ?? DEFAULT_DEPLOY_CONCURRENCY,
    async (identity) => {
      try {
        const deployed = await deployOne(identity);
        report(identity, 'done', deployed.action);
        return { deployed };
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        report(identity, 'failed', message);
        return { failure: { ...identity, message, error } satisfies DeployFailure };
      }
    },
    options.signal,
  );
  return {
    functions: outcomes.flatMap((o) => (o && 'deployed' in o && o.deployed ? [o.deployed] : [])),
    failures: outcomes.flatMap((o) => (o && 'failure' in o && o.failure ? [o.failure] : [])),
    skipped: targets.filter((_, i) => outcomes[i] === undefined),
  };
}

async function getFunctionOrNull(
  client: LambdaClient,
  functionName: string,
): Promise<{ configuration: FunctionConfiguration; tags?: Record<string, string> } | null> {
  try {
    const response = await client.send(new GetFunctionCommand({ FunctionName: functionName }));
    return { configuration: response.Configuration ?? {}, tags: response.Tags };
  } catch (error) {
    if (isNotFoundError(error)) return null;
    throw error;
  }
}

async function listTags(client: LambdaClient, resource: string): Promise<Record<string, string>> {
  return (await client.send(new ListTagsCommand({ Resource: resource }))).Tags ?? {};
}

/** Replaces a waiter's generic "failed/timed out" with the function's own state reason. */
async function waiterFailure(client: LambdaClient, functionName: string, what: string, error: unknown): Promise<Error> {
  let reason = error instanceof Error ? error.message : String(error);
  try {
    const configuration = (await getFunctionOrNull(client, functionName))?.configuration;
    if (configuration) {
      const stateReason = configuration.LastUpdateStatusReason ?? configuration.StateReason;
      reason = `state ${configuration.State ?? '?'}, last update ${configuration.LastUpdateStatus ?? '?'}${stateReason ? `: ${stateReason}` : ''}`;
    }
  } catch {
    // Keep the waiter's message.
  }
  return new Error(`Function ${functionName} did not ${what} (${reason}).`, { cause: error });
}

/**
 * The experiment's functions, found by tag: every function whose name starts with
 * `llab-<experiment>-` (so an account's other functions are not asked for their tags) and whose
 * tags name this experiment. Sorted by architecture, then memory.
 */
export async function listExperimentFunctions(client: LambdaClient, experimentId: string): Promise<ExperimentFunctionIdentity[]> {
  const prefix = `${FUNCTION_NAME_PREFIX}-${experimentId}-`;
  const candidates: FunctionConfiguration[] = [];
  for await (const page of paginateListFunctions({ client }, {})) {
    for (const fn of page.Functions ?? []) if (fn.FunctionName?.startsWith(prefix)) candidates.push(fn);
  }
  const identities = await mapWithConcurrency(candidates, 4, async (fn) =>
    identifyExperimentFunction(fn.FunctionName!, await listTags(client, fn.FunctionArn ?? fn.FunctionName!), experimentId),
  );
  const found = identities.filter((identity): identity is ExperimentFunctionIdentity => identity !== null);
  return found.sort((a, b) => a.arch.localeCompare(b.arch) || a.memoryMB - b.memoryMB);
}
