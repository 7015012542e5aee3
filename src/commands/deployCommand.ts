// "Lambda Lab: Deploy Experiment": choose target, region, memory sizes, architectures and role
// with QuickPicks, then package the workspace's function folder and create or update one
// function per (memory, architecture) with a progress notification. Tests pass an argument
// object with the same choices: it replaces only the pickers; everything else runs as for a user.
import { MEMORY_MAX_MB, MEMORY_MIN_MB } from '../core/lambdaModel';
import * as vscode from 'vscode';
import { inVsCodeWords } from './vsCodeWording';
import * as path from 'node:path';
import { existsSync } from 'node:fs';
import * as os from 'node:os';
import { errorContextOf, type TargetChoice } from '../aws/lambdaTarget';
import { toTargetError } from '../aws/credentialErrors';
import { checkRoleArn, type RoleChoice } from '../aws/executionRole';
import { ARCHITECTURES, type Architecture } from '../core/experimentConfig';
import { parseArchitectureList, validateExperimentId } from '../core/experimentValidation';
import { architecturesForTarget, hostLambdaArchitecture } from '../core/hostArchitecture';
import { roleNameFor } from '../core/experimentNaming';
import { MB_PER_VCPU } from '../core/lambdaModel';
import { localDefaultSizesMB, localMemoryLimitMB, sizesBeyondMachine } from '../core/localMemorySizes';
import { MEMORY_PRESETS, resolveMemorySelection } from '../core/memoryPresets';
import { DEFAULT_DEPLOY_CONCURRENCY, DEFAULT_RUNTIME, type DeployedFunction, type DeployFailure } from '../deploy/deployer';
import { checkRuntime, summarizeDeploy } from '../deploy/deploySummary';
import { DeployCancelledError, deployToTarget } from '../deploy/deployToTarget';
import { HANDLER_FILE, SCAFFOLD_FOLDER_NAME } from '../deploy/templateFolder';
import { outputLog } from '../outputLog';
import { pickTarget } from '../target/targetPicker';
import { readRoleArnSetting, saveRoleArn, saveTargetChoice } from '../target/targetSettings';
import { resolveTargetForCommand } from '../target/commandTarget';
import { LAST_EXPERIMENT_KEY, askExperimentId } from './experimentPrompt';
import { notifyExperimentsChanged } from '../views/experimentsChanged';

export const DEPLOY_COMMAND = 'lambdaLab.deploy';

/** The pickers' choices; any field given skips its picker. */
export interface DeployCommandArgs {
  experimentId?: string;
  target?: TargetChoice;
  /** Sizes in MB, a preset id ("quick", "vcpu-steps", "original-study") or a comma list. */
  memorySizesMB?: number[] | string;
  architectures?: Architecture[] | string;
  /** An existing role; or createRole to create/reuse lambda-parallel-lab-<id>. */
  roleArn?: string;
  createRole?: boolean;
  /** Function folder (default: <first workspace folder>/lambda-parallel-lab). */
  templateDir?: string;
  runtime?: string;
  concurrency?: number;
}

export interface DeployCommandResult {
  experimentId: string;
  target: string;
  roleArn: string;
  roleCreated: boolean;
  codeSha256: string;
  functions: DeployedFunction[];
  failures: Array<Omit<DeployFailure, 'error'>>;
  /** Functions not deployed because Deploy was cancelled. */
  skipped: string[];
}

export function registerDeployCommand(context: vscode.ExtensionContext): void {
  context.subscriptions.push(
    vscode.commands.registerCommand(DEPLOY_COMMAND, async (args?: DeployCommandArgs): Promise<DeployCommandResult | undefined> => {
      const log = outputLog();
      try {
        return await deployCommand(context, args ?? {});
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        log.error(`Deploy failed: ${message}`);
        void vscode.window.showErrorMessage(`Lambda Lab: ${inVsCodeWords(message)}`, 'Show Log').then((b) => b && log.show());
        if (args) throw error; // a test (or another command) gets the error too
        return undefined;
      }
    }),
  );
}

