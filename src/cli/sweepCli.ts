// `lambda-lab sweep`: runs (or resumes) a timed sweep over thread counts against an experiment's
// deployed functions, writing .lambda-lab/runs/<run-id>/{run.json,invocations.jsonl}.
import * as path from 'node:path';
import * as readline from 'node:readline/promises';
import { createLambdaClient, errorContextOf, type ResolvedTarget } from '../aws/lambdaTarget';
import { toTargetError } from '../aws/credentialErrors';
import { formatUsd, type SweepCostEstimate } from '../core/costEstimate';
import { ValidationError, parseStrategyList, parseThreadList, validateCost, validateExperimentId, validateItems, validateRepetitions } from '../core/experimentValidation';
import type { RunTarget } from '../core/runFiles';
import { runsFolder } from '../sweep/runStore';
import { SDK_MAX_ATTEMPTS, type SweepOutcome, type SweepProgress } from '../sweep/sweepEngine';
import { createSamplerForSweep } from '../sweep/adaptiveSamplerFactory';
import { checkPlanFunctionsExist, describeTargetForRun, executeSweep, prepareNewSweep, prepareResume, type PreparedSweep } from '../sweep/sweepSession';
import { checkLambdaReachable, resolveCliTarget, targetFlagOptions, targetFlagsHelp } from './targetFlags';
import { parseCliArgs } from './cliArgs';

export const DEFAULT_CONFIRM_ABOVE_USD = 0.5;
export const DEFAULT_TARGET_CI = 0.02;
export const DEFAULT_ITEMS = 20;
export const DEFAULT_COST = 10;

const HELP = `Usage: lambda-lab sweep --experiment <id> --threads <list> --reps <n> [options]
       lambda-lab sweep --resume <run dir> [options]

Invokes every deployed function of the experiment at every thread count and strategy, N times,
in a shuffled (seeded) order, and appends one JSON line per invocation to
<out>/<run-id>/invocations.jsonl (run metadata in run.json beside it).

Options:
  --experiment <id>       Experiment whose functions to sweep (deployed with lambda-lab deploy).
  --threads <list>        Thread counts, e.g. 1,2,4 (1..64).
  --reps <n>              Repetitions per configuration (the most, with --adaptive).
  --items <n>             Passwords hashed per invocation (default ${DEFAULT_ITEMS}).
  --cost <n>              bcrypt cost, 4..31 (default ${DEFAULT_COST}).
  --strategy <list>       pool, batch or both (default pool).
  --concurrency <k>       Invocations in flight at once (default 1 on a local endpoint, whose
                          functions share this machine's CPUs; 4 on AWS).
  --out <dir>             Folder for runs (default .lambda-lab/runs).
  --resume <run dir>      Finish an interrupted run: only missing invocations run.
  --max-cost-usd <x>      Start no invocation that would take the cost past x dollars
                          (by its estimate; invocations in flight still finish).
  --adaptive              Stop a configuration once its 95% CI is tight enough.
  --target-ci <share>     With --adaptive: CI half-width as a share of the mean (default ${DEFAULT_TARGET_CI}).
  --min-reps <n>          With --adaptive: repetitions before stopping is considered (default 5).
  --seed <n>              Seed of the shuffled order (default: random, recorded in run.json).
  --yes                   Do not ask before spending more than $${DEFAULT_CONFIRM_ABOVE_USD.toFixed(2)} on AWS.
  --confirm-above-usd <x> Ask for confirmation above this estimate (default ${DEFAULT_CONFIRM_ABOVE_USD}).
  --json                  Print the outcome as JSON on stdout (progress goes to stderr).
  --quiet                 No per-invocation log lines.
  -h, --help              This help.

${targetFlagsHelp}
`;

function parseNumber(text: string | undefined, flag: string, check: (n: number) => boolean, allowed: string): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (text.trim() === '' || !Number.isFinite(n) || !check(n)) throw new ValidationError(flag, text, allowed, `--${flag} "${text}" is not valid: ${allowed}`);
  return n;
}

