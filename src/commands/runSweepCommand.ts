// "Lambda Lab: Run Sweep": first checks that an experiment is deployed on the target (offering
// Deploy when none is), then asks what matters step by step with Back (runSweepWizard.ts) and shows
// the plan; estimates the cost (confirm above lambdaLab.confirmCostAboveUsd on AWS), then runs with
// a cancellable progress notification (done/total, ETA, cost so far), progress on the run's node in
// the Lambda Lab view, and a readable log in the output channel.
// The view and tests pass an argument object: each field given skips its question.
import { scanRunFolders } from '../runs/runFolders';
import * as vscode from 'vscode';
import * as path from 'node:path';
import * as os from 'node:os';
import * as fs from 'node:fs';
import type { LambdaClient } from '@aws-sdk/client-lambda';
import { createLambdaClient, type ResolvedTarget, type TargetChoice } from '../aws/lambdaTarget';
import { formatUsd, type SweepCostEstimate } from '../core/costEstimate';
import { sweepProgressMessage } from './sweepProgressWording';
import type { Strategy } from '../core/experimentConfig';
import type { ExperimentFunctionIdentity } from '../core/experimentNaming';
import { parseStrategyList, parseThreadList, validateCost, validateExperimentId, validateItems, validateRepetitions } from '../core/experimentValidation';
import { listExperimentFunctions } from '../deploy/deployer';
import { INVOCATIONS_FILE, parseInvocationsJsonl } from '../core/runFiles';
import { targetBills } from '../core/targetBilling';
import { inspectRunLock, lockedMessage } from '../sweep/runLock';
import { createSamplerForSweep } from '../sweep/adaptiveSamplerFactory';
import { runsFolder } from '../sweep/runStore';
import { SDK_MAX_ATTEMPTS, type InvocationAdapter, type SweepOutcome } from '../sweep/sweepEngine';
import { prepareOwnFunctionResume } from '../ownFunction/ownFunctionSession';
import { vscodeStopAdvice } from './sweepStopWording';
import { checkPlanFunctionsUnchanged, describeTargetForRun, executeSweep, prepareNewSweep, prepareResume, type PreparedSweep } from '../sweep/sweepSession';
import { outputLog, type OutputLog } from '../outputLog';
import { resolveTargetForCommand } from '../target/commandTarget';
import { LAST_EXPERIMENT_KEY } from './experimentPrompt';
import { runRefiningSweep } from './refineMemorySweep';
import { askSweepChoices } from './runSweepWizard';
import { inVsCodeWords } from './vsCodeWording';
import { listDeployedFunctions } from '../views/experimentsModel';
import { sweepProgress } from '../views/sweepProgress';
import { abortSignalFor } from '../sweep/cancellationSignal';

export const RUN_SWEEP_COMMAND = 'lambdaLab.runSweep';

/** What the pickers would ask; any field given here skips its picker. */
export interface RunSweepArgs {
  experimentId?: string;
  /** Default: the configured target (status bar / settings). */
  target?: TargetChoice;
  threads?: number[] | string;
  repetitions?: number;
  items?: number;
  cost?: number;
  strategies?: Strategy[] | string;
  concurrency?: number;
  /** Resume this run folder instead of starting a new run. */
  resumeDir?: string;
  /** With resumeDir: also run again the invocations that ended in an error (like --retry-errors). */
  retryErrors?: boolean;
  /** Folder that receives `<run-id>/` (default: <workspace>/.lambda-lab/runs). */
  runsDir?: string;
  adaptive?: boolean;
  targetCi?: number;
  seed?: number;
  /** Overrides lambdaLab.maxCostUsd for this run. */
  maxCostUsd?: number | null;
  /** Choose the memory sizes: deploy and sweep only where the knee can be (src/commands/refineMemorySweep.ts). */
  refineMemory?: boolean;
  resolutionMB?: number;
  templateDir?: string;
  roleArn?: string;
  createRole?: boolean;
}

export interface RunSweepResult {
  runDir: string;
  outcome: SweepOutcome;
}

export function registerRunSweepCommand(context: vscode.ExtensionContext): void {
  context.subscriptions.push(
    vscode.commands.registerCommand(RUN_SWEEP_COMMAND, async (args?: RunSweepArgs): Promise<RunSweepResult | undefined> => {
      const log = outputLog();
      try {
        return await runSweepCommand(context, log, args ?? {});
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        if (error instanceof NothingDeployedError) {
          log.warn(message);
          void offerDeploy(error);
          if (args) throw error;
          return undefined;
        }
        log.error(`Run Sweep failed: ${message}`);
        void vscode.window.showErrorMessage(`Lambda Lab: ${inVsCodeWords(message)}`, 'Show Log').then((b) => b && log.show());
        if (args) throw error; // a test (or another command) gets the error too
        return undefined;
      }
    }),
  );
}