async function deployCommand(context: vscode.ExtensionContext, args: DeployCommandArgs): Promise<DeployCommandResult | undefined> {
  const log = outputLog();
  if (!vscode.workspace.isTrusted) {
    const answer = await vscode.window.showWarningMessage(
      "Lambda Lab: Deploy runs this workspace's function code, so it needs a trusted workspace.",
      'Manage Workspace Trust',
    );
    if (answer) void vscode.commands.executeCommand('workbench.trust.manage');
    return undefined;
  }
  const folder = args.templateDir ?? (await findTemplateFolder());
  if (!folder) return undefined;
  const templateDir = await checkFunctionFolder(folder, args.templateDir !== undefined);
  if (!templateDir) return undefined;

  const experimentId = args.experimentId !== undefined ? validateExperimentId(args.experimentId) : await askExperimentId(context, 'Deploy');
  if (!experimentId) return undefined;

  const choice = args.target ?? (await pickTarget());
  if (!choice) return undefined;
  await saveTargetChoice(choice);

  const memorySizesMB = args.memorySizesMB !== undefined ? memoryFromArgs(args.memorySizesMB) : await pickMemorySizes(choice.kind === 'local' || !choice.kind);
  if (!memorySizesMB) return undefined;
  // The built-in endpoint runs functions on this CPU, so Local offers only this machine's architecture.
  const architectures =
    args.architectures !== undefined
      ? archFromArgs(args.architectures)
      : await pickArchitectures(choice.kind === 'local' ? [hostLambdaArchitecture()] : ARCHITECTURES);
  if (!architectures) return undefined;
  const runtime = checkRuntime(args.runtime ?? DEFAULT_RUNTIME);

  const resolved = await resolveTargetForCommand(context, { appendLine: (line) => log.info(line) }, choice);
  if (!resolved) return undefined;
  architecturesForTarget(resolved.builtInEndpoint, architectures); // a foreign architecture is refused before anything is packaged

  let roleChoice: RoleChoice | undefined = { roleArn: args.roleArn, createRole: args.createRole };
  if (!args.roleArn && !args.createRole && !resolved.builtInEndpoint) roleChoice = await pickRole(experimentId);
  if (!roleChoice) return undefined;

  await context.workspaceState.update(LAST_EXPERIMENT_KEY, experimentId);
  log.info(`Deploying experiment "${experimentId}" to ${resolved.label}: ${memorySizesMB.join(', ')} MB × ${architectures.join(', ')} from ${templateDir}`);

  const localSizeWarning = resolved.builtInEndpoint ? await confirmSizesThisMachineCanGive(memorySizesMB, args.memorySizesMB !== undefined) : true;
  if (!localSizeWarning) return undefined;

  return vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: `Lambda Lab: deploying "${experimentId}"`, cancellable: true },
    async (progress, token) => {
      // Cancelling starts no further function; those under way finish, so none is left half-updated.
      const cancel = new AbortController();
      const cancelled = token.onCancellationRequested(() => {
        cancel.abort();
        progress.report({ message: 'cancelling: finishing the functions under way…' });
      });
      try {
        const total = memorySizesMB.length * architectures.length;
        const { pkg, role, result } = await deployToTarget({
          target: resolved,
          experimentId,
          templateDir,
          memorySizesMB,
          architectures,
          runtime,
          concurrency: args.concurrency ?? DEFAULT_DEPLOY_CONCURRENCY,
          roleChoice: roleChoice!,
          signal: cancel.signal,
          log: (line) => log.info(line),
          onStep: (step) => progress.report({ message: step }),
          onProgress: (event) => {
            if (event.phase === 'done' || event.phase === 'failed') {
              log.info(`[${event.finished}/${event.total}] ${event.functionName}: ${event.phase === 'failed' ? `FAILED: ${event.detail}` : event.detail}`);
              progress.report({ increment: 100 / total, message: `${event.finished}/${event.total} functions` });
            }
          },
        });
        for (const line of summarizeDeploy(experimentId, result).split('\n')) log.info(line);
        notifyExperimentsChanged();
        const failures = result.failures.map(({ functionName, memoryMB, arch, message }) => ({ functionName, memoryMB, arch, message }));
        const created = result.functions.filter((f) => f.action === 'created').length;
        const unchanged = result.functions.filter((f) => f.action === 'unchanged').length;
        const done = `${created} created, ${result.functions.length - created - unchanged} updated, ${unchanged} unchanged`;
        if (failures.length > 0) {
          void vscode.window
            .showErrorMessage(
              `Lambda Lab: ${failures.length} of ${total} functions failed to deploy (${done}): ${inVsCodeWords(failures[0].message)}`,
              'Show Log',
            )
            .then((b) => b && log.show());
        } else if (result.skipped.length > 0) {
          void vscode.window
            .showWarningMessage(
              `Lambda Lab: Deploy of "${experimentId}" cancelled: ${done}; ${result.skipped.length} of ${total} not deployed.`,
              'Deploy Again',
              'Show Log',
            )
            .then((b) => (b === 'Deploy Again' ? vscode.commands.executeCommand(DEPLOY_COMMAND) : b && log.show()));
        } else {
          void vscode.window
            .showInformationMessage(`Lambda Lab: "${experimentId}" deployed to ${resolved.label}: ${done}.`, 'Run Sweep')
            .then((b) => b && vscode.commands.executeCommand('lambdaLab.runSweep', { experimentId }))
            .then(undefined, () => undefined); // Run Sweep shows its own errors
        }
        return {
          experimentId,
          target: resolved.label,
          roleArn: role.roleArn,
          roleCreated: role.created,
          codeSha256: pkg.codeSha256,
          functions: result.functions,
          failures,
          skipped: result.skipped.map((f) => f.functionName),
        };
      } catch (error) {
        if (error instanceof DeployCancelledError) {
          log.info(error.message);
          void vscode.window.showInformationMessage(`Lambda Lab: ${error.message}`);
          return undefined;
        }
        throw toTargetError(error, errorContextOf(resolved));
      } finally {
        cancelled.dispose();
      }
    },
  );
}