export async function run(argv: string[]): Promise<number> {
  const parsed = parseCliArgs('sweep', HELP, argv, {
    experiment: { type: 'string' },
    threads: { type: 'string' },
    reps: { type: 'string' },
    items: { type: 'string' },
    cost: { type: 'string' },
    strategy: { type: 'string' },
    concurrency: { type: 'string' },
    out: { type: 'string' },
    resume: { type: 'string' },
    'max-cost-usd': { type: 'string' },
    adaptive: { type: 'boolean' },
    'target-ci': { type: 'string' },
    'min-reps': { type: 'string' },
    seed: { type: 'string' },
    yes: { type: 'boolean' },
    'confirm-above-usd': { type: 'string' },
    json: { type: 'boolean' },
    quiet: { type: 'boolean' },
    ...targetFlagOptions,
  });
  if (typeof parsed === 'number') return parsed;
  const { values } = parsed;

  let prepared: PreparedSweep;
  let resolved: ResolvedTarget;
  let resolvedForErrors: ResolvedTarget | undefined;
  try {
    const maxCostUsd = parseNumber(values['max-cost-usd'], 'max-cost-usd', (n) => n >= 0, 'a dollar amount of 0 or more');
    const concurrencyFlag = parseNumber(values.concurrency, 'concurrency', (n) => Number.isInteger(n) && n >= 1 && n <= 64, 'a whole number from 1 to 64');
    const confirmAbove = parseNumber(values['confirm-above-usd'], 'confirm-above-usd', (n) => n >= 0, 'a dollar amount of 0 or more') ?? DEFAULT_CONFIRM_ABOVE_USD;

    if (values.resume) {
      const runDir = path.resolve(values.resume);
      for (const flag of ['experiment', 'threads', 'reps', 'items', 'cost', 'strategy', 'adaptive', 'seed', 'out'] as const) {
        if (values[flag] !== undefined) throw new ValidationError(flag, values[flag], 'not with --resume', `--${flag} cannot be combined with --resume: a resumed run keeps its plan (see run.json).`);
      }
      prepared = prepareResume(runDir, { maxCostUsd, concurrency: concurrencyFlag });
      const meta = prepared.store.meta;
      resolved = await resolveCliTarget(targetFlagsForResume(meta.target, meta.region, values));
      resolvedForErrors = resolved;
      await checkLambdaReachable(resolved);
      const client = createLambdaClient(resolved, { maxAttempts: SDK_MAX_ATTEMPTS });
      try {
        await checkPlanFunctionsExist(client, prepared);
      } finally {
        client.destroy();
      }
      for (const warning of prepared.warnings) process.stderr.write(`Warning: ${warning}\n`);
      process.stderr.write(`Resuming ${runDir} (${prepared.store.invocations.length} of ${meta.plan.plannedInvocations} invocations already recorded).\n`);
    } else {
      if (values.experiment === undefined) throw new ValidationError('experiment', undefined, 'required', '--experiment <id> is required (or --resume <run dir>).');
      if (values.threads === undefined) throw new ValidationError('threads', undefined, 'required', '--threads <list> is required, e.g. --threads 1,2,4.');
      if (values.reps === undefined) throw new ValidationError('reps', undefined, 'required', '--reps <n> is required, e.g. --reps 5.');
      const experimentId = validateExperimentId(values.experiment);
      const threadCounts = parseThreadList(values.threads);
      const repetitions = validateRepetitions(values.reps);
      const items = values.items !== undefined ? validateItems(values.items) : DEFAULT_ITEMS;
      const cost = values.cost !== undefined ? validateCost(values.cost) : DEFAULT_COST;
      const strategies = values.strategy !== undefined ? parseStrategyList(values.strategy) : (['pool'] as const).slice();
      const targetCi = parseNumber(values['target-ci'], 'target-ci', (n) => n > 0 && n < 1, 'a share between 0 and 1, e.g. 0.02') ?? DEFAULT_TARGET_CI;
      const minReps = parseNumber(values['min-reps'], 'min-reps', (n) => Number.isInteger(n) && n >= 2, 'a whole number of at least 2') ?? Math.min(5, repetitions);
      const seed = parseNumber(values.seed, 'seed', (n) => Number.isInteger(n) && n >= 0 && n < 2 ** 32, 'a whole number from 0 to 4294967295');
      if (values.adaptive && repetitions < 2) {
        throw new ValidationError('reps', values.reps, 'at least 2 with --adaptive', '--adaptive needs --reps of at least 2 (the most repetitions it may take).');
      }
      if (!values.adaptive && (values['target-ci'] !== undefined || values['min-reps'] !== undefined)) {
        throw new ValidationError('adaptive', undefined, '--adaptive', '--target-ci and --min-reps only apply with --adaptive.');
      }

      resolved = await resolveCliTarget(values);
      resolvedForErrors = resolved;
      await checkLambdaReachable(resolved);
      const client = createLambdaClient(resolved, { maxAttempts: SDK_MAX_ATTEMPTS });
      try {
        prepared = await prepareNewSweep(
          client,
          {
            experimentId,
            threadCounts,
            strategies,
            repetitions,
            items,
            cost,
            concurrency: concurrencyFlag ?? defaultConcurrency(resolved),
            runsDir: path.resolve(values.out ?? runsFolder(process.cwd())),
            maxCostUsd: maxCostUsd ?? null,
            adaptive: values.adaptive ? { targetRelativeHalfWidth: targetCi, minRepetitions: Math.min(minReps, repetitions) } : null,
            seed,
          },
          describeTargetForRun(resolved),
        );
      } finally {
        client.destroy();
      }
      process.stderr.write(`Run folder: ${prepared.store.runDir}\n`);
    }

    const outcome = await runWithTerminal(prepared, resolved, {
      json: values.json === true,
      quiet: values.quiet === true,
      yes: values.yes === true,
      confirmAboveUsd: confirmAbove,
    });
    if (values.json) process.stdout.write(`${JSON.stringify({ runDir: prepared.store.runDir, ...outcome }, null, 2)}\n`);
    return outcome.status === 'completed' ? 0 : outcome.status === 'cancelled' ? 130 : 1;
  } catch (error) {
    // SDK errors (credentials, network, access) get the same explained message as deploy's.
    const message = error instanceof ValidationError ? error.message : toTargetError(error, resolvedForErrors ? errorContextOf(resolvedForErrors) : {}).message;
    process.stderr.write(`lambda-lab sweep: ${message}\n`);
    return error instanceof ValidationError ? 2 : 1;
  }
}

