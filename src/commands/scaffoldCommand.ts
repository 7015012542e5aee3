// Lambda Lab: Scaffold Experiment Function — copies lambda-template/ into the user's workspace and
// opens the handler. Tests (and other commands) can pass { targetDir, overwrite } to skip dialogs.
import { existsSync } from 'node:fs';
import { appendFile, readFile } from 'node:fs/promises';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { inVsCodeWords } from './vsCodeWording';
import { ScaffoldConflictError, nextStepCommand, scaffoldTemplate } from '../scaffold/scaffolder';

export const SCAFFOLD_COMMAND_ID = 'lambdaLab.scaffold';
export const DEFAULT_SCAFFOLD_FOLDER = 'lambda-parallel-lab';
export const NO_FOLDER_MESSAGE = 'Open a folder first (File > Open Folder), then run Lambda Lab: Scaffold Experiment Function again.';

export interface ScaffoldCommandArgs {
  /** Absolute, or relative to the first workspace folder. Given: no dialogs are shown. */
  targetDir?: string;
  /** Overwrite existing files without asking. Without it, existing files are left alone. */
  overwrite?: boolean;
}

export interface ScaffoldCommandResult {
  targetDir: string;
  /** Files written (relative to targetDir); empty when nothing was written. */
  files: string[];
  /** Existing files that stopped the copy (only when nothing was written because of them). */
  conflicts?: string[];
}

export function registerScaffoldCommand(context: vscode.ExtensionContext): void {
  const templateDir = path.join(context.extensionPath, 'lambda-template');
  context.subscriptions.push(vscode.commands.registerCommand(SCAFFOLD_COMMAND_ID, (args?: unknown) => runScaffold(templateDir, asArgs(args))));
}

/** The palette passes nothing, menus may pass a Uri; only a plain `{ targetDir }` object drives the command. */
function asArgs(value: unknown): ScaffoldCommandArgs | undefined {
  if (typeof value !== 'object' || value === null || value instanceof vscode.Uri) return undefined;
  const { targetDir, overwrite } = value as Record<string, unknown>;
  if (typeof targetDir !== 'string' || targetDir.trim() === '') return undefined;
  return { targetDir, overwrite: overwrite === true };
}

export async function runScaffold(templateDir: string, args?: ScaffoldCommandArgs): Promise<ScaffoldCommandResult | undefined> {
  const interactive = args === undefined;
  const workspaceDir = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;

  let targetDir: string;
  if (args?.targetDir !== undefined) {
    if (!path.isAbsolute(args.targetDir) && !workspaceDir) {
      void vscode.window.showErrorMessage(NO_FOLDER_MESSAGE);
      throw new Error(`Cannot resolve the relative folder "${args.targetDir}": ${NO_FOLDER_MESSAGE}`);
    }
    targetDir = path.resolve(workspaceDir ?? '', args.targetDir);
  } else {
    if (!workspaceDir) {
      void vscode.window.showErrorMessage(NO_FOLDER_MESSAGE);
      return undefined;
    }
    const picked = await askForTarget(workspaceDir);
    if (picked === undefined) return undefined;
    targetDir = picked;
  }

  try {
    let result;
    try {
      result = await scaffoldTemplate({ templateDir, targetDir, force: args?.overwrite === true });
    } catch (error) {
      if (!(error instanceof ScaffoldConflictError)) throw error;
      if (!interactive) {
        void vscode.window.showWarningMessage(`Lambda Lab: nothing was copied. ${inVsCodeWords(error.message)}`);
        return { targetDir, files: [], conflicts: error.conflicts };
      }
      if (!(await confirmOverwrite(error))) return undefined;
      result = await scaffoldTemplate({ templateDir, targetDir, force: true });
    }
    await openHandler(result.targetDir);
    void announce(result.targetDir, result.files.length, workspaceDir);
    if (interactive) void offerGitignore(workspaceDir);
    return result;
  } catch (error) {
    const message = `Lambda Lab: could not scaffold the experiment function into ${targetDir}: ${error instanceof Error ? error.message : String(error)}`;
    void vscode.window.showErrorMessage(message);
    if (interactive) return undefined;
    throw error;
  }
}

async function askForTarget(workspaceDir: string): Promise<string | undefined> {
  const answer = await vscode.window.showInputBox({
    title: 'Lambda Lab: Scaffold Experiment Function',
    prompt: `Folder for the experiment function, relative to ${workspaceDir} (or an absolute path). It is created if needed.`,
    value: DEFAULT_SCAFFOLD_FOLDER,
    ignoreFocusOut: true,
    validateInput: (text) => (text.trim() === '' ? 'Enter a folder name, e.g. lambda-parallel-lab' : undefined),
  });
  return answer === undefined ? undefined : path.resolve(workspaceDir, answer.trim());
}

async function confirmOverwrite(conflict: ScaffoldConflictError): Promise<boolean> {
  const choice = await vscode.window.showWarningMessage(
    `${conflict.targetDir} already has ${conflict.conflicts.length} of the template's files. Overwrite them?`,
    { modal: true, detail: `These files would be replaced:\n${conflict.conflicts.join('\n')}` },
    'Overwrite',
  );
  return choice === 'Overwrite';
}

async function openHandler(targetDir: string): Promise<void> {
  const document = await vscode.workspace.openTextDocument(vscode.Uri.file(path.join(targetDir, 'index.mjs')));
  await vscode.window.showTextDocument(document, { preview: false });
}

async function announce(targetDir: string, fileCount: number, workspaceDir: string | undefined): Promise<void> {
  const shown = workspaceDir && !path.relative(workspaceDir, targetDir).startsWith('..') ? path.relative(workspaceDir, targetDir) || '.' : targetDir;
  const deploy = 'Deploy';
  const tryLocally = 'Try It in a Terminal';
  const choice = await vscode.window.showInformationMessage(
    `Lambda Lab: copied ${fileCount} files into ${shown}. Next: Deploy Experiment (nothing needs installing).`,
    deploy,
    tryLocally,
  );
  // Deploy shows its own errors, so a failure here needs no second message.
  if (choice === deploy) void Promise.resolve(vscode.commands.executeCommand('lambdaLab.deploy', { templateDir: targetDir })).catch(() => undefined);
  if (choice === tryLocally) {
    // Typed, not run: the user sees the command and presses Enter.
    const terminal = vscode.window.createTerminal({ name: 'Lambda Lab function', cwd: targetDir });
    terminal.show();
    terminal.sendText(nextStepCommand('.'), false);
  }
}

/** Run folders (.lambda-lab/) hold results and locks, not sources: offers to keep them out of git once per workspace. */
async function offerGitignore(workspaceDir: string | undefined): Promise<void> {
  if (!workspaceDir) return;
  const gitignore = path.join(workspaceDir, '.gitignore');
  let text = '';
  try {
    text = await readFile(gitignore, 'utf8');
  } catch {
    if (!existsSync(path.join(workspaceDir, '.git'))) return; // not a git repository: nothing to offer
  }
  if (text.split(/\r?\n/).some((line) => /^\/?\.lambda-lab\/?(\*\*)?$/.test(line.trim()))) return;
  const add = 'Add to .gitignore';
  const answer = await vscode.window.showInformationMessage('Lambda Lab: keep run results (.lambda-lab/) out of git?', add, 'Not Now');
  if (answer !== add) return;
  await appendFile(gitignore, `${text === '' || text.endsWith('\n') ? '' : '\n'}.lambda-lab/\n`);
}
