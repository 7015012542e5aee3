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
        const service = sharedLocalEndpointService();
        const endpointWasRunning = service.running !== undefined;
        const abort = new AbortController();
        const cancelled = token.onCancellationRequested(() => {
          // The command stops now; the remaining steps are skipped, and a built-in endpoint started only for this is stopped.
          abort.abort();
          output.appendLine(`Cancelled connecting to ${longTargetLabel(choice)}.`);
          resolve(undefined);
          if (!endpointWasRunning)
            void connecting.then(
              () => service.stop(),
              () => undefined,
            );
        });
        const connecting = resolveConfiguredTarget(service, choice, abort.signal);
        connecting.then(
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
export async function resolveConfiguredTarget(
  localEndpoints: LocalEndpointService,
  choice: TargetChoice = readTargetChoice(),
  signal?: AbortSignal,
): Promise<ResolvedTarget> {
  const checkCancelled = () => {
    if (signal?.aborted) throw new Error('Connecting was cancelled.');
  };
  if ((choice.kind ?? 'local') === 'local') {
    const handle = await localEndpoints.ensureStarted();
    checkCancelled();
    return resolveTarget({ kind: 'local' }, { localEndpoint: handle });
  }
  const target = await chooseTarget(choice);
  checkCancelled();
  // A custom endpoint may be this window's built-in endpoint or one started by `lambda-lab endpoint`.
  const localEndpoint = target.kind === 'endpoint' ? (localEndpoints.running ?? (await readEndpointState().catch(() => null))) : null;
  const resolved = await resolveTarget(target, { localEndpoint });
  checkCancelled();
  await verifyCredentials(resolved);
  return resolved;
}
