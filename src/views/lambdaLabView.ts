// Registers the Lambda Lab view (activity bar → Lambda Lab → Experiments) and its actions.
import * as vscode from 'vscode';
import { runsFolder } from '../runs/runFolders';
import { registerExperimentViewCommands } from './experimentViewCommands';
import { EXPERIMENTS_VIEW_ID, ExperimentsTreeProvider } from './experimentsTreeProvider';

export function registerLambdaLabView(context: vscode.ExtensionContext): void {
  const workspaceRunsDir = (): string | undefined => {
    const folder = vscode.workspace.workspaceFolders?.[0];
    return folder && folder.uri.scheme === 'file' ? runsFolder(folder.uri.fsPath) : undefined;
  };
  const provider = new ExperimentsTreeProvider(workspaceRunsDir);
  const view = vscode.window.createTreeView(EXPERIMENTS_VIEW_ID, { treeDataProvider: provider, canSelectMany: true, showCollapseAll: true });
  context.subscriptions.push(provider, view);
  registerExperimentViewCommands(context, provider);
}
