// Sets up a sweep of a user's own function, for the CLI and VS Code alike: reads the original
// (GetFunction), downloads its code, creates the tagged copies and opens the run folder. After the
// sweep, checkOriginalUnchanged reads the original again.
import { GetFunctionCommand, type LambdaClient } from '@aws-sdk/client-lambda';
import { planCopies, summarizePayload, type PlannedCopy, type SweepPayload, type ThreadDimension } from '../core/ownFunction';
import type { InvocationAdapter } from '../sweep/sweepEngine';
import { prepareNewSweep, type PreparedSweep, type TargetDescription } from '../sweep/sweepSession';
import { isNotFoundError } from '../aws/sdkErrors';
import type { OwnFunctionRun } from '../core/runFiles';
import { configurationFingerprint, CopyRefusedError, createCopies, describeOriginal, downloadCode, type OriginalFunction } from './copyFunction';
import { payloadsForResume } from './ownFunctionPayloads';
import { OWN_FUNCTION_TIMING, ownFunctionAdapter } from './ownFunctionAdapter';

export interface OwnSweepRequest {
  functionRef: string;
  memorySizesMB: number[];
  /** Read and checked (loadPayloads); only their summaries are written to the run folder. */
  payloads: SweepPayload[];
  threadCounts: number[];
  dimension: ThreadDimension;
  repetitions: number;
  experimentId: string;
  copyVpc: boolean;
  runsDir: string;
  concurrency: number;
  maxCostUsd: number | null;
  seed?: number;
}

export interface PreparedOwnSweep {
  prepared: PreparedSweep;
  original: OriginalFunction;
  /** The original's configuration fingerprint before anything was done. */
  before: string;
  adapter: InvocationAdapter;
  copies: PlannedCopy[];
}

export async function prepareOwnFunctionSweep(
  client: LambdaClient,
  request: OwnSweepRequest,
  target: TargetDescription,
  log: (line: string) => void,
): Promise<PreparedOwnSweep> {
  const original = await describeOriginal(client, request.functionRef, { copyVpc: request.copyVpc });
  const before = configurationFingerprint(original.configuration);
  const zip = await downloadCode(original);
  const c = original.configuration;
  log(
    `Original: ${original.functionName} (${c.Runtime}, ${c.Handler}, ${original.arch}, ${c.MemorySize} MB, CodeSha256 ${c.CodeSha256}); code downloaded, ${zip.length} bytes. It is not changed or invoked.`,
  );
  const copies = planCopies({
    experimentId: request.experimentId,
    memorySizesMB: request.memorySizesMB,
    arch: original.arch,
    threadCounts: request.threadCounts,
    dimension: request.dimension,
  });
  await createCopies({
    client,
    experimentId: request.experimentId,
    original,
    zip,
    copies,
    dimension: request.dimension,
    copyVpc: request.copyVpc,
    onCopied: (copy, action) => log(`  ${action === 'created' ? 'created' : 'reused '} ${copy.functionName}`),
  });
  const prepared = await prepareNewSweep(
    client,
    {
      experimentId: request.experimentId,
      threadCounts: request.threadCounts,
      strategies: ['pool'],
      repetitions: request.repetitions,
      items: 0,
      cost: 0,
      concurrency: request.concurrency,
      runsDir: request.runsDir,
      maxCostUsd: request.maxCostUsd,
      adaptive: null,
      seed: request.seed,
      functions: copies.map((copy) => ({
        functionName: copy.functionName,
        arch: copy.arch,
        memoryMB: copy.memoryMB,
        ...(copy.threads !== undefined ? { threads: copy.threads } : {}),
      })),
      ownFunction: {
        original: { functionName: original.functionName, functionArn: original.functionArn, codeSha256: c.CodeSha256 ?? null },
        payloads: request.payloads.map(summarizePayload),
        threads: request.dimension,
        timing: OWN_FUNCTION_TIMING,
      },
    },
    target,
  );
  return { prepared, original, before, adapter: ownFunctionAdapter(request.payloads, request.dimension), copies };
}

/** GetFunction on the original again: one line saying it is unchanged, or what changed. */
export async function checkOriginalUnchanged(client: LambdaClient, functionName: string, before: string): Promise<{ unchanged: boolean; line: string }> {
  try {
    const after = await client.send(new GetFunctionCommand({ FunctionName: functionName }));
    const now = configurationFingerprint(after.Configuration ?? {});
    return now === before
      ? {
          unchanged: true,
          line: `Original ${functionName}: unchanged (CodeSha256 ${after.Configuration?.CodeSha256}, RevisionId ${after.Configuration?.RevisionId ?? '-'}, same configuration).`,
        }
      : {
          unchanged: false,
          line: `Warning: ${functionName} changed during the sweep (not by Lambda Parallel Lab, which never updates it): before ${before}, now ${now}.`,
        };
  } catch (error) {
    return {
      unchanged: false,
      line: `Warning: could not read ${functionName} again to check it is unchanged: ${error instanceof Error ? error.message : String(error)}`,
    };
  }
}

/**
 * Before resuming a sweep of your own function: the original must still have the code it had when
 * the run started (the copies hold that code; the copies' own code and memory are checked by
 * checkPlanFunctionsUnchanged), and the payloads must be the recorded ones (payloadsForResume).
 * Returns the adapter the resumed sweep invokes with.
 */
export async function prepareOwnFunctionResume(
  client: LambdaClient,
  run: OwnFunctionRun,
  experimentId: string,
  given: readonly SweepPayload[],
  workspaceDir: string,
): Promise<InvocationAdapter> {
  const { payloads, threads, nameRecords } = payloadsForResume(run, given, workspaceDir);
  const name = run.original.functionName;
  let current: string | undefined;
  try {
    const got = await client.send(new GetFunctionCommand({ FunctionName: run.original.functionArn ?? name }));
    current = got.Configuration?.CodeSha256;
  } catch (error) {
    if (isNotFoundError(error))
      throw new CopyRefusedError(
        `Cannot resume this sweep of ${name}: ${name} does not exist on this target any more, so its code cannot be checked against the copies'. Start a new sweep.`,
      );
    throw error;
  }
  if (run.original.codeSha256 !== null && current !== run.original.codeSha256) {
    throw new CopyRefusedError(
      `Cannot resume this sweep of ${name}: its code changed since the run started (CodeSha256 was ${run.original.codeSha256}, now ${current ?? 'unknown'}); the copies hold the old code, so new measurements would not describe ${name}. ` +
        `Delete the copies (lambda-lab cleanup --experiment ${experimentId}) and start a new sweep.`,
    );
  }
  return ownFunctionAdapter(payloads, threads, nameRecords);
}
