// "Lambda Lab: Sweep Your Own Function…": picks a function on the target, its payloads (a JSON file
// of the workspace, Browse…, typed JSON, or several files used in turn), how
// the function takes its thread count (none, a payload field, an environment variable), thread
// counts, memory sizes and repetitions; shows the plan; then copies the function into tagged
// experiment functions (the original is never updated or invoked), sweeps the copies with the usual
// engine and opens the run in the results view. Tests pass an argument object: each field given
// skips its question.
import * as vscode from 'vscode';
import * as path from 'node:path';
import type { TargetChoice } from '../aws/lambdaTarget';
import { createLambdaClient } from '../aws/lambdaTarget';
import { formatUsd } from '../core/costEstimate';
import { parseThreadList, validateExperimentId, validateRepetitions, ValidationError } from '../core/experimentValidation';
import { FUNCTION_NAME_PREFIX } from '../core/experimentNaming';
import { resolveMemorySelection } from '../core/memoryPresets';
import {
  defaultExperimentIdFor,
  parsePayloadText,
  planCopies,
  repetitionsPerPayload,
  validateThreadsEnvName,
  type SweepPayload,
  type ThreadDimension,
} from '../core/ownFunction';
import { checkThreadsFieldInAll, loadPayloads, type PayloadSource } from '../ownFunction/ownFunctionPayloads';
import { targetBills } from '../core/targetBilling';
import { checkOriginalUnchanged, prepareOwnFunctionSweep, type PreparedOwnSweep } from '../ownFunction/ownFunctionSession';
import { outputLog } from '../outputLog';
import { notifyExperimentsChanged } from '../views/experimentsChanged';
import { sweepProgress } from '../views/sweepProgress';
import { runsFolder } from '../sweep/runStore';
import { SDK_MAX_ATTEMPTS, type SweepOutcome } from '../sweep/sweepEngine';
import { describeTargetForRun, executeSweep } from '../sweep/sweepSession';
import { resolveTargetForCommand } from '../target/commandTarget';
import { vscodeStopAdvice } from './sweepStopWording';
import { inVsCodeWords } from './vsCodeWording';

export const OWN_FUNCTION_SWEEP_COMMAND = 'lambdaLab.sweepOwnFunction';

export interface OwnFunctionSweepArgs {
  target?: TargetChoice;
  functionName?: string;
  payloadFile?: string;
  /** Several payload files, used in turn (instead of payloadFile). */
  payloadFiles?: string[];
  /** Payloads typed as JSON (json#1, json#2...), after any files. */
  payloadJson?: string[];
  /** 'none', { field: 'a.b' } or { env: 'NAME' }. */
  threads?: 'none' | { field: string } | { env: string };
  threadCounts?: string;
  memory?: string;
  repetitions?: number;
  experimentId?: string;
  runsDir?: string;
  /** Skip the plan confirmation (tests). */
  yes?: boolean;
}

export interface OwnFunctionSweepResult {
  runDir: string;
  experimentId: string;
  outcome: SweepOutcome;
  originalUnchanged: boolean;
}

export function registerOwnFunctionSweepCommand(context: vscode.ExtensionContext): void {
  context.subscriptions.push(
    vscode.commands.registerCommand(OWN_FUNCTION_SWEEP_COMMAND, async (args?: OwnFunctionSweepArgs): Promise<OwnFunctionSweepResult | undefined> => {
      const log = outputLog();
      try {
        return await sweepOwnFunction(context, args ?? {});
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        log.error(`Sweep Your Own Function failed: ${message}`);
        void vscode.window.showErrorMessage(`Lambda Lab: ${inVsCodeWords(message)}`, 'Show Log').then((b) => b && log.show());
        if (args) throw error;
        return undefined;
      }
    }),
  );
}

