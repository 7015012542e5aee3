// The target every command uses: the one in the settings (status bar), resolved with a
// cancellable notification because SSO or credential_process logins can take a while.
import * as vscode from 'vscode';
import { chooseTarget, resolveTarget, verifyCredentials, type ResolvedTarget, type TargetChoice } from '../aws/lambdaTarget';
import { readEndpointState } from '../localEndpoint/endpointStateFile';
import { sharedLocalEndpointService, type LocalEndpointService } from './localEndpointService';
import { longTargetLabel, readTargetChoice } from './targetSettings';

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

/**
 * The SDK-ready target for a choice (default: the settings). For Local, the window's built-in
 * endpoint is started if needed. Credentials are loaded once here, so an expired login is
 * reported before any work starts (as a TargetError naming the profile and what to run).
 */
export async function resolveConfiguredTarget(localEndpoints: LocalEndpointService, choice: TargetChoice = readTargetChoice()): Promise<ResolvedTarget> {
  if ((choice.kind ?? 'local') === 'local') {
    const handle = await localEndpoints.ensureStarted();
    return resolveTarget({ kind: 'local' }, { localEndpoint: handle });
  }
  const target = await chooseTarget(choice);
  // A custom endpoint may be this window's built-in endpoint or one started by `lambda-lab endpoint`.
  const localEndpoint = target.kind === 'endpoint' ? localEndpoints.running ?? (await readEndpointState().catch(() => null)) : null;
  const resolved = await resolveTarget(target, { localEndpoint });
  await verifyCredentials(resolved);
  return resolved;
}
