// The target every command uses: the one in the settings (status bar), resolved with a
// cancellable notification because SSO or credential_process logins can take a while.
import * as vscode from 'vscode';
import type { ResolvedTarget, TargetChoice } from '../aws/lambdaTarget';
import { sharedLocalEndpointService } from './localEndpointService';
import { longTargetLabel, readTargetChoice, resolveConfiguredTarget } from './targetSettings';

/**
 * Resolves the configured target (or `choice`), starting the built-in endpoint for Local.
 * Returns undefined if the user cancels; throws a TargetError whose message says which profile
 * or endpoint failed and what to run.
 */
export async function resolveTargetForCommand(
  _context: vscode.ExtensionContext,
  output: { appendLine(line: string): void },
  choice: TargetChoice = readTargetChoice(),
): Promise<ResolvedTarget | undefined> {
  const resolved = await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: `Lambda Lab: connecting to ${longTargetLabel(choice)}…`, cancellable: true },
    (_progress, token) =>
      new Promise<ResolvedTarget | undefined>((resolve, reject) => {
        const cancelled = token.onCancellationRequested(() => resolve(undefined));
        resolveConfiguredTarget(sharedLocalEndpointService(), choice).then(
          (value) => {
            cancelled.dispose();
            resolve(value);
          },
          (error: unknown) => {
            cancelled.dispose();
            reject(error);
          },
        );
      }),
  );
  if (resolved) output.appendLine(`Target: ${resolved.label}`);
  return resolved;
}