async function runSweepCommand(context: vscode.ExtensionContext, log: OutputLog, args: RunSweepArgs): Promise<RunSweepResult | undefined> {
  const settings = vscode.workspace.getConfiguration('lambdaLab');
  const resolved = await resolveTargetForCommand(context, { appendLine: (line) => log.info(line) }, ...(args.target ? [args.target] : []));
  if (!resolved) return undefined;
  const client = createLambdaClient(resolved, { maxAttempts: SDK_MAX_ATTEMPTS });
  // Holds the run folder's lock from opening to the end of the sweep; released in finally.
  let preparedForCleanup: PreparedSweep | undefined;
  try {
    const maxCostSetting = settings.get<number | null>('maxCostUsd', null);
    const maxCostUsd = args.maxCostUsd !== undefined ? args.maxCostUsd : typeof maxCostSetting === 'number' && maxCostSetting > 0 ? maxCostSetting : null;
    let prepared: PreparedSweep;
    let invocation: InvocationAdapter | undefined;
    const runsDir = args.runsDir ?? defaultRunsDir(context);
    if (args.refineMemory) {
      const refined = await runRefiningSweep({
        args: { ...args, maxCostUsd },
        resolved,
        client,
        runsDir,
        workspaceDir: vscode.workspace.workspaceFolders?.[0]?.uri.fsPath ?? process.cwd(),
        log: (line) => log.info(line),
      });
      void openResultsView(refined.runDir);
      return refined;
    }
    // Before asking anything: is there something to sweep on this target?
    const deployed = args.resumeDir ? undefined : await deployedExperiments(client, args.experimentId, resolved.label);
    const offered = args.resumeDir
      ? { dir: args.resumeDir, retryErrors: args.retryErrors === true }
      : Object.keys(args).length === 0
        ? await offerResume(runsDir)
        : undefined;
    if (offered === null) return undefined;
    const resumeDir = offered?.dir;
    const retryErrors = offered?.retryErrors === true;
    if (resumeDir) {
      prepared = prepareResume(resumeDir, { maxCostUsd: args.maxCostUsd !== undefined ? args.maxCostUsd : undefined, concurrency: args.concurrency });
      preparedForCleanup = prepared;
      for (const warning of prepared.warnings) log.warn(warning);
      await checkPlanFunctionsUnchanged(client, prepared);
      // A sweep of your own function: its payloads are read again (checked by SHA-256) and the original's code hash checked.
      const own = prepared.store.meta.ownFunction;
      if (own)
        invocation = await prepareOwnFunctionResume(
          client,
          own,
          prepared.store.meta.experimentId,
          [],
          vscode.workspace.workspaceFolders?.[0]?.uri.fsPath ?? process.cwd(),
        );
    } else {
      const concurrency = args.concurrency ?? (resolved.target.kind === 'aws' ? 4 : 1);
      const choice = await pickSweep(context, client, args, deployed!, {
        concurrency,
        region: resolved.region,
        targetBills: targetBills(resolved),
        targetLabel: resolved.label,
        defaultTargetCi: settings.get<number>('targetCi', 0.02),
      });
      if (!choice) return undefined;
      if (choice.adaptive && choice.repetitions < 2)
        throw new Error('Adaptive sampling needs at least 2 repetitions (the most it may take per configuration).');
      prepared = await prepareNewSweep(
        client,
        {
          experimentId: choice.experimentId,
          threadCounts: choice.threadCounts,
          repetitions: choice.repetitions,
          items: choice.items,
          cost: choice.cost,
          strategies: choice.strategies,
          concurrency,
          runsDir,
          maxCostUsd,
          adaptive: choice.adaptive ? { targetRelativeHalfWidth: choice.targetCi, minRepetitions: Math.min(5, Math.max(2, choice.repetitions)) } : null,
          seed: args.seed,
        },
        describeTargetForRun(resolved),
      );
      preparedForCleanup = prepared;
    }
    const runDir = prepared.store.runDir;
    const meta = prepared.store.meta;
    log.info(`${prepared.resumed ? 'Resuming' : 'Starting'} sweep of experiment "${meta.experimentId}" on ${resolved.label}`);
    log.info(
      `  threads ${meta.plan.threadCounts.join(', ')}; ${meta.plan.repetitions} repetitions; ${meta.plan.strategies.join(', ')}; ${meta.plan.items} items at cost ${meta.plan.cost}; seed ${meta.seed}`,
    );
    log.info(`  run folder: ${runDir}`);
    void openResultsView(runDir);
    sweepProgress.report(runDir, { done: 0, total: meta.plan.plannedInvocations, errors: 0 });
    // On a target that does not bill, the running cost is what the same invocations would cost on AWS.
    const bills = targetBills(resolved);

    const outcome = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `Lambda Lab: sweeping "${meta.experimentId}"`, cancellable: true },
      async (progress, token) => {
        const cancellation = abortSignalFor(token);
        let lastFraction = 0;
        try {
          return await executeSweep(prepared, {
            client,
            signal: cancellation.signal,
            createSampler: createSamplerForSweep,
            retryErrors,
            invocation,
            log: (line) => log.info(`  ${line}`),
            confirmCost: (estimate) => confirmCost(estimate, resolved, settings.get<number>('confirmCostAboveUsd', 0.5)),
            onProgress: (p) => {
              const fraction = p.total > 0 ? p.done / p.total : 0;
              progress.report({
                message: sweepProgressMessage(p, bills),
                increment: Math.max(0, (fraction - lastFraction) * 100),
              });
              lastFraction = fraction;
              sweepProgress.report(runDir, { done: p.done, total: p.total, errors: p.errors });
            },
          });
        } finally {
          cancellation.dispose();
        }
      },
    );
    log.info(
      `Sweep ${outcome.status}: ${outcome.done}/${outcome.total} invocations, ${outcome.errors} errors${outcome.retriedErrors ? ` (${outcome.retriedErrors} earlier errors run again)` : ''}, ${outcome.retries} retries, ` +
        `${formatUsd(outcome.costUsd)}${targetBills(resolved) ? ' as billed' : ' if this ran on AWS (this target does not bill)'}${outcome.statusReason ? ` — ${outcome.statusReason}` : ''}`,
    );
    const advice = vscodeStopAdvice(outcome);
    if (advice) log.info(advice);
    if (outcome.status === 'completed') {
      const cost = targetBills(resolved) ? formatUsd(outcome.costUsd) : `${formatUsd(outcome.costUsd)} if run on AWS`;
      const summary =
        outcome.errors > 0
          ? `Lambda Lab: sweep completed with errors (${outcome.done} invocations, ${cost}). ${advice}`
          : `Lambda Lab: sweep completed (${outcome.done} invocations, ${cost}).`;
      void (outcome.errors > 0 ? vscode.window.showWarningMessage(summary, 'Show Results') : vscode.window.showInformationMessage(summary, 'Show Results'))
        .then((button) => button && vscode.commands.executeCommand('lambdaLab.showResults', { runDir }))
        .then(undefined, () => undefined);
    } else if (outcome.status === 'cancelled') {
      void vscode.window
        .showInformationMessage(`Lambda Lab: sweep cancelled after ${outcome.done} of ${outcome.total} invocations; the run can be resumed.`, 'Resume')
        .then((button) => button && vscode.commands.executeCommand('lambdaLab.runSweep', { resumeDir: runDir }))
        .then(undefined, () => undefined); // Run Sweep shows its own errors
    } else {
      const settingsButton = outcome.status === 'stopped-max-cost' ? ['Open Settings'] : [];
      void vscode.window
        .showWarningMessage(`Lambda Lab: sweep ${outcome.status}: ${`${outcome.statusReason ?? ''} ${advice}`.trim()}`, ...settingsButton, 'Resume')
        .then((button) => {
          if (button === 'Open Settings') return vscode.commands.executeCommand('workbench.action.openSettings', 'lambdaLab.maxCostUsd');
          if (button === 'Resume') return vscode.commands.executeCommand('lambdaLab.runSweep', { resumeDir: runDir });
          return undefined;
        })
        .then(undefined, () => undefined);
    }
    return { runDir, outcome };
  } finally {
    preparedForCleanup?.store.close();
    // After close: the view then reads the run's final run.json.
    if (preparedForCleanup) sweepProgress.finish(preparedForCleanup.store.runDir);
    client.destroy();
  }
}

