// `lambda-lab sweep`: runs (or resumes) a timed sweep over thread counts against an experiment's
// deployed functions, writing .lambda-lab/runs/<run-id>/{run.json,invocations.jsonl}.
import * as os from 'node:os';
import * as path from 'node:path';
import * as readline from 'node:readline/promises';
import { createLambdaClient, errorContextOf, type ResolvedTarget } from '../aws/lambdaTarget';
import { toTargetError } from '../aws/credentialErrors';
import { formatUsd, type SweepCostEstimate } from '../core/costEstimate';
import { runningCost } from '../core/usdFormat';
import {
  MEMORY_MAX_MB,
  REPETITIONS_MAX,
  ValidationError,
  costTimeoutProblem,
  parseStrategyList,
  parseThreadList,
  validateCost,
  validateExperimentId,
  validateItems,
  validateRepetitions,
} from '../core/experimentValidation';
import { TIMEOUT_MAX_S } from '../core/lambdaModel';
import { MAX_PLANNED_INVOCATIONS, planSizeProblem, roughPlanMs } from '../core/sweepPlan';
import type { RunTarget } from '../core/runFiles';
import { runsFolder } from '../sweep/runStore';
import { SDK_MAX_ATTEMPTS, type InvocationAdapter, type SweepOutcome, type SweepProgress, type SweepStopReason } from '../sweep/sweepEngine';
import { createSamplerForSweep } from '../sweep/adaptiveSamplerFactory';
import { targetBills } from '../core/targetBilling';
import { checkPlanFunctionsUnchanged, describeTargetForRun, executeSweep, prepareNewSweep, prepareResume, type PreparedSweep } from '../sweep/sweepSession';
import { checkLambdaReachable, resolveCliTarget, targetFlagOptions, targetFlagsHelp } from './targetFlags';
import { parseCliArgs } from './cliArgs';
import { loadPayloads, payloadSourcesFromFlags } from '../ownFunction/ownFunctionPayloads';
import { prepareOwnFunctionResume } from '../ownFunction/ownFunctionSession';
import { CopyRefusedError } from '../ownFunction/copyFunction';
import { ownFunctionFlagOptions, ownFunctionHelp, runOwnFunctionSweep } from './sweepOwnCli';
import { checkReplayRefineFlagsUnused, replayRefineFlagOptions, replayRefineHelp, runReplayOrRefine, wantsReplayOrRefine } from './sweepRefineCli';

export const DEFAULT_CONFIRM_ABOVE_USD = 0.5;
export const DEFAULT_TARGET_CI = 0.02;
export const DEFAULT_ITEMS = 20;
export const DEFAULT_COST = 10;
/** Exit code of a sweep that ran to its end but left invocations that ended in an error. */
export const EXIT_SWEEP_ERRORS = 3;