async function sweepOwnFunction(context: vscode.ExtensionContext, args: OwnFunctionSweepArgs): Promise<OwnFunctionSweepResult | undefined> {
  const log = outputLog();
  const resolved = await resolveTargetForCommand(context, { appendLine: (line) => log.info(line) }, ...(args.target ? [args.target] : []));
  if (!resolved) return undefined;
  const client = createLambdaClient(resolved, { maxAttempts: SDK_MAX_ATTEMPTS });
  let own: PreparedOwnSweep | undefined;
  try {
    const functionName = args.functionName ?? (await pickFunction(client, resolved.label));
    if (!functionName) return undefined;
    const workspaceDir = workspaceFolderPath() ?? process.cwd();
    const givenFiles = args.payloadFiles ?? (args.payloadFile !== undefined ? [args.payloadFile] : []);
    const payloads =
      givenFiles.length > 0 || args.payloadJson !== undefined
        ? loadPayloads(
            [
              ...givenFiles.map((file) => ({ kind: 'file' as const, file, weight: 1 })),
              ...(args.payloadJson ?? []).map((text) => ({ kind: 'json' as const, text, weight: 1 })),
            ],
            workspaceDir,
          )
        : await pickPayloads(workspaceDir);
    if (!payloads) return undefined;
    const payloadNames = payloads.map((p) => p.name).join(', ');
    const dimension = await pickThreadDimension(args.threads, payloads);
    if (!dimension) return undefined;
    let threadCounts = [1];
    if (dimension.kind !== 'none') {
      const text = args.threadCounts ?? (await ask('Thread counts', '1,2,4', 'Thread counts to sweep, e.g. 1,2,4', (v) => void parseThreadList(v)));
      if (text === undefined) return undefined;
      threadCounts = parseThreadList(text);
    }
    const memoryText =
      args.memory ?? (await ask('Memory sizes (MB)', '512,1024,1769', 'One copy of the function per memory size', (v) => void resolveMemorySelection(v)));
    if (memoryText === undefined) return undefined;
    const memorySizesMB = resolveMemorySelection(memoryText);
    const repsText =
      args.repetitions !== undefined
        ? String(args.repetitions)
        : await ask(
            'Repetitions',
            String(Math.max(5, payloads.length)),
            payloads.length > 1 ? `Repetitions per configuration, shared in turn by the ${payloads.length} payloads` : 'Repetitions per configuration',
            (v) => void repetitionsPerPayload(validateRepetitions(v), payloads),
          );
    if (repsText === undefined) return undefined;
    const repetitions = validateRepetitions(repsText);
    repetitionsPerPayload(repetitions, payloads);
    const experimentId = validateExperimentId(args.experimentId ?? defaultExperimentIdFor(functionName));

    // The plan, before anything is created: which copies, how many invocations.
    const arch = 'x86_64';
    const copyCount = planCopies({ experimentId, memorySizesMB, arch, threadCounts, dimension }).length;
    const invocations = copyCount + (dimension.kind === 'env' ? copyCount : copyCount * threadCounts.length) * repetitions;
    const planLine = `${copyCount} cop${copyCount === 1 ? 'y' : 'ies'} of ${functionName} (experiment ${experimentId}) at ${memorySizesMB.join(', ')} MB${dimension.kind === 'none' ? '' : `, threads ${threadCounts.join(', ')} via ${dimension.kind === 'field' ? `payload field ${dimension.path}` : `environment variable ${dimension.name}`}`}; ${invocations} invocations with ${payloads.length > 1 ? `payloads ${payloadNames} in turn (each record names its payload)` : payloadNames}. ${functionName} itself is not changed or invoked.`;
    log.info(`Sweep Your Own Function: ${planLine}`);
    if (
      !args.yes &&
      !(await confirmPlan(
        planLine,
        copyCount,
        invocations,
        targetBills(resolved) ? 'the copies are billed at AWS prices as they run' : `nothing is billed on ${resolved.label}`,
      ))
    )
      return undefined;

    const folderPath = workspaceFolderPath();
    const runsDir = args.runsDir ?? (folderPath ? runsFolder(folderPath) : path.join(context.globalStorageUri.fsPath, 'runs'));
    const result = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `Lambda Lab: sweeping your function ${functionName}`, cancellable: true },
      async (progress, token) => {
        progress.report({ message: 'copying the function…' });
        own = await prepareOwnFunctionSweep(
          client,
          {
            functionRef: functionName,
            memorySizesMB,
            payloads,
            threadCounts,
            dimension,
            repetitions,
            experimentId,
            copyVpc: false,
            runsDir,
            concurrency: resolved.target.kind === 'aws' ? 4 : 1,
            maxCostUsd: null,
          },
          describeTargetForRun(resolved),
          (line) => log.info(line),
        );
        const runDir = own.prepared.store.runDir;
        // The copies exist now: the Lambda Lab view lists them (and this run, with its progress).
        sweepProgress.report(runDir, { done: 0, total: own.prepared.plan.warmups.length + own.prepared.plan.measured.length, errors: 0 });
        notifyExperimentsChanged();
        void vscode.commands.executeCommand('lambdaLab.showResults', { runDir, offerCompare: false }).then(undefined, () => undefined);
        const controller = new AbortController();
        const subscription = token.onCancellationRequested(() => controller.abort());
        try {
          const outcome = await executeSweep(own.prepared, {
            client,
            signal: controller.signal,
            invocation: own.adapter,
            log: (line) => log.info(`  ${line}`),
            onProgress: (p) => {
              progress.report({ message: `${p.done}/${p.total} · ${formatUsd(p.costUsd)} so far${p.errors ? ` · ${p.errors} errors` : ''}` });
              sweepProgress.report(runDir, { done: p.done, total: p.total, errors: p.errors });
            },
          });
          return { runDir, outcome };
        } finally {
          subscription.dispose();
        }
      },
    );
    const check = await checkOriginalUnchanged(client, own!.original.functionName, own!.before);
    log.info(check.line);
    const { outcome, runDir } = result;
    log.info(
      `Sweep ${outcome.status}: ${outcome.done}/${outcome.total} invocations, ${outcome.errors} errors${outcome.statusReason ? ` — ${outcome.statusReason}` : ''}`,
    );
    const advice = vscodeStopAdvice(outcome);
    const head =
      outcome.status === 'completed'
        ? `sweep of ${functionName} completed (${outcome.done} invocations).`
        : `sweep of ${functionName} ${outcome.status}: ${outcome.statusReason ?? ''} ${advice}`.trim();
    void (outcome.status === 'completed' ? vscode.window.showInformationMessage : vscode.window.showWarningMessage)(
      `Lambda Lab: ${head} ${check.unchanged ? `${functionName} is unchanged.` : check.line}`,
      'Show Results',
      'Clean Up Copies',
    )
      .then((button) => {
        if (button === 'Show Results') return vscode.commands.executeCommand('lambdaLab.showResults', { runDir });
        if (button === 'Clean Up Copies') return vscode.commands.executeCommand('lambdaLab.cleanup', { experimentId });
        return undefined;
      })
      .then(undefined, () => undefined);
    return { runDir, experimentId, outcome, originalUnchanged: check.unchanged };
  } finally {
    if (own) sweepProgress.finish(own.prepared.store.runDir);
    own?.prepared.store.close();
    client.destroy();
  }
}