/**
 * The built-in endpoint runs every function on this machine: a size above what its cores can give
 * (cores × 1,769 MB) gets no more CPU than the machine has, so its results flatten because the
 * machine runs out, not Lambda. Says so before deploying; `given` sizes (from a test or another
 * command) are only logged.
 */
async function confirmSizesThisMachineCanGive(memorySizesMB: number[], given: boolean): Promise<boolean> {
  const cores = os.availableParallelism();
  const limitMB = localMemoryLimitMB(cores);
  const beyond = sizesBeyondMachine(memorySizesMB, cores);
  if (beyond.length === 0) return true;
  const message =
    `${beyond.join(', ')} MB ${beyond.length === 1 ? 'is' : 'are'} more than this machine can give on the built-in endpoint ` +
    `(${cores} cores × ${MB_PER_VCPU} MB = ${limitMB} MB): results there flatten because the machine runs out of CPU, not because Lambda does.`;
  outputLog().warn(message);
  if (given) return true;
  const answer = await vscode.window.showWarningMessage(
    `Lambda Lab: ${message}`,
    { modal: true, detail: 'Use AWS as the target to measure those sizes.' },
    'Deploy Anyway',
    'Choose Sizes Again',
  );
  if (answer === 'Choose Sizes Again') {
    void vscode.commands.executeCommand(DEPLOY_COMMAND);
    return false;
  }
  return answer === 'Deploy Anyway';
}

/** The folder if it holds the handler; else says what is missing with buttons to fix it (or throws, for a caller that named the folder). */
async function checkFunctionFolder(folder: string, named: boolean): Promise<string | undefined> {
  const absolute = path.resolve(folder);
  if (existsSync(path.join(absolute, HANDLER_FILE))) return absolute;
  const message = existsSync(absolute)
    ? `${absolute} has no ${HANDLER_FILE} (the function's handler). Scaffold a fresh copy there, or choose the function's folder.`
    : `The function folder ${absolute} does not exist. Scaffold the experiment function first, or choose the function's folder.`;
  if (named) throw new Error(message);
  const answer = await vscode.window.showErrorMessage(`Lambda Lab: ${message}`, 'Scaffold', 'Choose Folder…');
  if (answer === 'Scaffold') void vscode.commands.executeCommand('lambdaLab.scaffold');
  if (answer === 'Choose Folder…') void vscode.commands.executeCommand(DEPLOY_COMMAND);
  return undefined;
}

/** <workspace folder>/lambda-parallel-lab if it holds the handler; otherwise ask for a folder. */
async function findTemplateFolder(): Promise<string | undefined> {
  for (const folder of vscode.workspace.workspaceFolders ?? []) {
    const candidate = path.join(folder.uri.fsPath, SCAFFOLD_FOLDER_NAME);
    if (existsSync(path.join(candidate, HANDLER_FILE))) return candidate;
    if (existsSync(path.join(folder.uri.fsPath, HANDLER_FILE))) return folder.uri.fsPath;
  }
  const answer = await vscode.window.showWarningMessage(
    `No function folder found (expected ${SCAFFOLD_FOLDER_NAME}/${HANDLER_FILE} in the workspace).`,
    { modal: true },
    'Scaffold One',
    'Choose Folder…',
  );
  if (answer === 'Scaffold One') {
    await vscode.commands.executeCommand('lambdaLab.scaffold');
    return undefined;
  }
  if (answer === 'Choose Folder…') {
    const picked = await vscode.window.showOpenDialog({ canSelectFolders: true, canSelectFiles: false, openLabel: 'Deploy this folder' });
    return picked?.[0]?.fsPath;
  }
  return undefined;
}

