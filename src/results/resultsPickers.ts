// The two ways to choose what the results view shows: a run from the workspace, or files to import.
import * as vscode from 'vscode';
import type { ResultsSource } from '../shared/resultsProtocol';
import { listRuns } from './resultsLoader';

function workspaceFolderPaths(): string[] {
  return (vscode.workspace.workspaceFolders ?? []).filter((f) => f.uri.scheme === 'file').map((f) => f.uri.fsPath);
}

/** Asks for CSV/JSONL files or folders of them (the study's results folder works as is). */
export async function pickImportFiles(): Promise<ResultsSource | undefined> {
  const uris = await vscode.window.showOpenDialog({
    title: 'Import results: the study\u2019s CSV files, a folder of them, or invocations.jsonl',
    canSelectFiles: true,
    canSelectFolders: true,
    canSelectMany: true,
    openLabel: 'Import',
    filters: { 'Results (CSV, JSONL)': ['csv', 'jsonl'] },
  });
  if (!uris || uris.length === 0) return undefined;
  return { kind: 'files', files: uris.map((u) => u.fsPath) };
}

interface SourcePick extends vscode.QuickPickItem {
  source?: ResultsSource;
  importFiles?: boolean;
}

/** QuickPick over `.lambda-lab/runs/*` in every workspace folder, plus "Import files…". */
export async function pickResultsSource(purpose: 'show' | 'compare'): Promise<ResultsSource | undefined> {
  const runs = listRuns(workspaceFolderPaths());
  const items: SourcePick[] = runs.map((run) => ({
    label: run.runId,
    description: [run.status, run.startedAt ? new Date(run.startedAt).toLocaleString() : ''].filter(Boolean).join(' · '),
    detail: run.runDir,
    source: { kind: 'run', runDir: run.runDir },
  }));
  items.push({ label: '$(folder-opened) Import files…', description: 'CSV files from the original study, or a folder of them', importFiles: true });
  const picked = await vscode.window.showQuickPick(items, {
    title: purpose === 'compare' ? 'Lambda Lab: compare with which run?' : 'Lambda Lab: show which run?',
    placeHolder: runs.length ? 'Runs in this workspace, newest first' : 'No runs in this workspace yet (.lambda-lab/runs/); import files instead',
    matchOnDescription: true,
    matchOnDetail: true,
  });
  if (!picked) return undefined;
  return picked.importFiles ? pickImportFiles() : picked.source;
}