const HELP = `Usage: lambda-lab sweep --experiment <id> --threads <list> --reps <n> [options]
       lambda-lab sweep --resume <run dir> [options]
       lambda-lab sweep --function <name|arn> --memory <sizes> --payload <file.json> --reps <n> [--threads <list> --threads-field <path> | --threads-env <NAME>]

Invokes every deployed function of the experiment at every thread count and strategy, N times,
in a shuffled (seeded) order, and appends one JSON line per invocation to
<out>/<run-id>/invocations.jsonl (run metadata in run.json beside it).

Options:
  --experiment <id>       Experiment whose functions to sweep (deployed with lambda-lab deploy).
  --threads <list>        Thread counts, e.g. 1,2,4 (1..64).
  --reps <n>              Repetitions per configuration, 1..${REPETITIONS_MAX} (the most, with --adaptive).
                          A sweep plans at most ${MAX_PLANNED_INVOCATIONS.toLocaleString('en-US')} invocations.
  --items <n>             Passwords hashed per invocation (default ${DEFAULT_ITEMS}).
  --cost <n>              bcrypt cost, 4..31 (default ${DEFAULT_COST}); refused when the fewest threads at the
                          smallest memory could not finish within the function's timeout.
  --strategy <list>       pool, batch, warm, a comma list of them, or both (= pool,batch);
                          default pool.
  --concurrency <k>       Invocations in flight at once (default 1 on a local endpoint, whose
                          functions share this machine's CPUs; 4 on AWS).
  --out <dir>             Folder for runs (default .lambda-lab/runs).
  --resume <run dir>      Finish an interrupted run: only missing invocations run. Refused while
                          another process sweeps the run (run.lock), and if a function's code
                          or memory changed since the run started. A sweep of your own function
                          also checks the original's code hash and each payload's SHA-256: its
                          payload files are read again from the current folder, or give them
                          (--payload <file>, --payload-json '<json>'; typed ones must be given).
  --retry-errors          With --resume: also run again, once, the invocations that ended in an
                          error. invocations.jsonl stays append-only: the new record is appended
                          and readers use the later record instead of the earlier error.
  --max-cost-usd <x>      Start no invocation that would take the cost past x dollars
                          (by its estimate; invocations in flight still finish).
  --adaptive              Stop a configuration once its 95% CI is tight enough.
  --target-ci <share>     With --adaptive: CI half-width as a share of the mean (default ${DEFAULT_TARGET_CI}).
  --min-reps <n>          With --adaptive: repetitions before stopping is considered (default 5).
  --seed <n>              Seed of the shuffled order (default: random, recorded in run.json).
  --yes                   Do not ask before spending more than $${DEFAULT_CONFIRM_ABOVE_USD.toFixed(2)} on a target
                          that bills (AWS, and any endpoint not on this machine).
  --confirm-above-usd <x> Ask for confirmation above this estimate (default ${DEFAULT_CONFIRM_ABOVE_USD}).
  --json                  Print the outcome as JSON on stdout (progress goes to stderr).
  --quiet                 No per-invocation log lines.
  -h, --help              This help.

Exit codes: 0 every planned invocation succeeded; ${EXIT_SWEEP_ERRORS} the sweep ran to its end but some
invocations ended in an error (the summary says how many; rerun them with --resume <run dir>
--retry-errors); 1 stopped early (cost limit, failed pilot, endpoint gone) or could not start;
2 bad input; 128+signal when cancelled (130 for Ctrl-C, 143 for SIGTERM).

${replayRefineHelp}

${ownFunctionHelp}

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
    'retry-errors': { type: 'boolean' },
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
    ...replayRefineFlagOptions,
    ...ownFunctionFlagOptions,
  });
  if (typeof parsed === 'number') return parsed;
  const { values } = parsed;
  if (values.function !== undefined) return runOwnFunctionSweep(values);
  for (const flag of Object.keys(ownFunctionFlagOptions) as Array<keyof typeof ownFunctionFlagOptions>) {
    // A resumed sweep of your own function takes its payloads again (run.json keeps only their digests).
    if (values.resume !== undefined && (flag === 'payload' || flag === 'payload-json')) continue;
    if (values[flag] !== undefined) return refuseFlag(`--${flag} only applies with --function <name|arn> (a sweep of your own function).`);
  }
  if (wantsReplayOrRefine(values)) return runReplayOrRefine(values);

  let prepared: PreparedSweep | undefined;
  let invocation: InvocationAdapter | undefined;
  let resolved: ResolvedTarget;
  let resolvedForErrors: ResolvedTarget | undefined;
  try {
    const maxCostUsd = parseNumber(values['max-cost-usd'], 'max-cost-usd', (n) => n >= 0, 'a dollar amount of 0 or more');
    const concurrencyFlag = parseNumber(values.concurrency, 'concurrency', (n) => Number.isInteger(n) && n >= 1 && n <= 64, 'a whole number from 1 to 64');
    checkReplayRefineFlagsUnused(values);
    const confirmAbove =
      parseNumber(values['confirm-above-usd'], 'confirm-above-usd', (n) => n >= 0, 'a dollar amount of 0 or more') ?? DEFAULT_CONFIRM_ABOVE_USD;

    if (values['retry-errors'] && !values.resume) {
      throw new ValidationError(
        'retry-errors',
        true,
        'only with --resume',
        '--retry-errors only applies with --resume <run dir>: a new run has no errors to retry.',
      );
    }
    if (values.resume) {
      const runDir = path.resolve(values.resume);
      for (const flag of ['experiment', 'threads', 'reps', 'items', 'cost', 'strategy', 'adaptive', 'seed', 'out'] as const) {
        if (values[flag] !== undefined)
          throw new ValidationError(
            flag,
            values[flag],
            'not with --resume',
            `--${flag} cannot be combined with --resume: a resumed run keeps its plan (see run.json).`,
          );
      }
      prepared = prepareResume(runDir, { maxCostUsd, concurrency: concurrencyFlag });
      const meta = prepared.store.meta;
      resolved = await resolveCliTarget(targetFlagsForResume(meta.target, meta.region, values));
      resolvedForErrors = resolved;
      await checkLambdaReachable(resolved);
      const client = createLambdaClient(resolved, { maxAttempts: SDK_MAX_ATTEMPTS });
      try {
        await checkPlanFunctionsUnchanged(client, prepared);
        const own = meta.ownFunction;
        if (own) {
          const given = loadPayloads(payloadSourcesFromFlags(values.payload ?? [], values['payload-json'] ?? []), process.cwd());
          invocation = await prepareOwnFunctionResume(client, own, meta.experimentId, given, process.cwd());
        } else if (values.payload !== undefined || values['payload-json'] !== undefined) {
          throw new ValidationError(
            'payload',
            undefined,
            'only for a sweep of your own function',
            `--payload only applies when resuming a sweep of your own function; ${runDir} sweeps the template.`,
          );
        }
      } finally {
        client.destroy();
      }
      for (const warning of prepared.warnings) process.stderr.write(`Warning: ${warning}\n`);
      process.stderr.write(`Resuming ${runDir} (${prepared.store.invocations.length} of ${meta.plan.plannedInvocations} invocations already recorded).\n`);
    } else {
      if (values.experiment === undefined)
        throw new ValidationError('experiment', undefined, 'required', '--experiment <id> is required (or --resume <run dir>).');
      if (values.threads === undefined) throw new ValidationError('threads', undefined, 'required', '--threads <list> is required, e.g. --threads 1,2,4.');
      if (values.reps === undefined) throw new ValidationError('reps', undefined, 'required', '--reps <n> is required, e.g. --reps 5.');
      const experimentId = validateExperimentId(values.experiment);
      const threadCounts = parseThreadList(values.threads);
      const repetitions = validateRepetitions(values.reps);
      const items = values.items !== undefined ? validateItems(values.items) : DEFAULT_ITEMS;
      const cost = values.cost !== undefined ? validateCost(values.cost) : DEFAULT_COST;
      // "both" is shorthand for pool,batch: both strategies in one sweep, interleaved like thread counts.
      const strategies =
        values.strategy === undefined
          ? (['pool'] as const).slice()
          : values.strategy.trim().toLowerCase() === 'both'
            ? (['pool', 'batch'] as const).slice()
            : parseStrategyList(values.strategy);
      const targetCi = parseNumber(values['target-ci'], 'target-ci', (n) => n > 0 && n < 1, 'a share between 0 and 1, e.g. 0.02') ?? DEFAULT_TARGET_CI;
      const minReps =
        parseNumber(values['min-reps'], 'min-reps', (n) => Number.isInteger(n) && n >= 2, 'a whole number of at least 2') ?? Math.min(5, repetitions);
      const seed = parseNumber(values.seed, 'seed', (n) => Number.isInteger(n) && n >= 0 && n < 2 ** 32, 'a whole number from 0 to 4294967295');
      // Bounded before any network call: even one deployed function at the most memory must be able to run this.
      const shape = { functions: 1, threadCounts: threadCounts.length, strategies: strategies.length, repetitions };
      const tooBig = planSizeProblem(
        shape,
        roughPlanMs({ memoriesMB: [MEMORY_MAX_MB], threadCounts, strategies: strategies.length, repetitions, items, cost, concurrency: 1 }),
        true,
      );
      if (tooBig) throw new ValidationError('reps', values.reps, 'a plan that can run', `The sweep cannot run: ${tooBig}`);
      const costProblem = costTimeoutProblem({ cost, items, minThreads: Math.min(...threadCounts), minMemoryMB: MEMORY_MAX_MB, timeoutSeconds: TIMEOUT_MAX_S });
      if (costProblem)
        throw new ValidationError(
          'cost',
          values.cost,
          'within the timeout',
          `--cost ${cost} cannot run even at ${MEMORY_MAX_MB} MB with Lambda's longest timeout: ${costProblem}`,
        );
      if (values.adaptive && repetitions < 2) {
        throw new ValidationError(
          'reps',
          values.reps,
          'at least 2 with --adaptive',
          '--adaptive needs --reps of at least 2 (the most repetitions it may take).',
        );
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
      retryErrors: values['retry-errors'] === true,
      invocation,
    });
    if (values.json) process.stdout.write(`${JSON.stringify({ runDir: prepared.store.runDir, ...outcome }, null, 2)}\n`);
    if (outcome.status === 'cancelled') return outcome.signal ? 128 + (os.constants.signals[outcome.signal] ?? 2) : 130;
    if (outcome.status !== 'completed') return 1;
    return outcome.errors > 0 ? EXIT_SWEEP_ERRORS : 0;
  } catch (error) {
    // SDK errors (credentials, network, access) get the same explained message as deploy's.
    const message =
      error instanceof ValidationError || error instanceof CopyRefusedError
        ? error.message
        : toTargetError(error, resolvedForErrors ? errorContextOf(resolvedForErrors) : {}).message;
    process.stderr.write(`lambda-lab sweep: ${message}\n`);
    return error instanceof ValidationError || error instanceof CopyRefusedError ? 2 : 1;
  } finally {
    // Also when checks between opening the run and sweeping it failed; releasing twice is harmless.
    prepared?.store.close();
  }
}