interface SweepChoice {
  experimentId: string;
  threadCounts: number[];
  repetitions: number;
  adaptive: boolean;
  targetCi: number;
  items: number;
  cost: number;
  strategies: Strategy[];
}

/** No experiment (or not this one) is deployed on the target: the message offers Deploy instead. */
class NothingDeployedError extends Error {
  constructor(
    readonly experimentId: string | undefined,
    targetLabel: string,
  ) {
    super(
      experimentId
        ? `Experiment "${experimentId}" has no functions on ${targetLabel}. Deploy it first, or select the target it was deployed to.`
        : `No experiment is deployed on ${targetLabel}. Deploy one first, or select the target your experiment is on.`,
    );
    this.name = 'NothingDeployedError';
  }
}

async function offerDeploy(error: NothingDeployedError): Promise<void> {
  const button = await vscode.window.showWarningMessage(`Lambda Lab: ${error.message}`, 'Deploy', 'Select Target');
  if (button === 'Deploy')
    await Promise.resolve(vscode.commands.executeCommand('lambdaLab.deploy', error.experimentId ? { experimentId: error.experimentId } : undefined)).catch(
      () => undefined,
    );
  if (button === 'Select Target') await vscode.commands.executeCommand('lambdaLab.selectTarget');
}

/** The experiments deployed on the target (only `experimentId` when given); throws NothingDeployedError when there are none. */
async function deployedExperiments(
  client: LambdaClient,
  experimentId: string | undefined,
  targetLabel: string,
): Promise<Map<string, ExperimentFunctionIdentity[]>> {
  if (experimentId !== undefined) {
    const id = validateExperimentId(experimentId);
    const functions = await listExperimentFunctions(client, id);
    if (functions.length === 0) throw new NothingDeployedError(id, targetLabel);
    return new Map([[id, functions]]);
  }
  const byExperiment = await listDeployedFunctions(client);
  if (byExperiment.size === 0) throw new NothingDeployedError(undefined, targetLabel);
  return byExperiment;
}

