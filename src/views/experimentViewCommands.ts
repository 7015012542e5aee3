// The Lambda Lab view's actions. Each takes the tree node it was invoked on and runs the existing
// command with that node's experiment or run, so the pickers ask only what the node does not say.
// These commands are hidden from the palette (their palette equivalents are the plain commands).
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { invocationsToCsv } from '../core/analysis/invocationCsvExport';
import { loadAnalysisInput } from '../runs/analysisFiles';
import type { ExperimentTreeNode, ExperimentsTreeProvider } from './experimentsTreeProvider';
import { readRuns, type RunInfo } from './experimentsModel';

type RunNode = ExperimentTreeNode & { kind: 'run' };

export const VIEW_COMMANDS = {
  refresh: 'lambdaLab.view.refresh',
  deploy: 'lambdaLab.view.deploy',
  runSweep: 'lambdaLab.view.runSweep',
  showResults: 'lambdaLab.view.showResults',
  resume: 'lambdaLab.view.resume',
  compare: 'lambdaLab.view.compare',
  exportCsv: 'lambdaLab.view.exportCsv',
  cleanup: 'lambdaLab.view.cleanup',
  reveal: 'lambdaLab.view.reveal',
} as const;

export function registerExperimentViewCommands(context: vscode.ExtensionContext, provider: ExperimentsTreeProvider): void {
  // Tree nodes and selections arrive untyped from VS Code; each handler states what it expects.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const register = (id: string, handler: (...args: any[]) => unknown) =>
    context.subscriptions.push(
      vscode.commands.registerCommand(id, async (...args: unknown[]) => {
        try {
          return await handler(...args);
        } catch {
          // The command the action delegates to has already shown (and logged) its error.
          return undefined;
        }
      }),
    );

  register(VIEW_COMMANDS.refresh, () => provider.refresh());
  register(VIEW_COMMANDS.deploy, (node?: ExperimentTreeNode) => vscode.commands.executeCommand('lambdaLab.deploy', experimentArgs(node)));
  register(VIEW_COMMANDS.runSweep, (node?: ExperimentTreeNode) => vscode.commands.executeCommand('lambdaLab.runSweep', experimentArgs(node)));
  register(VIEW_COMMANDS.cleanup, (node?: ExperimentTreeNode) => cleanUpExperiment(node));
  register(VIEW_COMMANDS.showResults, (node?: ExperimentTreeNode) => {
    const run = runOf(node);
    return vscode.commands.executeCommand('lambdaLab.showResults', run ? { runDir: run.runDir } : undefined);
  });
  register(VIEW_COMMANDS.resume, (node?: ExperimentTreeNode) => {
    const run = runOf(node);
    return vscode.commands.executeCommand('lambdaLab.runSweep', run ? { resumeDir: run.runDir } : undefined);
  });
  register(VIEW_COMMANDS.compare, (node?: ExperimentTreeNode, selected?: ExperimentTreeNode[]) => compareRuns(node, selected));
  register(VIEW_COMMANDS.exportCsv, (node?: ExperimentTreeNode) => exportRunCsv(runOf(node)));
  register(VIEW_COMMANDS.reveal, (node?: ExperimentTreeNode) => {
    const run = runOf(node);
    if (run) return vscode.commands.executeCommand('revealInExplorer', vscode.Uri.file(run.runDir));
    return undefined;
  });
}

/** `{ experimentId }` for a node inside an experiment; undefined (every picker asks) otherwise. */
function experimentArgs(node: ExperimentTreeNode | undefined): { experimentId: string } | undefined {
  if (!node) return undefined;
  if (node.kind === 'experiment' || node.kind === 'functions' || node.kind === 'runs') return { experimentId: node.experiment.experimentId };
  if (node.kind === 'function') return { experimentId: node.fn.experimentId };
  if (node.kind === 'run') return { experimentId: node.run.experimentId };
  return undefined;
}

/**
 * Clean Up from the view asks first, in a QuickPick that lists what would be deleted and stays open
 * until answered (a modal dialog would be the alternative, but the workbench refuses to show modal
 * dialogs while extension tests run, so the view's journey could not be tested through the UI).
 * Only a node's experiment with functions on the target gets here; Clean Up itself deletes by tag.
 */
