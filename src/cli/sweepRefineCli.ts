// `lambda-lab sweep --replay <folder>` and `lambda-lab sweep --refine-memory`: a sweep against the
// study replayed as a target, and a sweep that chooses its memory sizes (deploying and cleaning up
// inside its loop). Both end in an ordinary run folder that `lambda-lab analyze` reads.
import { DeleteFunctionCommand } from '@aws-sdk/client-lambda';
import * as os from 'node:os';
import * as path from 'node:path';
import { createLambdaClient, errorContextOf, type ResolvedTarget } from '../aws/lambdaTarget';
import { toTargetError } from '../aws/credentialErrors';
import { checkRoleChoice } from '../aws/executionRole';
import { SEED_ITEMS_PER_INVOCATION, SEED_STRATEGY } from '../core/analysis/seedCsvImport';
import type { Architecture, Strategy } from '../core/experimentConfig';
import {
  ValidationError,
  parseArchitectureList,
  parseStrategyList,
  parseThreadList,
  validateCost,
  validateExperimentId,
  validateItems,
  validateRepetitions,
} from '../core/experimentValidation';
import { resolveMemorySelection } from '../core/memoryPresets';
import { DEFAULT_REFINEMENT_RESOLUTION_MB, type MemoryRefinementRecord } from '../core/memoryRefinement';
import { MEMORY_MAX_MB, MEMORY_MIN_MB } from '../core/lambdaModel';
import { newSeed, type SweepFunction } from '../core/sweepPlan';
import { DEFAULT_DEPLOY_CONCURRENCY, DEFAULT_RUNTIME } from '../deploy/deployer';
import { deployToTarget } from '../deploy/deployToTarget';
import { checkTemplateFolder, defaultTemplateFolder } from '../deploy/templateFolder';
import { loadStudyRecords } from '../replay/replayEndpoint';
import { withReplayTarget } from '../replay/replaySweep';
import { createSamplerForSweep } from '../sweep/adaptiveSamplerFactory';
import { runMemoryRefinement, type MemoryRefinementRequest } from '../sweep/memoryRefinementLoop';
import { runsFolder } from '../sweep/runStore';
import { SDK_MAX_ATTEMPTS, type SweepOutcome } from '../sweep/sweepEngine';
import { describeTargetForRun, prepareNewSweep } from '../sweep/sweepSession';
import { CANCEL_SIGNALS, DEFAULT_COST, DEFAULT_ITEMS, DEFAULT_TARGET_CI, defaultConcurrency, outcomeSummary, progressLine, runWithTerminal } from './sweepCli';
import { checkLambdaReachable, resolveCliTarget } from './targetFlags';
import { targetBills } from '../core/targetBilling';

/** The most repetitions per configuration when --refine-memory is given without --reps. */
export const DEFAULT_REFINE_MAX_REPS = 20;
/** Sizes a refinement may choose on AWS and other endpoints: every 64 MB (Lambda allows any MB). */
export const REFINE_CANDIDATE_STEP_MB = 64;
const REPLAY_CONCURRENCY = 8;

export const replayRefineFlagOptions = {
  replay: { type: 'string' },
  'refine-memory': { type: 'boolean' },
  resolution: { type: 'string' },
  memory: { type: 'string' },
  arch: { type: 'string' },
  template: { type: 'string' },
  role: { type: 'string' },
  'create-role': { type: 'boolean' },
} as const;

export const replayRefineHelp = `Replay and memory refinement:
  --replay <folder>       Sweep the study replayed as a target: each invocation answers with one
                          of the study's recorded times for its architecture, memory and thread
                          count (seeded by --seed). Functions are deployed to the replay and
                          deleted after. Needs --memory (or --refine-memory). Strategy: the
                          study's (${SEED_STRATEGY}); items default ${SEED_ITEMS_PER_INVOCATION}.
  --memory <sizes|preset> With --replay: the memory sizes to deploy and sweep.
  --arch <list>           With --replay or --refine-memory: architectures (default: the study's
                          both with --replay; x86_64 on AWS).
  --refine-memory         Choose the memory sizes: a coarse design for the thread counts, then
                          more sizes only where the knee can be, until it is pinned to
                          --resolution. Repetitions by the confidence rule (--target-ci,
                          --min-reps; --reps is the most, default ${DEFAULT_REFINE_MAX_REPS}). Deploys and deletes
                          the functions it adds.
  --resolution <MB>       With --refine-memory: how closely to pin each knee (default ${DEFAULT_REFINEMENT_RESOLUTION_MB}).
  --template <dir>, --role <arn>, --create-role
                          With --refine-memory on AWS or an endpoint: what to deploy, as for
                          lambda-lab deploy.`;

type Values = Record<string, string | boolean | string[] | undefined>;

