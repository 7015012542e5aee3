import * as vscode from 'vscode';
import { registerScaffoldCommand } from './commands/scaffoldCommand';
import { registerShowResultsCommand } from './results/showResultsCommand';
import { registerResultsPanelSerializer } from './results/resultsPanel';
import { registerDeployCommand } from './commands/deployCommand';
import { registerRunSweepCommand } from './commands/runSweepCommand';
import { registerCleanupCommand } from './commands/cleanupCommand';
import { registerOutputLog } from './outputLog';
import { sharedLocalEndpointService, stopSharedLocalEndpoint } from './target/localEndpointService';
import { registerTargetStatusBarItem } from './target/targetStatusBarItem';
import { registerLambdaLabView } from './views/lambdaLabView';

export function activate(context: vscode.ExtensionContext): void {
  registerScaffoldCommand(context);
  registerShowResultsCommand(context);
  registerResultsPanelSerializer(context);
  registerOutputLog(context);
  registerTargetStatusBarItem(context, sharedLocalEndpointService());
  registerDeployCommand(context);
  registerRunSweepCommand(context);
  registerCleanupCommand(context);
  registerLambdaLabView(context);
}

export function deactivate(): Promise<void> {
  // Stops the built-in endpoint (if the Local target started one) and its execution environments.
  return stopSharedLocalEndpoint();
}