async function cleanUpExperiment(node: ExperimentTreeNode | undefined): Promise<unknown> {
  if (!node) {
    // Only the experiment rows' menu offers this command, and VS Code passes no row when it was
    // redrawing the view as the item was clicked. Asking for an experiment id here would answer
    // a click on a row with an unrelated question.
    void vscode.window.showWarningMessage(
      'Lambda Lab: the view was being redrawn as Clean Up was clicked, so VS Code did not say which experiment. Right-click its row and choose Clean Up again.',
    );
    return undefined;
  }
  if (node.kind !== 'experiment' && node.kind !== 'functions') return vscode.commands.executeCommand('lambdaLab.cleanup');
  const { experimentId, functions } = node.experiment;
  const count = `${functions.length} function${functions.length === 1 ? '' : 's'}`;
  const confirm = { label: `$(trash) Delete ${count}`, description: functions.map((f) => f.functionName).join(', '), confirmed: true };
  const keep = { label: '$(close) Keep them', description: 'delete nothing', confirmed: false };
  const picked = await vscode.window.showQuickPick([keep, confirm], {
    title: `Clean Up "${experimentId}": delete its ${count} on the current target?`,
    placeHolder: 'Runs in the workspace are kept; only the deployed functions are deleted',
    ignoreFocusOut: true,
  });
  if (!picked?.confirmed) return undefined;
  return vscode.commands.executeCommand('lambdaLab.cleanup', { experimentId, confirmed: true });
}

function runOf(node: ExperimentTreeNode | undefined): RunInfo | undefined {
  return node?.kind === 'run' ? node.run : undefined;
}

/** Two selected runs open side by side; with one, the other is picked from this experiment's runs. */
async function compareRuns(node: ExperimentTreeNode | undefined, selected: ExperimentTreeNode[] | undefined): Promise<unknown> {
  const runs = (selected?.length ? selected : node ? [node] : []).filter((n): n is RunNode => n.kind === 'run').map((n) => n.run);
  if (runs.length > 2) {
    void vscode.window.showWarningMessage('Lambda Lab: Compare takes two runs. Select two runs (Ctrl/Cmd+click) and choose Compare again.');
    return undefined;
  }
  let [first, second] = runs;
  if (!first) return vscode.commands.executeCommand('lambdaLab.showResults');
  if (!second) {
    const others = readSiblingRuns(first);
    if (others.length === 0) {
      void vscode.window
        .showInformationMessage(`Lambda Lab: "${first.experimentId}" has only this run. Run another sweep to compare with it.`, 'Run Sweep')
        .then((button) => button && vscode.commands.executeCommand('lambdaLab.runSweep', { experimentId: first!.experimentId }));
      return undefined;
    }
    const picked = await vscode.window.showQuickPick(
      others.map((run) => ({ label: run.runId, description: `${run.status} · ${run.done}/${run.planned}`, run })),
      { title: `Compare ${first.runId} with…`, placeHolder: 'The run to compare with' },
    );
    if (!picked) return undefined;
    second = picked.run;
  }
  return vscode.commands.executeCommand('lambdaLab.showResults', { runDir: first.runDir, compareRunDir: second.runDir });
}

function readSiblingRuns(run: RunInfo): RunInfo[] {
  const runsDir = path.dirname(run.runDir);
  return readRuns(runsDir).filter((other) => other.runDir !== run.runDir);
}

async function exportRunCsv(run: RunInfo | undefined): Promise<void> {
  if (!run) return;
  const log = loadAnalysisInput([run.runDir]);
  if (log.records.length === 0) {
    void vscode.window.showInformationMessage(`Lambda Lab: ${run.runId} has no invocations recorded yet; nothing to export.`);
    return;
  }
  const target = await vscode.window.showSaveDialog({
    defaultUri: vscode.Uri.file(path.join(path.dirname(path.dirname(run.runDir)), `${run.runId}.csv`)),
    filters: { CSV: ['csv'] },
    title: `Lambda Lab: export ${run.runId} as CSV`,
  });
  if (!target) return;
  await fs.promises.writeFile(target.fsPath, invocationsToCsv(log.records), 'utf8');
  const button = await vscode.window.showInformationMessage(`Lambda Lab: exported ${log.records.length} invocations to ${target.fsPath}.`, 'Open');
  if (button) await vscode.window.showTextDocument(target);
}