/**
 * The plan, in a QuickPick that stays open until answered, like Run Sweep's Start step (a modal
 * dialog would be the alternative, but the workbench refuses modal dialogs while extension tests
 * run, so the command could not be tested through the UI: its first suite run failed on that).
 */
async function confirmPlan(planLine: string, copyCount: number, invocations: number, billing: string): Promise<boolean> {
  const start = {
    label: '$(play) Start sweep',
    description: `${copyCount} cop${copyCount === 1 ? 'y' : 'ies'} · ${invocations} invocations · ${billing}`,
    detail: planLine,
    start: true,
  };
  const cancel = { label: '$(close) Cancel', description: 'create nothing', start: false };
  const picked = await vscode.window.showQuickPick([start, cancel], {
    title: 'Sweep Your Own Function: plan',
    placeHolder: 'Nothing is created until you start; then the copies are made and swept',
    ignoreFocusOut: true,
  });
  return picked?.start === true;
}

async function pickFunction(client: ReturnType<typeof createLambdaClient>, targetLabel: string): Promise<string | undefined> {
  const { paginateListFunctions } = await import('@aws-sdk/client-lambda');
  const items: vscode.QuickPickItem[] = [];
  for await (const page of paginateListFunctions({ client }, {})) {
    for (const fn of page.Functions ?? []) {
      // Experiment functions (ours, including copies) are not offered.
      if (!fn.FunctionName || fn.FunctionName.startsWith(`${FUNCTION_NAME_PREFIX}-`)) continue;
      items.push({
        label: fn.FunctionName,
        description: `${fn.Runtime ?? fn.PackageType ?? ''} · ${fn.MemorySize ?? '?'} MB · ${fn.Architectures?.[0] ?? 'x86_64'}`,
      });
    }
  }
  if (items.length === 0)
    throw new Error(`No function of yours was found on ${targetLabel} (experiment functions named ${FUNCTION_NAME_PREFIX}-… are not offered).`);
  items.sort((a, b) => a.label.localeCompare(b.label));
  return (
    await vscode.window.showQuickPick(items, {
      title: 'Sweep Your Own Function: function',
      placeHolder: 'Which function? It is copied, never changed or invoked.',
    })
  )?.label;
}

function workspaceFolderPath(): string | undefined {
  const folder = vscode.workspace.workspaceFolders?.[0];
  return folder && folder.uri.scheme === 'file' ? folder.uri.fsPath : undefined;
}

/** The labels of the payload step's extra items (after the workspace's JSON files and Browse…). */
export const PAYLOAD_TYPED_ITEM = '$(edit) Type JSON…';
export const PAYLOAD_SEVERAL_ITEM = '$(files) Several files (used in turn)…';

/**
 * The payload step: one of the workspace's JSON files (first, as before), Browse…, then typed JSON
 * (an InputBox that checks it parses) or several files (a multi-select; used in turn).
 */
