// `lambdaLab.showResults`: opens the results view. Without arguments it asks which run (or files);
// the optional argument skips only those pickers — the sweep engine and tests pass it.
import { existsSync } from 'node:fs';
import * as vscode from 'vscode';
import type { RenderedBody, ResultsSource } from '../shared/resultsProtocol';
import { pickResultsSource } from './resultsPickers';
import { ResultsPanel } from './resultsPanel';

export interface ShowResultsArgs {
  runDir?: string;
  files?: string[];
  compareRunDir?: string;
}

export interface ShowResultsOutcome {
  panelId: string;
  runLabel: string | null;
  /** Rows the summary table holds (both runs' when comparing). */
  rows: number;
  /** What the page reported drawing, or null if it did not within the wait (or nothing was loaded). */
  rendered: RenderedBody | null;
}

function argsToSources(args: ShowResultsArgs): { source?: ResultsSource; compare?: ResultsSource } {
  const source: ResultsSource | undefined = args.runDir ? { kind: 'run', runDir: args.runDir } : args.files?.length ? { kind: 'files', files: args.files } : undefined;
  const compare: ResultsSource | undefined = args.compareRunDir ? { kind: 'run', runDir: args.compareRunDir } : undefined;
  return { source, compare };
}

function isShowResultsArgs(value: unknown): value is ShowResultsArgs {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return (
    (v.runDir === undefined || typeof v.runDir === 'string') &&
    (v.compareRunDir === undefined || typeof v.compareRunDir === 'string') &&
    (v.files === undefined || (Array.isArray(v.files) && v.files.every((f) => typeof f === 'string')))
  );
}

export async function showResults(context: vscode.ExtensionContext, rawArgs?: unknown): Promise<ShowResultsOutcome | undefined> {
  // Explorer menus pass the folder's Uri: treat it as the run directory. Otherwise only our own shape counts.
  const args: ShowResultsArgs = rawArgs instanceof vscode.Uri ? (rawArgs.scheme === 'file' ? { runDir: rawArgs.fsPath } : {}) : isShowResultsArgs(rawArgs) ? rawArgs : {};
  let { source, compare } = argsToSources(args);
  if (!source) {
    source = await pickResultsSource('show');
    if (!source) return undefined;
  }
  if (source.kind === 'run' && !existsSync(source.runDir)) {
    void vscode.window.showErrorMessage(`Lambda Lab: ${source.runDir} does not exist. Run a sweep first, or pick another run.`);
    return undefined;
  }
  const panel = await ResultsPanel.show(context, source, compare);
  // A sweep opening the view before its first record has nothing to draw yet: do not wait then.
  const rendered = panel.hasAnalysis ? await panel.waitForRender(15_000) : null;
  return { panelId: panel.id, runLabel: panel.runLabel ?? null, rows: panel.tableRows, rendered };
}

export function registerShowResultsCommand(context: vscode.ExtensionContext): void {
  context.subscriptions.push(vscode.commands.registerCommand('lambdaLab.showResults', (args?: unknown) => showResults(context, args)));
}