/** On a resumed run, the stored target is used unless target flags say otherwise. */
function targetFlagsForResume(target: RunTarget, region: string, values: { local?: boolean; endpoint?: string; profile?: string; region?: string }) {
  if (values.local || values.endpoint || values.profile || values.region) return values;
  if (target.kind === 'local') return { local: true };
  if (target.kind === 'endpoint') return { endpoint: target.endpoint, profile: target.profile, region };
  return { profile: target.profile, region };
}

export function defaultConcurrency(resolved: ResolvedTarget): number {
  return resolved.target.kind === 'aws' ? 4 : 1;
}

export interface TerminalRunOptions {
  json: boolean;
  quiet: boolean;
  yes: boolean;
  confirmAboveUsd: number;
}

/** Runs a prepared sweep with terminal progress, Ctrl-C cancellation and a cost confirmation prompt. */
export async function runWithTerminal(prepared: PreparedSweep, resolved: ResolvedTarget, options: TerminalRunOptions): Promise<SweepOutcome> {
  const controller = new AbortController();
  let interrupts = 0;
  const onSigint = () => {
    interrupts++;
    if (interrupts > 1) process.exit(130);
    process.stderr.write('\nCancelling: waiting for invocations in flight (Ctrl-C again to quit at once)...\n');
    controller.abort();
  };
  process.on('SIGINT', onSigint);
  const client = createLambdaClient(resolved, { maxAttempts: SDK_MAX_ATTEMPTS });
  const isAws = resolved.target.kind === 'aws';
  let lastProgressLine = 0;
  let lastPrintedDone = -1;
  try {
    const outcome = await executeSweep(prepared, {
      client,
      signal: controller.signal,
      createSampler: createSamplerForSweep,
      log: options.quiet ? undefined : (line) => process.stderr.write(`${line}\n`),
      confirmCost: async (estimate) => confirmInTerminal(estimate, { isAws, ...options }),
      onProgress: (progress) => {
        // Verbose mode logs every invocation, so progress lines there only mark the phases;
        // quiet mode prints one every few seconds and at the end.
        if (progress.done === lastPrintedDone) return;
        if (!options.quiet && progress.last) return;
        if (options.quiet && progress.done !== progress.total && Date.now() - lastProgressLine < 5000) return;
        lastProgressLine = Date.now();
        lastPrintedDone = progress.done;
        process.stderr.write(`${progressLine(progress)}\n`);
      },
    });
    process.stderr.write(`${outcomeSummary(outcome, prepared.store.runDir)}\n`);
    return outcome;
  } finally {
    process.off('SIGINT', onSigint);
    client.destroy();
  }
}

