// "Lambda Lab: Run Sweep": pick the experiment, thread counts and repetitions, estimate the cost
// (confirm above lambdaLab.confirmCostAboveUsd on AWS), then run with a cancellable progress
// notification (done/total, ETA, cost so far) and a readable log in the output channel.
// Tests drive it with an argument object that replaces the pickers; everything else runs as for a user.
import { scanRunFolders } from '../runs/runFolders';
import * as vscode from 'vscode';
import * as path from 'node:path';
import * as os from 'node:os';
import * as fs from 'node:fs';
import { ListFunctionsCommand, type LambdaClient } from '@aws-sdk/client-lambda';
import { createLambdaClient, type ResolvedTarget, type TargetChoice } from '../aws/lambdaTarget';
import { formatUsd, type SweepCostEstimate } from '../core/costEstimate';
import type { Strategy } from '../core/experimentConfig';
import { FUNCTION_NAME_PREFIX } from '../core/experimentNaming';
import { parseStrategyList, parseThreadList, validateCost, validateExperimentId, validateItems, validateRepetitions } from '../core/experimentValidation';
import { INVOCATIONS_FILE, parseInvocationsJsonl } from '../core/runFiles';
import { targetBills } from '../core/targetBilling';
import { inspectRunLock, lockedMessage, type RunLockOwner } from '../sweep/runLock';
import { createSamplerForSweep } from '../sweep/adaptiveSamplerFactory';
import { runsFolder } from '../sweep/runStore';
import { SDK_MAX_ATTEMPTS, type SweepOutcome } from '../sweep/sweepEngine';
import { vscodeStopAdvice } from './sweepStopWording';
import { checkPlanFunctionsUnchanged, describeTargetForRun, executeSweep, prepareNewSweep, prepareResume, type PreparedSweep } from '../sweep/sweepSession';
import { outputLog, type OutputLog } from '../outputLog';
import { resolveTargetForCommand } from '../target/commandTarget';
import { LAST_EXPERIMENT_KEY, askExperimentId } from './experimentPrompt';
import { runRefiningSweep } from './refineMemorySweep';

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
        log.error(`Run Sweep failed: ${message}`);
        void vscode.window.showErrorMessage(`Lambda Lab: ${message}`, 'Show Log').then((b) => b && log.show());
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
    const runsDir = args.runsDir ?? defaultRunsDir(context);
    if (args.refineMemory) {
      const refined = await runRefiningSweep({ args: { ...args, maxCostUsd }, resolved, client, runsDir, workspaceDir: vscode.workspace.workspaceFolders?.[0]?.uri.fsPath ?? process.cwd(), log: (line) => log.info(line) });
      void openResultsView(refined.runDir);
      return refined;
    }
    const offered = args.resumeDir ? { dir: args.resumeDir, retryErrors: args.retryErrors === true } : Object.keys(args).length === 0 ? await offerResume(runsDir) : undefined;
    if (offered === null) return undefined;
    const resumeDir = offered?.dir;
    const retryErrors = offered?.retryErrors === true;
    if (resumeDir) {
      prepared = prepareResume(resumeDir, { maxCostUsd: args.maxCostUsd !== undefined ? args.maxCostUsd : undefined, concurrency: args.concurrency });
      preparedForCleanup = prepared;
      for (const warning of prepared.warnings) log.warn(warning);
      await checkPlanFunctionsUnchanged(client, prepared);
    } else {
      const choice = await pickSweep(context, client, args);
      if (!choice) return undefined;
      if (args.adaptive && choice.repetitions < 2) throw new Error('Adaptive sampling needs at least 2 repetitions (the most it may take per configuration).');
      prepared = await prepareNewSweep(
        client,
        {
          ...choice,
          concurrency: args.concurrency ?? (resolved.target.kind === 'aws' ? 4 : 1),
          runsDir,
          maxCostUsd,
          adaptive: args.adaptive ? { targetRelativeHalfWidth: args.targetCi ?? settings.get<number>('targetCi', 0.02), minRepetitions: Math.min(5, Math.max(2, choice.repetitions)) } : null,
          seed: args.seed,
        },
        describeTargetForRun(resolved),
      );
      preparedForCleanup = prepared;
    }
    const runDir = prepared.store.runDir;
    const meta = prepared.store.meta;
    log.info(`${prepared.resumed ? 'Resuming' : 'Starting'} sweep of experiment "${meta.experimentId}" on ${resolved.label}`);
    log.info(`  threads ${meta.plan.threadCounts.join(', ')}; ${meta.plan.repetitions} repetitions; ${meta.plan.strategies.join(', ')}; ${meta.plan.items} items at cost ${meta.plan.cost}; seed ${meta.seed}`);
    log.info(`  run folder: ${runDir}`);
    void openResultsView(runDir);

    const outcome = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `Lambda Lab: sweeping "${meta.experimentId}"`, cancellable: true },
      async (progress, token) => {
        const controller = new AbortController();
        const subscription = token.onCancellationRequested(() => controller.abort());
        let lastFraction = 0;
        try {
          return await executeSweep(prepared, {
            client,
            signal: controller.signal,
            createSampler: createSamplerForSweep,
            retryErrors,
            log: (line) => log.info(`  ${line}`),
            confirmCost: (estimate) => confirmCost(estimate, resolved, settings.get<number>('confirmCostAboveUsd', 0.5)),
            onProgress: (p) => {
              const fraction = p.total > 0 ? p.done / p.total : 0;
              const eta = p.etaMs === null ? '' : ` · ETA ${formatEta(p.etaMs)}`;
              progress.report({ message: `${p.done}/${p.total}${eta} · ${formatUsd(p.costUsd)} so far${p.errors ? ` · ${p.errors} errors` : ''}`, increment: Math.max(0, (fraction - lastFraction) * 100) });
              lastFraction = fraction;
            },
          });
        } finally {
          subscription.dispose();
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
      if (outcome.errors > 0) void vscode.window.showWarningMessage(`Lambda Lab: sweep completed with errors (${outcome.done} invocations, ${formatUsd(outcome.costUsd)}). ${advice}`);
      else void vscode.window.showInformationMessage(`Lambda Lab: sweep completed (${outcome.done} invocations, ${formatUsd(outcome.costUsd)}).`);
    } else if (outcome.status === 'cancelled') {
      void vscode.window.showInformationMessage(`Lambda Lab: sweep cancelled after ${outcome.done} of ${outcome.total} invocations. Run "Run Sweep" with the run folder to resume.`);
    } else {
      void vscode.window.showWarningMessage(`Lambda Lab: sweep ${outcome.status}: ${outcome.statusReason ?? ''} ${advice}`.trim());
    }
    return { runDir, outcome };
  } finally {
    preparedForCleanup?.store.close();
    client.destroy();
  }
}

