import * as vscode from 'vscode';
import { registerScaffoldCommand } from './commands/scaffoldCommand';
import { registerShowResultsCommand } from './commands/showResultsCommand';
import { registerResultsPanelSerializer } from './views/resultsPanel';
import { registerDeployCommand } from './commands/deployCommand';
import { registerRunSweepCommand } from './commands/runSweepCommand';
import { registerCleanupCommand } from './commands/cleanupCommand';
import { registerOutputLog } from './views/outputLog';
import { sharedLocalEndpointService, stopSharedLocalEndpoint } from './views/localEndpointService';
import { registerTargetStatusBarItem } from './views/targetStatusBarItem';

export function activate(context: vscode.ExtensionContext): void {
  registerScaffoldCommand(context);
  registerShowResultsCommand(context);
  registerResultsPanelSerializer(context);
  registerOutputLog(context);
  registerTargetStatusBarItem(context, sharedLocalEndpointService());
  registerDeployCommand(context);
  registerRunSweepCommand(context);
  registerCleanupCommand(context);
}

export function deactivate(): Promise<void> {
  // Stops the built-in endpoint (if the Local target started one) and its execution environments.
  return stopSharedLocalEndpoint();
}