async function pickSweep(
  context: vscode.ExtensionContext,
  client: LambdaClient,
  args: RunSweepArgs,
  deployed: Map<string, ExperimentFunctionIdentity[]>,
  wizard: { concurrency: number; region: string; targetBills: boolean; targetLabel: string; defaultTargetCi: number },
): Promise<SweepChoice | undefined> {
  const experimentId = args.experimentId !== undefined ? validateExperimentId(args.experimentId) : await pickExperiment(context, deployed);
  if (!experimentId) return undefined;
  await context.workspaceState.update(LAST_EXPERIMENT_KEY, experimentId);
  // Tags are the source of truth for which functions belong to the experiment (names may be reused).
  const functions = args.experimentId !== undefined ? deployed.get(experimentId)! : await listExperimentFunctions(client, experimentId);
  if (functions.length === 0) throw new NothingDeployedError(experimentId, wizard.targetLabel);
  const answers = await askSweepChoices(
    {
      threadCounts:
        args.threads === undefined ? undefined : Array.isArray(args.threads) ? parseThreadList(args.threads.join(',')) : parseThreadList(args.threads),
      repetitions: args.repetitions === undefined ? undefined : validateRepetitions(args.repetitions),
      adaptive: args.adaptive,
      targetCi: args.targetCi,
      items: args.items === undefined ? undefined : validateItems(args.items),
      cost: args.cost === undefined ? undefined : validateCost(args.cost),
      strategies:
        args.strategies === undefined
          ? undefined
          : Array.isArray(args.strategies)
            ? parseStrategyList(args.strategies.join(','))
            : parseStrategyList(args.strategies),
    },
    { experimentId, functions, ...wizard },
  );
  return answers ? { experimentId, ...answers } : undefined;
}

/** The one deployed experiment, or the user's pick among several (the last used first). */
async function pickExperiment(context: vscode.ExtensionContext, deployed: Map<string, ExperimentFunctionIdentity[]>): Promise<string | undefined> {
  const ids = [...deployed.keys()];
  if (ids.length === 1) return ids[0];
  const last = context.workspaceState.get<string>(LAST_EXPERIMENT_KEY);
  ids.sort((a, b) => (a === last ? -1 : b === last ? 1 : a.localeCompare(b)));
  const picked = await vscode.window.showQuickPick(
    ids.map((id) => {
      const count = deployed.get(id)!.length;
      return { label: id, description: `${count} function${count === 1 ? '' : 's'}${id === last ? ' · last used' : ''}` };
    }),
    { title: 'Run Sweep: experiment', placeHolder: 'Which deployed experiment should be swept?' },
  );
  return picked?.label;
}

