// `lambdaLab.showResults`: opens the results view. Without arguments it asks which run (or files);
// the optional argument skips only those pickers — the sweep engine and tests pass it.
import { existsSync, readdirSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { RUN_FILE } from '../core/runFiles';
import * as vscode from 'vscode';
import type { RenderedBody, ResultsSource } from '../shared/resultsProtocol';
import { pickResultsSource } from './resultsPickers';
import { ResultsPanel } from './resultsPanel';

export interface ShowResultsArgs {
  runDir?: string;
  files?: string[];
  compareRunDir?: string;
  /** false: do not offer to compare with another run (the sweep opens the view as it starts). */
  offerCompare?: boolean;
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
  const source: ResultsSource | undefined = args.runDir
    ? { kind: 'run', runDir: args.runDir }
    : args.files?.length
      ? { kind: 'files', files: args.files }
      : undefined;
  const compare: ResultsSource | undefined = args.compareRunDir ? { kind: 'run', runDir: args.compareRunDir } : undefined;
  return { source, compare };
}

function isShowResultsArgs(value: unknown): value is ShowResultsArgs {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return (
    (v.runDir === undefined || typeof v.runDir === 'string') &&
    (v.compareRunDir === undefined || typeof v.compareRunDir === 'string') &&
    (v.offerCompare === undefined || typeof v.offerCompare === 'boolean') &&
    (v.files === undefined || (Array.isArray(v.files) && v.files.every((f) => typeof f === 'string')))
  );
}

export async function showResults(context: vscode.ExtensionContext, rawArgs?: unknown): Promise<ShowResultsOutcome | undefined> {
  // Explorer menus pass the folder's Uri: treat it as the run directory. Otherwise only our own shape counts.
  const args: ShowResultsArgs =
    rawArgs instanceof vscode.Uri ? (rawArgs.scheme === 'file' ? { runDir: rawArgs.fsPath } : {}) : isShowResultsArgs(rawArgs) ? rawArgs : {};
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
  if (source.kind === 'run' && !compare && args.offerCompare !== false) void offerCompare(context, source.runDir);
  return { panelId: panel.id, runLabel: panel.runLabel ?? null, rows: panel.tableRows, rendered };
}

/** The next step after reading one run: compare it with another run of the same folder. */
async function offerCompare(context: vscode.ExtensionContext, runDir: string): Promise<void> {
  const others = siblingRuns(runDir);
  if (others.length === 0) return;
  const button = await vscode.window.showInformationMessage(`Lambda Lab: compare ${basename(runDir)} with another run?`, 'Compare…');
  if (!button) return;
  const picked = await vscode.window.showQuickPick(
    others.map((dir) => ({ label: basename(dir), dir })),
    { title: `Compare ${basename(runDir)} with…`, placeHolder: 'The run to show next to it' },
  );
  if (picked) await showResults(context, { runDir, compareRunDir: picked.dir, offerCompare: false });
}

/** Other run folders (with a run.json) next to `runDir`, newest first. */
function siblingRuns(runDir: string): string[] {
  const parent = dirname(runDir);
  try {
    return readdirSync(parent)
      .map((name) => join(parent, name))
      .filter((dir) => dir !== runDir && existsSync(join(dir, RUN_FILE)))
      .sort()
      .reverse();
  } catch {
    return [];
  }
}

export function registerShowResultsCommand(context: vscode.ExtensionContext): void {
  context.subscriptions.push(vscode.commands.registerCommand('lambdaLab.showResults', (args?: unknown) => showResults(context, args)));
}