async function pickPayloads(workspaceDir: string): Promise<SweepPayload[] | undefined> {
  const files = await vscode.workspace.findFiles('**/*.json', '{**/node_modules/**,**/.lambda-lab/**,**/package*.json,**/tsconfig*.json}', 50);
  const browse = '$(folder-opened) Browse…';
  const fileItems = files.map((f) => ({ label: vscode.workspace.asRelativePath(f), uri: f }));
  const picked = await vscode.window.showQuickPick(
    [
      ...fileItems.map((item) => ({ ...item, extra: undefined })),
      { label: browse, uri: undefined, extra: undefined },
      { label: PAYLOAD_TYPED_ITEM, description: 'a payload typed here (not saved to a file)', uri: undefined, extra: 'typed' as const },
      ...(fileItems.length > 1
        ? [{ label: PAYLOAD_SEVERAL_ITEM, description: 'each record names its payload', uri: undefined, extra: 'several' as const }]
        : []),
    ],
    {
      title: 'Sweep Your Own Function: payload',
      placeHolder: 'The JSON event each invocation sends',
    },
  );
  if (!picked) return undefined;
  const load = (sources: PayloadSource[]) => loadPayloads(sources, workspaceDir);
  if (picked.uri) return load([{ kind: 'file', file: picked.uri.fsPath, weight: 1 }]);
  if (picked.extra === 'typed') {
    const text = await vscode.window.showInputBox({
      title: 'Sweep Your Own Function: payload (JSON)',
      prompt:
        'The JSON event each invocation sends, e.g. {"n": 1000, "options": {"threads": 1}}. It is not written to disk: the run keeps its SHA-256 and top-level keys.',
      placeHolder: '{"n": 1000}',
      validateInput: (value) => {
        try {
          parsePayloadText(value, 'The typed payload');
          return undefined;
        } catch (error) {
          return error instanceof Error ? error.message : String(error);
        }
      },
    });
    return text === undefined ? undefined : load([{ kind: 'json', text, weight: 1 }]);
  }
  if (picked.extra === 'several') {
    const chosen = await vscode.window.showQuickPick(fileItems, {
      title: 'Sweep Your Own Function: payloads (used in turn)',
      placeHolder: 'Pick two or more JSON files; repetition r of each configuration sends the next one',
      canPickMany: true,
    });
    if (!chosen || chosen.length === 0) return undefined;
    return load(chosen.map((item) => ({ kind: 'file' as const, file: item.uri.fsPath, weight: 1 })));
  }
  const chosen = await vscode.window.showOpenDialog({ canSelectMany: false, filters: { JSON: ['json'] }, title: 'Payload (JSON)' });
  return chosen?.[0] ? load([{ kind: 'file', file: chosen[0].fsPath, weight: 1 }]) : undefined;
}

async function pickThreadDimension(given: OwnFunctionSweepArgs['threads'], payloads: readonly SweepPayload[]): Promise<ThreadDimension | undefined> {
  const label = payloads.map((p) => p.name).join(', ');
  if (given !== undefined) {
    if (given === 'none') return { kind: 'none' };
    if ('field' in given) {
      checkThreadsFieldInAll(payloads, given.field);
      return { kind: 'field', path: given.field };
    }
    return { kind: 'env', name: validateThreadsEnvName(given.env) };
  }
  const picked = await vscode.window.showQuickPick(
    [
      { label: 'Memory only', description: 'the function does not take a thread count', dimension: 'none' as const },
      { label: 'A field of the payload…', description: 'e.g. options.threads: set to each thread count', dimension: 'field' as const },
      { label: 'An environment variable…', description: 'one copy per memory size and thread count', dimension: 'env' as const },
    ],
    { title: 'Sweep Your Own Function: threads', placeHolder: 'How does your function learn how many threads to use?' },
  );
  if (!picked) return undefined;
  if (picked.dimension === 'none') return { kind: 'none' };
  if (picked.dimension === 'field') {
    const field = await ask('Thread field', '', `JSON path in ${label}, e.g. workers or options.threads`, (v) => checkThreadsFieldInAll(payloads, v));
    return field === undefined ? undefined : { kind: 'field', path: field };
  }
  const name = await ask('Thread variable', 'THREADS', 'Environment variable your function reads', (v) => void validateThreadsEnvName(v));
  return name === undefined ? undefined : { kind: 'env', name };
}

async function ask(title: string, value: string, prompt: string, check: (value: string) => void): Promise<string | undefined> {
  return vscode.window.showInputBox({
    title: `Sweep Your Own Function: ${title}`,
    value,
    prompt,
    validateInput: (text) => {
      try {
        check(text);
        return undefined;
      } catch (error) {
        return error instanceof ValidationError || error instanceof Error ? error.message : String(error);
      }
    },
  });
}