interface SweepChoice {
  experimentId: string;
  threadCounts: number[];
  repetitions: number;
  items: number;
  cost: number;
  strategies: Strategy[];
}

async function pickSweep(context: vscode.ExtensionContext, client: LambdaClient, args: RunSweepArgs): Promise<SweepChoice | undefined> {
  const experimentId = args.experimentId !== undefined ? validateExperimentId(args.experimentId) : await pickExperiment(context, client);
  if (!experimentId) return undefined;
  await context.workspaceState.update(LAST_EXPERIMENT_KEY, experimentId);
  let threadCounts: number[] | undefined;
  if (args.threads !== undefined) threadCounts = Array.isArray(args.threads) ? parseThreadList(args.threads.join(',')) : parseThreadList(args.threads);
  else {
    const picked = await vscode.window.showQuickPick(
      [
        { label: '1, 2, 4', description: 'quick' },
        { label: '1, 2, 3, 4, 5, 6', description: 'every count up to Lambda’s 6 vCPUs' },
        { label: '1, 2, 4, 8, 16', description: 'powers of two' },
        { label: 'Other…', description: 'type a list' },
      ],
      { title: 'Run Sweep: thread counts', placeHolder: 'Which thread counts should each function run with?' },
    );
    if (!picked) return undefined;
    const text =
      picked.label === 'Other…'
        ? await vscode.window.showInputBox({ title: 'Run Sweep: thread counts', prompt: 'Comma-separated, 1..64', value: '1,2,4', validateInput: (v) => validationMessage(() => parseThreadList(v)) })
        : picked.label;
    if (text === undefined) return undefined;
    threadCounts = parseThreadList(text);
  }
  let repetitions: number;
  if (args.repetitions !== undefined) repetitions = validateRepetitions(args.repetitions);
  else {
    const text = await vscode.window.showInputBox({ title: 'Run Sweep: repetitions', prompt: 'Repetitions per (memory, threads) configuration', value: '5', validateInput: (v) => validationMessage(() => validateRepetitions(v)) });
    if (text === undefined) return undefined;
    repetitions = validateRepetitions(text);
  }
  const strategies = args.strategies === undefined ? (['pool'] as Strategy[]) : Array.isArray(args.strategies) ? parseStrategyList(args.strategies.join(',')) : parseStrategyList(args.strategies);
  return {
    experimentId,
    threadCounts,
    repetitions,
    items: validateItems(args.items ?? 20),
    cost: validateCost(args.cost ?? 10),
    strategies,
  };
}

