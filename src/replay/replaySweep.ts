// Sweeps against the study replay: starts the replay endpoint, resolves it as a target the SDK
// talks to, deploys the asked-for sizes (refusing sizes the study did not measure, naming those it
// did), runs either a fixed design (the ordinary sweep session) or a sweep that chooses its memory
// sizes, then deletes the functions and stops the endpoint on every exit path.
import type { LambdaClient } from '@aws-sdk/client-lambda';
import { BUILT_IN_ENDPOINT_ROLE_ARN } from '../aws/executionRole';
import { createLambdaClient, resolveTarget, type ResolvedTarget } from '../aws/lambdaTarget';
import type { Architecture } from '../core/experimentConfig';
import type { InvocationRecord } from '../core/invocationRecord';
import { UnknownReplayConfigurationError } from '../core/studyReplay';
import type { SweepFunction } from '../core/sweepPlan';
import { cleanupExperiment } from '../deploy/cleanup';
import { deployExperiment } from '../deploy/deployer';
import { SDK_MAX_ATTEMPTS } from '../sweep/sweepEngine';
import { describeTargetForRun, type TargetDescription } from '../sweep/sweepSession';
import { replayPackage, startReplayEndpoint, type ReplayEndpointHandle } from './replayEndpoint';

export interface ReplaySession {
  handle: ReplayEndpointHandle;
  resolved: ResolvedTarget;
  client: LambdaClient;
  target: TargetDescription;
  /** Deploys these sizes of one architecture; sizes the study did not measure are refused first. */
  deploy(experimentId: string, arch: Architecture, memorySizesMB: number[]): Promise<SweepFunction[]>;
  cleanup(experimentId: string): Promise<void>;
}

/** Runs `work` against a fresh replay endpoint; the endpoint is stopped afterwards, whatever happens. */
export async function withReplayTarget<T>(
  options: { records: readonly InvocationRecord[]; seed: number; log?: (line: string) => void },
  work: (session: ReplaySession) => Promise<T>,
): Promise<T> {
  const handle = await startReplayEndpoint(options);
  let client: LambdaClient | null = null;
  try {
    const resolved = await resolveTarget({ kind: 'endpoint', url: handle.endpoint, region: handle.region }, { localEndpoint: handle });
    client = createLambdaClient(resolved, { maxAttempts: SDK_MAX_ATTEMPTS });
    const lambda = client;
    const session: ReplaySession = {
      handle,
      resolved,
      client: lambda,
      target: describeTargetForRun(resolved),
      deploy: async (experimentId, arch, memorySizesMB) => {
        for (const memoryMB of memorySizesMB) handle.replay.checkFunction(arch, memoryMB);
        const result = await deployExperiment({
          client: lambda,
          experimentId,
          memorySizesMB,
          architectures: [arch],
          role: BUILT_IN_ENDPOINT_ROLE_ARN,
          package: replayPackage(),
          concurrency: 8,
        });
        if (result.failures.length > 0)
          throw new Error(`Deploying to the replay failed: ${result.failures.map((f) => `${f.functionName}: ${f.message}`).join('; ')}`);
        return result.functions.map((f) => ({ functionName: f.functionName, arch: f.arch, memoryMB: f.memoryMB }));
      },
      cleanup: async (experimentId) => {
        const result = await cleanupExperiment({ client: lambda, experimentId });
        if (result.failures.length > 0) options.log?.(`Warning: cleaning up the replay failed for ${result.failures.map((f) => f.functionName).join(', ')}`);
      },
    };
    return await work(session);
  } finally {
    client?.destroy();
    await handle.stop();
  }
}

export { UnknownReplayConfigurationError };