function refuseFlag(message: string): number {
  process.stderr.write(`lambda-lab sweep: ${message}\n`);
  return 2;
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
  retryErrors?: boolean;
  /** Payloads and records for a function that is not the template. */
  invocation?: InvocationAdapter;
}

/** Signals that cancel a sweep the way Ctrl-C does: a closed terminal (SIGHUP) or `kill` (SIGTERM). */
export const CANCEL_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

/**
 * Runs a prepared sweep with terminal progress, cancellation on Ctrl-C / SIGTERM / SIGHUP (the run
 * stays resumable, status cancelled, its lock released) and a cost confirmation prompt.
 */
export async function runWithTerminal(
  prepared: PreparedSweep,
  resolved: ResolvedTarget,
  options: TerminalRunOptions,
): Promise<SweepOutcome & { signal?: NodeJS.Signals }> {
  const controller = new AbortController();
  let firstSignal: NodeJS.Signals | undefined;
  const onSignal = (signal: NodeJS.Signals) => {
    if (firstSignal) {
      // A second signal: quit at once. The 'exit' hook still removes run.lock.
      process.exit(128 + (os.constants.signals[firstSignal] ?? 2));
    }
    firstSignal = signal;
    // After SIGHUP the terminal may be gone: writing to it must not crash the cancellation.
    if (signal === 'SIGHUP') process.stderr.on('error', () => {});
    process.stderr.write(`\nCancelling (${signal}): waiting for invocations in flight (Ctrl-C again to quit at once)...\n`);
    controller.abort();
  };
  for (const signal of CANCEL_SIGNALS) process.on(signal, onSignal);
  const client = createLambdaClient(resolved, { maxAttempts: SDK_MAX_ATTEMPTS });
  const bills = targetBills(resolved);
  let lastProgressLine = 0;
  let lastPrintedDone = -1;
  try {
    const outcome = await executeSweep(prepared, {
      client,
      signal: controller.signal,
      createSampler: createSamplerForSweep,
      log: options.quiet ? undefined : (line) => process.stderr.write(`${line}\n`),
      retryErrors: options.retryErrors,
      invocation: options.invocation,
      confirmCost: async (estimate) => confirmInTerminal(estimate, { bills, ...options }),
      onProgress: (progress) => {
        // Verbose mode logs every invocation, so progress lines there only mark the phases;
        // quiet mode prints one every few seconds and at the end.
        if (progress.done === lastPrintedDone) return;
        if (!options.quiet && progress.last) return;
        if (options.quiet && progress.done !== progress.total && Date.now() - lastProgressLine < 5000) return;
        lastProgressLine = Date.now();
        lastPrintedDone = progress.done;
        process.stderr.write(`${progressLine(progress, { bills })}\n`);
      },
    });
    process.stderr.write(`${outcomeSummary(outcome, prepared.store.runDir, { bills })}\n`);
    return firstSignal ? { ...outcome, signal: firstSignal } : outcome;
  } finally {
    for (const signal of CANCEL_SIGNALS) process.off(signal, onSignal);
    client.destroy();
    prepared.store.close();
  }
}