async function confirmCost(estimate: SweepCostEstimate, resolved: ResolvedTarget, confirmAboveUsd: number): Promise<boolean> {
  if (!targetBills(resolved)) return true; // the built-in endpoint and endpoints on this machine do not bill
  if (estimate.maxUsd <= confirmAboveUsd) return true;
  const answer = await vscode.window.showWarningMessage(
    `This sweep makes ${estimate.invocations} invocations and is estimated to cost ${formatUsd(estimate.estimatedUsd)} (at most ${formatUsd(estimate.maxUsd)}), above your limit for asking (${formatUsd(confirmAboveUsd)}, setting lambdaLab.confirmCostAboveUsd).`,
    { modal: true, detail: `Estimate ${estimate.basis}.` },
    'Run Sweep',
  );
  return answer === 'Run Sweep';
}

/**
 * When earlier runs in this workspace did not finish, asks whether to resume one (optionally
 * retrying its failed invocations). Runs being swept right now by another process (run.lock) are
 * shown as in progress and cannot be picked for resuming.
 * Returns the choice, undefined for a new sweep, or null when the user dismissed the pick.
 */
async function offerResume(runsDir: string): Promise<{ dir: string; retryErrors: boolean } | undefined | null> {
  const unfinished = scanRunFolders(runsDir)
    .flatMap((run) => {
      try {
        const meta = run.meta;
        if (!meta || meta.status === 'completed' || !run.hasInvocations) return [];
        const { records } = parseInvocationsJsonl(fs.readFileSync(path.join(run.dir, INVOCATIONS_FILE), 'utf8'));
        const lock = inspectRunLock(run.dir);
        return [
          {
            dir: run.dir,
            meta,
            recorded: records.length,
            errors: records.filter((r) => r.error !== null).length,
            sweptBy: lock.state === 'held' ? lock.owner : undefined,
          },
        ];
      } catch {
        return [];
      }
    })
    .sort((a, b) => String(b.meta.startedAt).localeCompare(String(a.meta.startedAt)))
    .slice(0, 5);
  if (unfinished.length === 0) return undefined;
  type Item = vscode.QuickPickItem & { dir?: string; retryErrors?: boolean; busy?: string };
  const items: Item[] = [{ label: '$(add) New sweep…' }];
  for (const u of unfinished) {
    const progress = `${u.recorded}/${u.meta.plan.plannedInvocations} recorded`;
    if (u.sweptBy !== undefined) {
      items.push({
        label: `$(sync~spin) ${u.meta.runId} — in progress`,
        description: `${progress}, being swept by ${u.sweptBy ? `process ${u.sweptBy.pid}` : 'another process'}`,
        busy: lockedMessage(u.dir, u.sweptBy),
      });
      continue;
    }
    items.push({
      label: `$(debug-restart) Resume ${u.meta.runId}`,
      description: `${u.meta.status}, ${progress}${u.errors ? `, ${u.errors} failed (not retried)` : ''}`,
      detail: u.meta.statusReason ?? undefined,
      dir: u.dir,
      retryErrors: false,
    });
    if (u.errors > 0) {
      items.push({
        label: `$(debug-restart) Resume ${u.meta.runId} and retry failed invocations`,
        description: `runs its ${u.errors} failed invocation(s) again`,
        dir: u.dir,
        retryErrors: true,
      });
    }
  }
  const picked = await vscode.window.showQuickPick(items, { title: 'Run Sweep', placeHolder: 'Start a new sweep or finish an interrupted one' });
  if (!picked) return null;
  if (picked.busy) {
    void vscode.window.showInformationMessage(`Lambda Lab: ${picked.busy}`);
    return null;
  }
  return picked.dir ? { dir: picked.dir, retryErrors: picked.retryErrors === true } : undefined;
}

function defaultRunsDir(context: vscode.ExtensionContext): string {
  const folder = vscode.workspace.workspaceFolders?.[0];
  if (folder && folder.uri.scheme === 'file') return runsFolder(folder.uri.fsPath);
  return path.join(context.globalStorageUri.scheme === 'file' ? context.globalStorageUri.fsPath : os.tmpdir(), 'runs');
}

/** Opens the results view on the run as it starts; it updates as records arrive. */
async function openResultsView(runDir: string): Promise<void> {
  try {
    await vscode.commands.executeCommand('lambdaLab.showResults', { runDir, offerCompare: false });
  } catch {
    // The results view is optional here; the run folder is in the output channel.
  }
}