function str(values: Values, name: string): string | undefined {
  const value = values[name];
  return typeof value === 'string' ? value : undefined;
}

function numberFlag(values: Values, name: string, check: (n: number) => boolean, allowed: string): number | undefined {
  const text = str(values, name);
  if (text === undefined) return undefined;
  const n = Number(text);
  if (text.trim() === '' || !Number.isFinite(n) || !check(n)) throw new ValidationError(name, text, allowed, `--${name} "${text}" is not valid: ${allowed}`);
  return n;
}

function refuse(flag: string, value: unknown, message: string): never {
  throw new ValidationError(flag, value, message, message);
}

/** True when these flags ask for a replay or a refining sweep (sweepCli hands over to runReplayOrRefine). */
export function wantsReplayOrRefine(values: Values): boolean {
  return values.replay !== undefined || values['refine-memory'] === true;
}

/** Flags of this file used without --replay / --refine-memory. */
export function checkReplayRefineFlagsUnused(values: Values): void {
  for (const flag of Object.keys(replayRefineFlagOptions)) {
    if (values[flag] !== undefined) refuse(flag, values[flag], `--${flag} only applies with --replay <folder> or --refine-memory.`);
  }
}

export async function runReplayOrRefine(values: Values): Promise<number> {
  const replayFolder = str(values, 'replay');
  const refine = values['refine-memory'] === true;
  let resolvedForErrors: ResolvedTarget | undefined;
  try {
    if (values.resume !== undefined)
      refuse(
        'resume',
        values.resume,
        '--resume cannot be combined with --replay or --refine-memory: start a new sweep (the replay and the refinement loop live in one process).',
      );
    if (replayFolder !== undefined) {
      for (const flag of ['local', 'endpoint', 'profile', 'region', 'template', 'role', 'create-role'] as const) {
        if (values[flag] !== undefined) refuse(flag, values[flag], `--${flag} cannot be combined with --replay: the replay is its own target.`);
      }
    }
    if (!refine && values.resolution !== undefined) refuse('resolution', values.resolution, '--resolution only applies with --refine-memory.');
    if (refine && values.memory !== undefined)
      refuse('memory', values.memory, '--memory cannot be combined with --refine-memory, which chooses the sizes itself.');
    if (!refine && values.memory === undefined)
      refuse('memory', undefined, '--replay needs --memory <sizes|preset> (or --refine-memory to let the sweep choose them).');
    if (values.threads === undefined) refuse('threads', undefined, '--threads <list> is required, e.g. --threads 1,2,4.');
    if (!refine && values.reps === undefined) refuse('reps', undefined, '--reps <n> is required, e.g. --reps 5.');
    const experimentId = validateExperimentId(
      str(values, 'experiment') ?? (replayFolder !== undefined ? 'replay' : refuse('experiment', undefined, '--experiment <id> is required.')),
    );
    const threadCounts = parseThreadList(str(values, 'threads')!);
    const repetitions = values.reps !== undefined ? validateRepetitions(str(values, 'reps')) : DEFAULT_REFINE_MAX_REPS;
    const strategies: Strategy[] =
      values.strategy !== undefined ? parseStrategyList(str(values, 'strategy')!) : replayFolder !== undefined ? [SEED_STRATEGY] : ['pool'];
    if (replayFolder !== undefined && strategies.some((s) => s !== SEED_STRATEGY)) {
      refuse('strategy', values.strategy, `The study measured only the ${SEED_STRATEGY} strategy, so only --strategy ${SEED_STRATEGY} can be replayed.`);
    }
    const items = values.items !== undefined ? validateItems(str(values, 'items')) : replayFolder !== undefined ? SEED_ITEMS_PER_INVOCATION : DEFAULT_ITEMS;
    const cost = values.cost !== undefined ? validateCost(str(values, 'cost')) : DEFAULT_COST;
    const seed = numberFlag(values, 'seed', (n) => Number.isInteger(n) && n >= 0 && n < 2 ** 32, 'a whole number from 0 to 4294967295') ?? newSeed();
    const targetCi = numberFlag(values, 'target-ci', (n) => n > 0 && n < 1, 'a share between 0 and 1, e.g. 0.02') ?? DEFAULT_TARGET_CI;
    const minReps = numberFlag(values, 'min-reps', (n) => Number.isInteger(n) && n >= 2, 'a whole number of at least 2') ?? Math.min(5, repetitions);
    const adaptiveWanted = refine || values.adaptive === true;
    if (adaptiveWanted && repetitions < 2)
      refuse('reps', values.reps, '--adaptive and --refine-memory need --reps of at least 2 (the most repetitions they may take).');
    if (!adaptiveWanted && (values['target-ci'] !== undefined || values['min-reps'] !== undefined))
      refuse('adaptive', undefined, '--target-ci and --min-reps only apply with --adaptive or --refine-memory.');
    const resolutionMB =
      numberFlag(values, 'resolution', (n) => Number.isInteger(n) && n >= 1 && n <= MEMORY_MAX_MB, `a whole number of MB from 1 to ${MEMORY_MAX_MB}`) ??
      DEFAULT_REFINEMENT_RESOLUTION_MB;
    const concurrencyFlag = numberFlag(values, 'concurrency', (n) => Number.isInteger(n) && n >= 1 && n <= 64, 'a whole number from 1 to 64');
    const maxCostUsd = numberFlag(values, 'max-cost-usd', (n) => n >= 0, 'a dollar amount of 0 or more') ?? null;
    const requestedArchitectures = values.arch !== undefined ? parseArchitectureList(str(values, 'arch')!) : undefined;
    const memorySizes = values.memory !== undefined ? resolveMemorySelection(str(values, 'memory')!) : [];
    const runsDir = path.resolve(str(values, 'out') ?? runsFolder(process.cwd()));
    const adaptive = adaptiveWanted ? { targetRelativeHalfWidth: targetCi, minRepetitions: Math.min(minReps, repetitions) } : null;
    const quiet = values.quiet === true;
    const log = (line: string) => process.stderr.write(`${line}\n`);
    const base = { experimentId, threadCounts, strategies, repetitions, items, cost, runsDir, seed, maxCostUsd };

    if (replayFolder !== undefined) {
      const studyFolder = path.resolve(replayFolder);
      const records = loadStudyRecords(studyFolder);
      return await withReplayTarget({ records, seed }, async (session) => {
        const architectures = requestedArchitectures ?? session.handle.replay.architectures();
        log(`Target: the study replayed from ${studyFolder} (${session.handle.replay.recordCount} recorded times; seed ${seed})`);
        const replayMeta = { replay: { studyFolder, seed } };
        if (refine) {
          return refineAndReport(
            {
              ...base,
              architectures,
              adaptive: adaptive!,
              concurrency: concurrencyFlag ?? REPLAY_CONCURRENCY,
              resolutionMB,
              candidates: (arch) => session.handle.replay.memorySizes(arch),
              metadataExtras: replayMeta,
            },
            session.target,
            session.client,
            (arch, sizes) => session.deploy(experimentId, arch, sizes),
            () => session.cleanup(experimentId),
            { json: values.json === true, quiet, log },
          );
        }
        try {
          const functions: SweepFunction[] = [];
          for (const arch of architectures) functions.push(...(await session.deploy(experimentId, arch, memorySizes)));
          const prepared = await prepareNewSweep(
            session.client,
            { ...base, concurrency: concurrencyFlag ?? REPLAY_CONCURRENCY, adaptive, functions },
            session.target,
          );
          prepared.store.updateMetadata(replayMeta);
          log(`Run folder: ${prepared.store.runDir}`);
          const outcome = await runWithTerminal(prepared, session.resolved, {
            json: values.json === true,
            quiet,
            yes: true,
            confirmAboveUsd: Number.POSITIVE_INFINITY,
          });
          if (values.json) process.stdout.write(`${JSON.stringify({ runDir: prepared.store.runDir, ...outcome }, null, 2)}\n`);
          log(`Analyze: lambda-lab analyze ${prepared.store.runDir}`);
          return exitCodeOf(outcome);
        } finally {
          await session.cleanup(experimentId);
        }
      });
    }

    // --refine-memory against AWS or an endpoint: deploy the template at each size it adds.
    const templateDir = await checkTemplateFolder(str(values, 'template') ?? (await defaultTemplateFolder(process.cwd(), __dirname)));
    const roleChoice = { roleArn: str(values, 'role'), createRole: values['create-role'] === true };
    const resolved = await resolveCliTarget(values as Parameters<typeof resolveCliTarget>[0]);
    resolvedForErrors = resolved;
    const bills = targetBills(resolved);
    // The loop cannot know its size before it runs, so a target that bills needs a ceiling or a yes.
    if (bills && maxCostUsd === null && values.yes !== true) {
      refuse(
        'max-cost-usd',
        undefined,
        '--refine-memory on a target that bills chooses its sizes as it goes, so its cost is not known up front: pass --max-cost-usd <dollars> (or --yes).',
      );
    }
    await checkLambdaReachable(resolved);
    // After the credentials are known to work: an endpoint refusing them is not a role problem.
    checkRoleChoice(roleChoice, resolved.builtInEndpoint);
    log(`Target: ${resolved.label}`);
    const architectures = requestedArchitectures ?? ['x86_64'];
    const created: string[] = [];
    const client = createLambdaClient(resolved, { maxAttempts: SDK_MAX_ATTEMPTS });
    try {
      return await refineAndReport(
        {
          ...base,
          architectures,
          adaptive: adaptive!,
          concurrency: concurrencyFlag ?? defaultConcurrency(resolved),
          resolutionMB,
          candidates: () => everySize(REFINE_CANDIDATE_STEP_MB),
        },
        describeTargetForRun(resolved),
        client,
        async (arch, sizes) => {
          const { result } = await deployToTarget({
            target: resolved,
            experimentId,
            templateDir,
            memorySizesMB: sizes,
            architectures: [arch],
            runtime: DEFAULT_RUNTIME,
            concurrency: DEFAULT_DEPLOY_CONCURRENCY,
            roleChoice,
            log: quiet ? () => {} : log,
          });
          if (result.failures.length > 0) throw new Error(`Deploying failed: ${result.failures.map((f) => `${f.functionName}: ${f.message}`).join('; ')}`);
          created.push(...result.functions.filter((f) => f.action === 'created').map((f) => f.functionName));
          return result.functions.map((f) => ({ functionName: f.functionName, arch: f.arch, memoryMB: f.memoryMB }));
        },
        // Only what this sweep created: functions the user deployed before stay.
        async () => {
          for (const functionName of created) {
            await client
              .send(new DeleteFunctionCommand({ FunctionName: functionName }))
              .catch((error: unknown) => log(`Warning: could not delete ${functionName}: ${(error as Error).message}`));
          }
        },
        { json: values.json === true, quiet, log, bills },
      );
    } finally {
      client.destroy();
    }
  } catch (error) {
    const message = error instanceof ValidationError ? error.message : toTargetError(error, resolvedForErrors ? errorContextOf(resolvedForErrors) : {}).message;
    process.stderr.write(`lambda-lab sweep: ${message}\n`);
    return error instanceof ValidationError ? 2 : 1;
  }
}

