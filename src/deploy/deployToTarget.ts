// Package the function folder, settle the execution role and deploy every function: the steps
// `lambda-lab deploy` and the Deploy Experiment command share once their choices are made.
import { createIamClient, createLambdaClient, type ResolvedTarget } from '../aws/lambdaTarget';
import { resolveExecutionRole, type ExecutionRole, type RoleChoice } from '../aws/executionRole';
import type { Architecture } from '../core/experimentConfig';
import { deployExperiment, type DeployOptions, type DeployResult } from './deployer';
import { packageFunction, type FunctionPackage } from './packager';

export interface DeployToTargetInput {
  target: ResolvedTarget;
  experimentId: string;
  templateDir: string;
  memorySizesMB: number[];
  architectures: Architecture[];
  runtime: string;
  concurrency: number;
  roleChoice: RoleChoice;
  log: (line: string) => void;
  /** Called as each step starts (for a progress display): packaging, role, functions. */
  onStep?: (step: string) => void;
  onProgress?: DeployOptions['onProgress'];
  /** Cancels between steps and before each function; work under way is finished, not torn. */
  signal?: AbortSignal;
}

export interface DeployToTargetResult {
  pkg: FunctionPackage;
  role: ExecutionRole;
  result: DeployResult;
}

export async function deployToTarget(input: DeployToTargetInput): Promise<DeployToTargetResult> {
  const { target, experimentId, templateDir, log } = input;
  input.onStep?.('packaging the function…');
  const pkg = await packageFunction(templateDir);
  throwIfCancelled(input.signal);
  log(`Template: ${templateDir} (zip ${(pkg.sizeBytes / 1024).toFixed(1)} KB, CodeSha256 ${pkg.codeSha256})`);
  input.onStep?.('execution role…');
  const role = await resolveExecutionRole(input.roleChoice, { builtInEndpoint: target.builtInEndpoint, experimentId, iam: () => createIamClient(target), log });
  log(`Role: ${role.roleArn}${role.created ? ' (created now)' : ''}`);
  throwIfCancelled(input.signal);
  input.onStep?.('functions…');
  const client = createLambdaClient(target);
  try {
    const result = await deployExperiment({
      client,
      experimentId,
      memorySizesMB: input.memorySizesMB,
      architectures: input.architectures,
      runtime: input.runtime,
      role: role.roleArn,
      package: pkg,
      concurrency: input.concurrency,
      onProgress: input.onProgress,
      signal: input.signal,
    });
    return { pkg, role, result };
  } finally {
    client.destroy();
  }
}

/** Thrown when a deploy is cancelled before any function was touched. */
export class DeployCancelledError extends Error {
  constructor() {
    super('Deploy cancelled before any function was deployed.');
    this.name = 'DeployCancelledError';
  }
}

function throwIfCancelled(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new DeployCancelledError();
}
