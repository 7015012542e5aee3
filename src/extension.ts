import { startActivationClock, type ActivationTiming } from './os/activationTiming';
import * as vscode from 'vscode';
import { registerScaffoldCommand } from './commands/scaffoldCommand';
import { registerOutputLog } from './outputLog';
import { sharedLocalEndpointService, stopSharedLocalEndpoint } from './target/localEndpointService';
import { registerTargetStatusBarItem } from './target/targetStatusBarItem';
import { registerLambdaLabView } from './views/lambdaLabView';

/** The results webview's type; the same string as RESULTS_VIEW_TYPE and the onWebviewPanel activation event. */
const RESULTS_VIEW_TYPE = 'lambdaLabResults';

type Register = (context: vscode.ExtensionContext) => void;

/**
 * Registers `commandIds` with stand-ins that, on first use, load the module behind them (and with
 * it the AWS SDK or the results view), let it register the real commands, and pass the call on.
 * Activation then costs only the status bar item and these stand-ins.
 */
function registerOnFirstUse(context: vscode.ExtensionContext, commandIds: string[], load: () => Promise<Register>): void {
  let loading: Promise<void> | undefined;
  const standIns = commandIds.map((id) =>
    vscode.commands.registerCommand(id, async (...args: unknown[]) => {
      loading ??= load().then((register) => {
        for (const standIn of standIns) standIn.dispose();
        register(context);
      });
      await loading;
      return vscode.commands.executeCommand(id, ...args);
    }),
  );
  context.subscriptions.push(...standIns);
}

/** The built-in endpoint's address and generated credentials, for a test's own SDK client. */
export interface LocalEndpointAccess {
  endpoint: string;
  region: string;
  accessKeyId: string;
  secretAccessKey: string;
}

/** What the extension exports to other extensions and to its tests. */
export interface LambdaLabExports {
  activationTiming: ActivationTiming;
  /**
   * Only when a test launcher runs the window (LAMBDA_LAB_TEST_WORKSPACE is set): starts the
   * window's built-in endpoint if needed and says how to reach it, so a suite test can put a
   * function of "the user's" on it through the SDK. Absent otherwise: the credentials stay inside.
   */
  testing?: { localEndpoint(): Promise<LocalEndpointAccess> };
}

export function activate(context: vscode.ExtensionContext): LambdaLabExports {
  const activated = startActivationClock();
  const log = registerOutputLog(context);
  registerScaffoldCommand(context);
  registerTargetStatusBarItem(context, sharedLocalEndpointService());
  registerOnFirstUse(context, ['lambdaLab.deploy'], async () => (await import('./commands/deployCommand.js')).registerDeployCommand);
  registerOnFirstUse(context, ['lambdaLab.runSweep'], async () => (await import('./commands/runSweepCommand.js')).registerRunSweepCommand);
  registerOnFirstUse(
    context,
    ['lambdaLab.sweepOwnFunction'],
    async () => (await import('./commands/ownFunctionSweepCommand.js')).registerOwnFunctionSweepCommand,
  );
  registerOnFirstUse(context, ['lambdaLab.cleanup'], async () => (await import('./commands/cleanupCommand.js')).registerCleanupCommand);
  registerOnFirstUse(context, ['lambdaLab.showResults'], async () => (await import('./results/showResultsCommand.js')).registerShowResultsCommand);
  // A results panel restored after a reload needs a serializer now; the view's code loads when one is revived.
  context.subscriptions.push(
    vscode.window.registerWebviewPanelSerializer(RESULTS_VIEW_TYPE, {
      async deserializeWebviewPanel(panel: vscode.WebviewPanel, state: unknown): Promise<void> {
        (await import('./results/resultsPanel.js')).ResultsPanel.revive(context, panel, state);
      },
    }),
  );
  registerLambdaLabView(context);
  const activationTiming = activated();
  log.info(
    `Activated in ${activationTiming.activateMs} ms (${activationTiming.loadAndActivateMs} ms with loading; ${activationTiming.sinceHostStartMs} ms after the extension host started).`,
  );
  if (!process.env.LAMBDA_LAB_TEST_WORKSPACE) return { activationTiming };
  const testing = {
    async localEndpoint(): Promise<LocalEndpointAccess> {
      const { endpoint, region, accessKeyId, secretAccessKey } = await sharedLocalEndpointService().ensureStarted();
      return { endpoint, region, accessKeyId, secretAccessKey };
    },
  };
  return { activationTiming, testing };
}

export function deactivate(): Promise<void> {
  // Stops the built-in endpoint (if the Local target started one) and its execution environments.
  return stopSharedLocalEndpoint();
}
