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
  log(`Template: ${templateDir} (zip ${(pkg.sizeBytes / 1024).toFixed(1)} KB, CodeSha256 ${pkg.codeSha256})`);
  input.onStep?.('execution role…');
  const role = await resolveExecutionRole(input.roleChoice, { builtInEndpoint: target.builtInEndpoint, experimentId, iam: () => createIamClient(target), log });
  log(`Role: ${role.roleArn}${role.created ? ' (created now)' : ''}`);
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
    });
    return { pkg, role, result };
  } finally {
    client.destroy();
  }
}