function memoryFromArgs(value: number[] | string): number[] {
  return resolveMemorySelection(Array.isArray(value) ? value.join(',') : value);
}

function archFromArgs(value: Architecture[] | string): Architecture[] {
  return parseArchitectureList(Array.isArray(value) ? value.join(',') : value);
}

/** On Local the first choice is the sizes this machine can give; presets with larger sizes say so. */
async function pickMemorySizes(local: boolean): Promise<number[] | undefined> {
  const custom = '$(edit) Custom list…';
  const cores = os.availableParallelism();
  const limitMB = localMemoryLimitMB(cores);
  const fitting = localDefaultSizesMB(cores);
  const picked = await vscode.window.showQuickPick(
    [
      ...(local
        ? [
            {
              label: 'Fits this machine',
              description: `up to ${cores} cores × ${MB_PER_VCPU} MB = ${limitMB} MB`,
              detail: fitting.join(', ') + ' MB',
              sizes: fitting,
            },
          ]
        : []),
      ...MEMORY_PRESETS.map((p) => {
        const beyond = local ? sizesBeyondMachine(p.sizesMB, cores).length : 0;
        const note = beyond > 0 ? ` — ${beyond} size${beyond === 1 ? '' : 's'} above ${limitMB} MB: more than this machine can give` : '';
        return { label: p.label, description: p.description + note, detail: p.sizesMB.join(', ') + ' MB', sizes: [...p.sizesMB] };
      }),
      { label: custom, description: 'e.g. 512, 1769, 3538', sizes: undefined },
    ],
    { title: 'Deploy: memory sizes', placeHolder: 'One function is deployed per memory size and architecture' },
  );
  if (!picked) return undefined;
  if (picked.sizes) return picked.sizes;
  const text = await vscode.window.showInputBox({
    title: `Memory sizes (MB, ${MEMORY_MIN_MB}..${MEMORY_MAX_MB})`,
    value: (local ? fitting : [512, 1769, 3538]).join(', '),
    validateInput: (input) => {
      try {
        resolveMemorySelection(input);
        return undefined;
      } catch (error) {
        return (error as Error).message;
      }
    },
  });
  return text === undefined ? undefined : resolveMemorySelection(text);
}

async function pickArchitectures(offered: readonly Architecture[]): Promise<Architecture[] | undefined> {
  const onlyHost = offered.length === 1;
  const picked = await vscode.window.showQuickPick(
    offered.map((arch) => ({
      label: arch,
      picked: onlyHost || arch === 'x86_64',
      description: onlyHost
        ? "this machine's CPU: the built-in endpoint runs functions natively (use AWS to compare architectures)"
        : arch === 'arm64'
          ? 'Graviton, ~20% cheaper per GB-second'
          : undefined,
    })),
    { title: 'Deploy: architectures', canPickMany: true, placeHolder: onlyHost ? "Local runs only this machine's architecture" : 'Pick one or both' },
  );
  if (!picked || picked.length === 0) return undefined;
  return picked.map((p) => p.label as Architecture);
}

async function pickRole(experimentId: string): Promise<RoleChoice | undefined> {
  const setting = readRoleArnSetting();
  const items: Array<vscode.QuickPickItem & { choice: 'setting' | 'create' | 'enter' }> = [];
  if (setting) items.push({ label: `$(check) ${setting}`, description: 'lambdaLab.roleArn', choice: 'setting' });
  items.push(
    {
      label: `$(add) Create a minimal role "${roleNameFor(experimentId)}"`,
      description: 'trusts lambda.amazonaws.com; AWSLambdaBasicExecutionRole only',
      choice: 'create',
    },
    { label: '$(edit) Enter a role ARN…', choice: 'enter' },
  );
  const picked = await vscode.window.showQuickPick(items, { title: 'Deploy: execution role', placeHolder: 'The role the functions run as' });
  if (!picked) return undefined;
  if (picked.choice === 'setting') return { roleArn: setting };
  if (picked.choice === 'create') return { createRole: true };
  const arn = await vscode.window.showInputBox({
    title: 'Execution role ARN',
    placeHolder: 'arn:aws:iam::123456789012:role/my-lambda-role',
    validateInput: (text) => {
      try {
        checkRoleArn(text);
        return undefined;
      } catch (error) {
        return (error as Error).message;
      }
    },
  });
  if (!arn) return undefined;
  await saveRoleArn(arn.trim());
  return { roleArn: arn.trim() };
}
