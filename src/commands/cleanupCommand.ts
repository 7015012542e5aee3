// "Lambda Lab: Clean Up Experiment": on the current target, delete every function tagged with
// the experiment and, if the user agrees, the role Lambda Lab created for it. Tests pass an
// argument object with the same choices (including the confirmation); the rest runs as for a user.
import * as vscode from 'vscode';
import { inVsCodeWords } from './vsCodeWording';
import { createIamClient, createLambdaClient, errorContextOf, type TargetChoice } from '../aws/lambdaTarget';
import { toTargetError } from '../aws/credentialErrors';
import { roleNameFor } from '../core/experimentNaming';
import { validateExperimentId } from '../core/experimentValidation';
import { cleanupExperiment, type CleanupResult } from '../deploy/cleanup';
import { describeCleanup } from '../deploy/cleanupSummary';
import { listExperimentFunctions } from '../deploy/deployer';
import { outputLog } from '../outputLog';
import { resolveTargetForCommand } from '../target/commandTarget';
import { askExperimentId } from './experimentPrompt';
import { notifyExperimentsChanged } from '../views/experimentsChanged';

export const CLEANUP_COMMAND = 'lambdaLab.cleanup';

export interface CleanupCommandArgs {
  experimentId?: string;
  /** Default: the current target (settings / status bar). */
  target?: TargetChoice;
  /** Also delete the role lambda-parallel-lab-<id> if Lambda Lab created it. */
  deleteRole?: boolean;
  /** true skips the "Delete N functions?" confirmation. */
  confirmed?: boolean;
}

export interface CleanupCommandResult extends CleanupResult {
  experimentId: string;
  target: string;
}

export function registerCleanupCommand(context: vscode.ExtensionContext): void {
  context.subscriptions.push(
    vscode.commands.registerCommand(CLEANUP_COMMAND, async (args?: CleanupCommandArgs): Promise<CleanupCommandResult | undefined> => {
      const log = outputLog();
      try {
        return await cleanupCommand(context, args ?? {});
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        log.error(`Clean up failed: ${message}`);
        void vscode.window.showErrorMessage(`Lambda Lab: ${inVsCodeWords(message)}`, 'Show Log').then((b) => b && log.show());
        if (args) throw error;
        return undefined;
      }
    }),
  );
}

async function cleanupCommand(context: vscode.ExtensionContext, args: CleanupCommandArgs): Promise<CleanupCommandResult | undefined> {
  const log = outputLog();
  const experimentId = args.experimentId !== undefined ? validateExperimentId(args.experimentId) : await askExperimentId(context, 'Clean Up');
  if (!experimentId) return undefined;
  const resolved = await resolveTargetForCommand(context, { appendLine: (line) => log.info(line) }, args.target);
  if (!resolved) return undefined;
  const client = createLambdaClient(resolved);
  try {
    const functions = await listExperimentFunctions(client, experimentId);
    let deleteRole = args.deleteRole ?? false;
    if (!args.confirmed) {
      if (functions.length === 0 && resolved.builtInEndpoint) {
        void vscode.window.showInformationMessage(`Lambda Lab: no functions of "${experimentId}" on ${resolved.label}; nothing to delete.`);
        return { experimentId, target: resolved.label, deletedFunctions: [], failures: [], skipped: [], role: null };
      }
      const deleteFunctions = `Delete ${functions.length} Function${functions.length === 1 ? '' : 's'}`;
      const withRole = `${deleteFunctions} and Role`;
      const buttons = resolved.builtInEndpoint || args.deleteRole !== undefined ? [deleteFunctions] : [deleteFunctions, withRole];
      const answer = await vscode.window.showWarningMessage(
        `Delete the ${functions.length} function${functions.length === 1 ? '' : 's'} of experiment "${experimentId}" on ${resolved.label}?`,
        {
          modal: true,
          detail:
            functions.map((f) => f.functionName).join('\n') +
            (resolved.builtInEndpoint ? '' : `\n\n"${withRole}" also deletes ${roleNameFor(experimentId)}, only if Lambda Lab created it.`),
        },
        ...buttons,
      );
      if (!answer) return undefined;
      if (answer === withRole) deleteRole = true;
    }
    if (deleteRole && resolved.builtInEndpoint) deleteRole = false; // the built-in endpoint has no roles
    const result = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `Lambda Lab: cleaning up "${experimentId}"`, cancellable: true },
      async (progress, token) => {
        // Cancelling starts no further delete (those under way finish) and keeps the role.
        const cancel = new AbortController();
        const cancelled = token.onCancellationRequested(() => cancel.abort());
        let deleted = 0;
        try {
          return await cleanupExperiment({
            client,
            experimentId,
            deleteRole,
            iam: deleteRole ? createIamClient(resolved) : undefined,
            signal: cancel.signal,
            onDeleted: (name) => {
              log.info(`Deleted ${name}`);
              progress.report({ increment: functions.length ? 100 / functions.length : 0, message: `${++deleted}/${functions.length} deleted` });
            },
          });
        } finally {
          cancelled.dispose();
        }
      },
    );
    notifyExperimentsChanged();
    const summary = describeCleanup(experimentId, result);
    for (const line of summary.split('\n')) log.info(line);
    if (result.failures.length > 0) void vscode.window.showErrorMessage(`Lambda Lab: ${inVsCodeWords(summary)}`, 'Show Log').then((b) => b && log.show());
    else if (result.skipped.length > 0) {
      void vscode.window.showWarningMessage(`Lambda Lab: ${summary}`, 'Clean Up Again').then((b) => b && vscode.commands.executeCommand(CLEANUP_COMMAND));
    } else void vscode.window.showInformationMessage(`Lambda Lab: ${summary}`);
    return { experimentId, target: resolved.label, ...result };
  } catch (error) {
    throw toTargetError(error, errorContextOf(resolved));
  } finally {
    client.destroy();
  }
}