async function confirmInTerminal(estimate: SweepCostEstimate, options: { isAws: boolean; yes: boolean; confirmAboveUsd: number }): Promise<boolean> {
  const line = `${estimate.invocations} invocation(s), estimated ${formatUsd(estimate.estimatedUsd)} (at most ${formatUsd(estimate.maxUsd)})`;
  if (!options.isAws) {
    process.stderr.write(`Plan: ${line} if this ran on AWS; this target does not bill.\n`);
    return true;
  }
  process.stderr.write(`Plan: ${line}.\n`);
  if (options.yes || estimate.maxUsd <= options.confirmAboveUsd) return true;
  if (!process.stdin.isTTY) {
    process.stderr.write(`The sweep may cost more than ${formatUsd(options.confirmAboveUsd)}; pass --yes to confirm (or --max-cost-usd to cap it).\n`);
    return false;
  }
  const rl = readline.createInterface({ input: process.stdin, output: process.stderr });
  try {
    const answer = await rl.question(`Spend up to ${formatUsd(estimate.maxUsd)}? [y/N] `);
    return /^y(es)?$/i.test(answer.trim());
  } finally {
    rl.close();
  }
}

export function progressLine(progress: SweepProgress): string {
  const eta = progress.etaMs === null ? '' : `, ETA ${formatDuration(progress.etaMs)}`;
  return `[${progress.done}/${progress.total}] ${formatUsd(progress.costUsd)} so far, ${progress.errors} error(s), ${progress.retries} retr${progress.retries === 1 ? 'y' : 'ies'}${eta}`;
}

export function outcomeSummary(outcome: SweepOutcome, runDir: string): string {
  const head =
    outcome.status === 'completed'
      ? `Sweep completed: ${outcome.done}/${outcome.total} invocations`
      : `Sweep ${outcome.status}: ${outcome.done}/${outcome.total} invocations recorded. ${outcome.statusReason ?? ''}`.trim();
  const resume = outcome.status === 'completed' || outcome.status === 'failed' && outcome.done === 0 ? '' : `\nResume with: lambda-lab sweep --resume ${runDir}`;
  return `${head}\n${outcome.errors} error(s), ${outcome.retries} retr${outcome.retries === 1 ? 'y' : 'ies'}, cost ${formatUsd(outcome.costUsd)} (as billed on AWS).\nResults: ${runDir}${resume}`;
}

export function formatDuration(ms: number): string {
  const seconds = Math.round(ms / 1000);
  if (seconds < 60) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes}m${String(seconds % 60).padStart(2, '0')}s`;
  return `${Math.floor(minutes / 60)}h${String(minutes % 60).padStart(2, '0')}m`;
}

export const sweepCli = { summary: 'Run or resume a timed sweep over thread counts (and strategies)', run };
