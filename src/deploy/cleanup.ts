// Deletes what an experiment deployed: every function tagged with its id and, when asked, the
// execution role — only if Lambda Parallel Lab created it (its tags say so).
import { isNotFoundError } from '../aws/sdkErrors';
import { DeleteFunctionCommand, type LambdaClient } from '@aws-sdk/client-lambda';
import type { IAMClient } from '@aws-sdk/client-iam';
import { deleteExperimentRole, type RoleDeletion } from '../aws/executionRole';
import { listExperimentFunctions, mapWithConcurrency } from './deployer';

export interface CleanupOptions {
  client: LambdaClient;
  experimentId: string;
  /** Needed only with deleteRole. */
  iam?: IAMClient;
  deleteRole?: boolean;
  onDeleted?: (functionName: string) => void;
  /** Cancels: no further delete starts (those under way finish) and the role is kept. */
  signal?: AbortSignal;
}

export interface CleanupResult {
  deletedFunctions: string[];
  failures: Array<{ functionName: string; message: string }>;
  /** Not deleted because the clean-up was cancelled. */
  skipped: string[];
  role: RoleDeletion | null;
}

export async function cleanupExperiment(options: CleanupOptions): Promise<CleanupResult> {
  const functions = await listExperimentFunctions(options.client, options.experimentId);
  const deletedFunctions: string[] = [];
  const failures: CleanupResult['failures'] = [];
  const skipped: string[] = [];
  const outcomes = await mapWithConcurrency(
    functions,
    4,
    async (fn) => {
      try {
        await options.client.send(new DeleteFunctionCommand({ FunctionName: fn.functionName }));
        options.onDeleted?.(fn.functionName);
        return 'deleted' as const;
      } catch (error) {
        if (isNotFoundError(error)) return 'gone' as const; // deleted meanwhile
        return { message: error instanceof Error ? error.message : String(error) };
      }
    },
    options.signal,
  );
  // Reported in the listing's order (architecture, then memory), whatever order the deletes finished in.
  functions.forEach((fn, i) => {
    const outcome = outcomes[i];
    if (outcome === undefined) skipped.push(fn.functionName);
    else if (outcome === 'deleted') deletedFunctions.push(fn.functionName);
    else if (outcome !== 'gone') failures.push({ functionName: fn.functionName, message: outcome.message });
  });
  let role: RoleDeletion | null = null;
  if (options.deleteRole && !options.signal?.aborted) {
    if (!options.iam) throw new Error('Deleting the role needs an IAM client; the built-in local endpoint has no roles.');
    role = await deleteExperimentRole(options.iam, options.experimentId);
  }
  return { deletedFunctions, failures, skipped, role };
}
