// "Lambda Lab: Deploy Experiment": choose target, region, memory sizes, architectures and role
// with QuickPicks, then package the workspace's function folder and create or update one
// function per (memory, architecture) with a progress notification. Tests pass an argument
// object with the same choices: it replaces only the pickers; everything else runs as for a user.
import * as vscode from 'vscode';
import * as path from 'node:path';
import { existsSync } from 'node:fs';
import { errorContextOf, type TargetChoice } from '../aws/lambdaTarget';
import { toTargetError } from '../aws/credentialErrors';
import { checkRoleArn, type RoleChoice } from '../aws/executionRole';
import { ARCHITECTURES, type Architecture } from '../core/experimentConfig';
import { parseArchitectureList, validateExperimentId } from '../core/experimentValidation';
import { architecturesForTarget, hostLambdaArchitecture } from '../core/hostArchitecture';
import { roleNameFor } from '../core/experimentNaming';
import { MEMORY_PRESETS, resolveMemorySelection } from '../core/memoryPresets';
import { DEFAULT_DEPLOY_CONCURRENCY, DEFAULT_RUNTIME, type DeployedFunction, type DeployFailure } from '../deploy/deployer';
import { checkRuntime, summarizeDeploy } from '../deploy/deploySummary';
import { deployToTarget } from '../deploy/deployToTarget';
import { checkTemplateFolder, HANDLER_FILE, SCAFFOLD_FOLDER_NAME } from '../deploy/templateFolder';
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
        void vscode.window.showErrorMessage(`Lambda Lab: ${message}`, 'Show Log').then((b) => b && log.show());
        if (args) throw error; // a test (or another command) gets the error too
        return undefined;
      }
    }),
  );
}

async function deployCommand(context: vscode.ExtensionContext, args: DeployCommandArgs): Promise<DeployCommandResult | undefined> {
  const log = outputLog();
  const folder = args.templateDir ?? (await findTemplateFolder());
  if (!folder) return undefined;
  const templateDir = await checkTemplateFolder(folder);

  const experimentId = args.experimentId !== undefined ? validateExperimentId(args.experimentId) : await askExperimentId(context, 'Deploy');
  if (!experimentId) return undefined;

  const choice = args.target ?? (await pickTarget());
  if (!choice) return undefined;
  await saveTargetChoice(choice);

  const memorySizesMB = args.memorySizesMB !== undefined ? memoryFromArgs(args.memorySizesMB) : await pickMemorySizes();
  if (!memorySizesMB) return undefined;
  // The built-in endpoint runs functions on this CPU, so Local offers only this machine's architecture.
  const architectures = args.architectures !== undefined ? archFromArgs(args.architectures) : await pickArchitectures(choice.kind === 'local' ? [hostLambdaArchitecture()] : ARCHITECTURES);
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

  return vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: `Lambda Lab: deploying "${experimentId}"`, cancellable: false },
    async (progress) => {
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
        if (failures.length > 0) {
          void vscode.window.showErrorMessage(`Lambda Lab: ${failures.length} of ${total} functions failed to deploy: ${failures[0].message}`, 'Show Log').then((b) => b && log.show());
        } else {
          const created = result.functions.filter((f) => f.action === 'created').length;
          const unchanged = result.functions.filter((f) => f.action === 'unchanged').length;
          void vscode.window
            .showInformationMessage(
              `Lambda Lab: "${experimentId}" deployed to ${resolved.label}: ${created} created, ${total - created - unchanged} updated, ${unchanged} unchanged.`,
              'Run Sweep',
            )
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
        };
      } catch (error) {
        throw toTargetError(error, errorContextOf(resolved));
      }
    },
  );
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

async function pickMemorySizes(): Promise<number[] | undefined> {
  const custom = '$(edit) Custom list…';
  const picked = await vscode.window.showQuickPick(
    [
      ...MEMORY_PRESETS.map((p) => ({ label: p.label, description: p.description, detail: p.sizesMB.join(', ') + ' MB', preset: p.id })),
      { label: custom, description: 'e.g. 512, 1769, 3538', preset: undefined },
    ],
    { title: 'Deploy: memory sizes', placeHolder: 'One function is deployed per memory size and architecture' },
  );
  if (!picked) return undefined;
  if (picked.preset) return resolveMemorySelection(picked.preset);
  const text = await vscode.window.showInputBox({
    title: 'Memory sizes (MB, 128..10240)',
    value: '512, 1769, 3538',
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
      description: onlyHost ? "this machine's CPU: the built-in endpoint runs functions natively (use AWS to compare architectures)" : arch === 'arm64' ? 'Graviton, ~20% cheaper per GB-second' : undefined,
    })),
    { title: 'Deploy: architectures', canPickMany: true, placeHolder: onlyHost ? 'Local runs only this machine\'s architecture' : 'Pick one or both' },
  );
  if (!picked || picked.length === 0) return undefined;
  return picked.map((p) => p.label as Architecture);
}

async function pickRole(experimentId: string): Promise<RoleChoice | undefined> {
  const setting = readRoleArnSetting();
  const items: Array<vscode.QuickPickItem & { choice: 'setting' | 'create' | 'enter' }> = [];
  if (setting) items.push({ label: `$(check) ${setting}`, description: 'lambdaLab.roleArn', choice: 'setting' });
  items.push(
    { label: `$(add) Create a minimal role "${roleNameFor(experimentId)}"`, description: 'trusts lambda.amazonaws.com; AWSLambdaBasicExecutionRole only', choice: 'create' },
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