function everySize(step: number): number[] {
  const sizes: number[] = [];
  for (let m = Math.ceil(MEMORY_MIN_MB / step) * step; m <= MEMORY_MAX_MB; m += step) sizes.push(m);
  return sizes;
}

function exitCodeOf(outcome: SweepOutcome & { signal?: NodeJS.Signals }): number {
  if (outcome.status === 'cancelled') return outcome.signal ? 128 + (os.constants.signals[outcome.signal] ?? 2) : 130;
  return outcome.status === 'completed' ? 0 : 1;
}

async function refineAndReport(
  request: Omit<MemoryRefinementRequest, 'runDir'>,
  target: ReturnType<typeof describeTargetForRun>,
  client: Parameters<typeof runMemoryRefinement>[2]['client'],
  deploy: (arch: Architecture, sizes: number[]) => Promise<SweepFunction[]>,
  cleanup: () => Promise<void>,
  options: { json: boolean; quiet: boolean; log: (line: string) => void; bills?: boolean },
): Promise<number> {
  const controller = new AbortController();
  const onSignal = (signal: NodeJS.Signals) => {
    options.log(`\nCancelling (${signal}): waiting for invocations in flight, then deleting the functions this sweep deployed...`);
    controller.abort();
  };
  for (const signal of CANCEL_SIGNALS) process.on(signal, onSignal);
  let lastProgress = 0;
  try {
    const result = await runMemoryRefinement(request, target, {
      client,
      deploy,
      cleanup,
      createSampler: createSamplerForSweep,
      signal: controller.signal,
      log: options.quiet ? (line) => (/^(Round|Run folder|Memory refinement)/.test(line) ? options.log(line) : undefined) : options.log,
      onProgress: (progress) => {
        if (!options.quiet || Date.now() - lastProgress < 5000) return;
        lastProgress = Date.now();
        options.log(progressLine(progress, { bills: options.bills === true }));
      },
    });
    options.log(outcomeSummary(result.outcome, result.runDir, { bills: options.bills === true }).split('\nResume')[0]);
    options.log(describeRefinement(result.refinement));
    options.log(`Analyze: lambda-lab analyze ${result.runDir}`);
    if (options.json)
      process.stdout.write(
        `${JSON.stringify({ runDir: result.runDir, invocations: result.invocations, ...result.outcome, memoryRefinement: result.refinement }, null, 2)}\n`,
      );
    return exitCodeOf(result.outcome);
  } finally {
    for (const signal of CANCEL_SIGNALS) process.off(signal, onSignal);
  }
}

export function describeRefinement(refinement: MemoryRefinementRecord): string {
  const lines = [
    `Memory sizes chosen in ${refinement.rounds.length} round(s) (resolution ${refinement.resolutionMB} MB): ${refinement.finished ?? 'unfinished'}`,
  ];
  for (const round of refinement.rounds) {
    lines.push(`  round ${round.round}: ${round.additions.map((a) => `${a.memoryMB} MB (threads ${a.threads.join(',')})`).join(', ')}`);
  }
  return lines.join('\n');
}