async function confirmInTerminal(estimate: SweepCostEstimate, options: { bills: boolean; yes: boolean; confirmAboveUsd: number }): Promise<boolean> {
  const line = `${estimate.invocations} invocation(s), estimated ${formatUsd(estimate.estimatedUsd)} (at most ${formatUsd(estimate.maxUsd)})`;
  if (!options.bills) {
    process.stderr.write(`Plan: ${line} if this ran on AWS; this target does not bill.\n`);
    return true;
  }
  process.stderr.write(`Plan: ${line}, billed at AWS prices.\n`);
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

/** One progress line; `bills` says whether the cost is billed or what the run would cost on AWS. */
export function progressLine(progress: SweepProgress, options: { bills: boolean }): string {
  const eta = progress.etaMs === null ? '' : `, ETA ${formatDuration(progress.etaMs)}`;
  return `[${progress.done}/${progress.total}] ${runningCost(progress.costUsd, options.bills)}, ${progress.errors} error(s), ${progress.retries} retr${progress.retries === 1 ? 'y' : 'ies'}${eta}`;
}

/** The CLI's next step for why a sweep stopped, in flags (VS Code words the same reasons with its own actions). */
export function cliStopAdvice(reason: SweepStopReason | null, runDir: string): string {
  const resume = `lambda-lab sweep --resume ${runDir}`;
  switch (reason?.kind) {
    case undefined:
      return '';
    case 'costCeiling':
      return `Resume with a higher limit to ${reason.beforePilot ? 'run' : 'finish'}: ${resume} --max-cost-usd <dollars>`;
    case 'notConfirmed':
      return `To spend it, resume with: ${resume} --yes (or set a ceiling with --max-cost-usd <dollars>)`;
    case 'pilotFailedEarlier':
      return `If that was a passing problem: ${resume} --retry-errors; otherwise fix the function, redeploy it and start a new sweep.`;
    case 'pilotFailed':
      return 'Fix the function (try it locally: node run-local.mjs in the scaffolded folder), redeploy it and start a new sweep.';
    case 'functionFailed':
      return 'Check the function works with this payload (invoke it once yourself), then start a new sweep; the copies stay until: lambda-lab cleanup --experiment <id>.';
    case 'functionNotFound':
      return '';
    case 'endpointUnreachable':
      return `Check the endpoint is running and reachable (lambda-lab endpoint status), then: ${resume}`;
    case 'cancelled':
    case 'unexpected':
      return `Resume with: ${resume}`;
  }
}

export function outcomeSummary(outcome: SweepOutcome, runDir: string, options: { bills: boolean }): string {
  const head =
    outcome.status === 'completed'
      ? `Sweep completed: ${outcome.done}/${outcome.total} invocations`
      : `Sweep ${outcome.status}: ${outcome.done}/${outcome.total} invocations recorded. ${outcome.statusReason ?? ''}`.trim();
  const advice = cliStopAdvice(outcome.stopReason, runDir);
  const costWording = options.bills ? 'as billed' : 'what it would cost on AWS; this target does not bill';
  const retried = outcome.retriedErrors > 0 ? ` (${outcome.retriedErrors} earlier error(s) run again)` : '';
  // Resuming skips invocations that ended in an error unless asked: say so, or they stay errors silently.
  const errorsKept =
    outcome.errors > 0
      ? `\n${outcome.errors} planned invocation(s) ended in an error (exit code ${EXIT_SWEEP_ERRORS}). Resume does not retry them unless asked; to run them again: lambda-lab sweep --resume ${runDir} --retry-errors`
      : '';
  return `${head}\n${outcome.errors} error(s)${retried}, ${outcome.retries} retr${outcome.retries === 1 ? 'y' : 'ies'}, cost ${formatUsd(outcome.costUsd)} (${costWording}).\nResults: ${runDir}${advice ? `\n${advice}` : ''}${errorsKept}`;
}

export function formatDuration(ms: number): string {
  const seconds = Math.round(ms / 1000);
  if (seconds < 60) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes}m${String(seconds % 60).padStart(2, '0')}s`;
  return `${Math.floor(minutes / 60)}h${String(minutes % 60).padStart(2, '0')}m`;
}

export const sweepCli = { summary: 'Run or resume a timed sweep over thread counts (and strategies)', run };