/** Experiments found by their function names (llab-<id>-<memory>-<arch>); typed in if none. */
async function pickExperiment(context: vscode.ExtensionContext, client: LambdaClient): Promise<string | undefined> {
  const counts = new Map<string, number>();
  try {
    let marker: string | undefined;
    do {
      const page = await client.send(new ListFunctionsCommand({ Marker: marker }));
      for (const fn of page.Functions ?? []) {
        const match = new RegExp(`^${FUNCTION_NAME_PREFIX}-([a-z0-9][a-z0-9-]*)-(\\d+)-(x86_64|arm64)$`).exec(fn.FunctionName ?? '');
        if (match) counts.set(match[1], (counts.get(match[1]) ?? 0) + 1);
      }
      marker = page.NextMarker;
    } while (marker);
  } catch {
    // Fall back to typing the id; the sweep itself reports what is wrong with the target.
  }
  if (counts.size > 0) {
    const last = context.workspaceState.get<string>(LAST_EXPERIMENT_KEY);
    const ids = [...counts.keys()].sort((a, b) => (a === last ? -1 : b === last ? 1 : a.localeCompare(b)));
    const picked = await vscode.window.showQuickPick(
      ids.map((id) => ({ label: id, description: `${counts.get(id)} function${counts.get(id) === 1 ? '' : 's'}${id === last ? ' · last used' : ''}` })),
      { title: 'Run Sweep: experiment', placeHolder: 'Which deployed experiment should be swept?' },
    );
    return picked?.label;
  }
  return askExperimentId(context, 'Run Sweep');
}

function validationMessage(check: () => unknown): string | undefined {
  try {
    check();
    return undefined;
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
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
        return [{ dir: run.dir, meta, recorded: records.length, errors: records.filter((r) => r.error !== null).length, sweptBy: lock.state === 'held' ? lock.owner : undefined }];
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
    items.push({ label: `$(debug-restart) Resume ${u.meta.runId}`, description: `${u.meta.status}, ${progress}${u.errors ? `, ${u.errors} failed (not retried)` : ''}`, detail: u.meta.statusReason ?? undefined, dir: u.dir, retryErrors: false });
    if (u.errors > 0) {
      items.push({ label: `$(debug-restart) Resume ${u.meta.runId} and retry failed invocations`, description: `runs its ${u.errors} failed invocation(s) again`, dir: u.dir, retryErrors: true });
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

/** Opens the results view on the run if that command exists (it is built separately). */
async function openResultsView(runDir: string): Promise<void> {
  try {
    const commands = await vscode.commands.getCommands(true);
    if (commands.includes('lambdaLab.showResults')) await vscode.commands.executeCommand('lambdaLab.showResults', { runDir });
  } catch {
    // The results view is optional here; the run folder is in the output channel.
  }
}

function formatEta(ms: number): string {
  const s = Math.round(ms / 1000);
  return s < 60 ? `${s}s` : `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
}
