// Run Sweep's "choose the memory sizes for me" option: the same loop as
// `lambda-lab sweep --refine-memory` (src/sweep/memoryRefinementLoop.ts), deploying the function
// folder at each size it adds and deleting the functions it created when it ends.
import * as vscode from 'vscode';
import { DeleteFunctionCommand, type LambdaClient } from '@aws-sdk/client-lambda';
import type { ResolvedTarget } from '../aws/lambdaTarget';
import { refineProgressMessage } from './sweepProgressWording';
import type { Architecture, Strategy } from '../core/experimentConfig';
import { parseStrategyList, parseThreadList, validateExperimentId } from '../core/experimentValidation';
import { MEMORY_MAX_MB, MEMORY_MIN_MB } from '../core/lambdaModel';
import { DEFAULT_REFINEMENT_RESOLUTION_MB } from '../core/memoryRefinement';
import { targetBills } from '../core/targetBilling';
import { hostLambdaArchitecture } from '../core/hostArchitecture';
import { DEFAULT_DEPLOY_CONCURRENCY, DEFAULT_RUNTIME } from '../deploy/deployer';
import { deployToTarget } from '../deploy/deployToTarget';
import { checkTemplateFolder, defaultTemplateFolder } from '../deploy/templateFolder';
import { createSamplerForSweep } from '../sweep/adaptiveSamplerFactory';
import { runMemoryRefinement } from '../sweep/memoryRefinementLoop';
import type { SweepOutcome } from '../sweep/sweepEngine';
import { describeTargetForRun } from '../sweep/sweepSession';

export interface RefiningSweepArgs {
  experimentId?: string;
  threads?: number[] | string;
  strategies?: Strategy[] | string;
  repetitions?: number;
  items?: number;
  cost?: number;
  concurrency?: number;
  targetCi?: number;
  seed?: number;
  maxCostUsd?: number | null;
  /** How closely to pin each knee, MB (default 256). */
  resolutionMB?: number;
  /** Function folder to deploy (default: the workspace's lambda-parallel-lab folder, else the shipped template). */
  templateDir?: string;
  /** Execution role on AWS (the built-in endpoint needs none). */
  roleArn?: string;
  createRole?: boolean;
}

export async function runRefiningSweep(options: {
  args: RefiningSweepArgs;
  resolved: ResolvedTarget;
  client: LambdaClient;
  runsDir: string;
  workspaceDir: string;
  log: (line: string) => void;
}): Promise<{ runDir: string; outcome: SweepOutcome }> {
  const { args, resolved, client, log } = options;
  if (!args.experimentId || args.threads === undefined)
    throw new Error('Choosing memory sizes needs an experiment id and thread counts (experimentId, threads).');
  const experimentId = validateExperimentId(args.experimentId);
  const threadCounts = typeof args.threads === 'string' ? parseThreadList(args.threads) : args.threads;
  const strategies: Strategy[] =
    args.strategies === undefined ? ['pool'] : typeof args.strategies === 'string' ? parseStrategyList(args.strategies) : args.strategies;
  const maxCostUsd = args.maxCostUsd ?? null;
  if (targetBills(resolved) && maxCostUsd === null) {
    throw new Error(
      'Choosing memory sizes on a target that bills needs a cost limit: its size is not known up front. Set lambdaLab.maxCostUsd (or pass maxCostUsd).',
    );
  }
  const templateDir = await checkTemplateFolder(args.templateDir ?? (await defaultTemplateFolder(options.workspaceDir, __dirname)));
  const architectures: Architecture[] = [resolved.builtInEndpoint ? hostLambdaArchitecture() : 'x86_64'];
  const created: string[] = [];
  const candidates: number[] = [];
  for (let m = MEMORY_MIN_MB; m <= MEMORY_MAX_MB; m += 64) candidates.push(m);
  const repetitions = args.repetitions ?? 20;
  return vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: `Lambda Lab: sweeping "${experimentId}" (choosing memory sizes)`, cancellable: true },
    async (progress, token) => {
      const controller = new AbortController();
      const subscription = token.onCancellationRequested(() => controller.abort());
      try {
        const result = await runMemoryRefinement(
          {
            experimentId,
            architectures,
            threadCounts,
            strategies,
            repetitions,
            adaptive: { targetRelativeHalfWidth: args.targetCi ?? 0.02, minRepetitions: Math.min(5, repetitions) },
            items: args.items ?? 20,
            cost: args.cost ?? 10,
            concurrency: args.concurrency ?? (resolved.target.kind === 'aws' ? 4 : 1),
            runsDir: options.runsDir,
            seed: args.seed,
            resolutionMB: args.resolutionMB ?? DEFAULT_REFINEMENT_RESOLUTION_MB,
            candidates: () => candidates,
            maxCostUsd,
          },
          describeTargetForRun(resolved),
          {
            client,
            signal: controller.signal,
            createSampler: createSamplerForSweep,
            log: (line) => {
              log(`  ${line}`);
              if (line.startsWith('Round')) progress.report({ message: line.slice(0, 120) });
            },
            onProgress: (p) => progress.report({ message: refineProgressMessage(p, targetBills(resolved)) }),
            deploy: async (arch, sizes) => {
              const { result } = await deployToTarget({
                target: resolved,
                experimentId,
                templateDir,
                memorySizesMB: sizes,
                architectures: [arch],
                runtime: DEFAULT_RUNTIME,
                concurrency: DEFAULT_DEPLOY_CONCURRENCY,
                roleChoice: { roleArn: args.roleArn, createRole: args.createRole === true },
                log,
              });
              if (result.failures.length > 0) throw new Error(`Deploying failed: ${result.failures.map((f) => `${f.functionName}: ${f.message}`).join('; ')}`);
              created.push(...result.functions.filter((f) => f.action === 'created').map((f) => f.functionName));
              return result.functions.map((f) => ({ functionName: f.functionName, arch: f.arch, memoryMB: f.memoryMB }));
            },
            // Only the functions this sweep created; ones deployed before it stay.
            cleanup: async () => {
              for (const functionName of created) {
                await client
                  .send(new DeleteFunctionCommand({ FunctionName: functionName }))
                  .catch((error: unknown) => log(`Could not delete ${functionName}: ${(error as Error).message}`));
              }
            },
          },
        );
        log(`Memory sizes chosen in ${result.refinement.rounds.length} round(s): ${result.refinement.finished ?? ''}`);
        return { runDir: result.runDir, outcome: result.outcome };
      } finally {
        subscription.dispose();
      }
    },
  );
}
