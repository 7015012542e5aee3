// Reads what the results view shows: a run directory (run.json + invocations.jsonl) or the study's
// CSV files / folders of them, through the same loader as `lambda-lab analyze` (src/runs), so the
// view and the CLI agree on the same files. No vscode import, so tests use it directly.
import { existsSync, statSync } from 'node:fs';
import path, { basename } from 'node:path';
import { analyzeMixed } from '../core/analysis/analyzeRun';
import { analyseInputFiles, type AnalysisInput } from '../core/analysis/analysisInput';
import { payloadNames, recordsForPayload, runsSweptOwnFunction } from '../core/analysis/payloads';
import { findMemoryPreset } from '../core/memoryPresets';
import { INVOCATIONS_FILE } from '../core/runFiles';
import { loadAnalysisInput, runFolderFiles } from '../runs/analysisFiles';
import { InvocationsFollower } from '../runs/invocationsFollower';
import { hasRecordedInvocations, isRunFolder, scanRunFolders } from '../runs/runFolders';
import type { AnalysedRun, PayloadSelection, ResultsSource } from '../shared/resultsProtocol';

/** Thrown when a run directory exists but the sweep has not written its first invocation yet. */
export class RunNotStartedError extends Error {
  constructor(readonly runDir: string) {
    super(`${runDir} has no ${INVOCATIONS_FILE} yet: the sweep has not recorded an invocation. The view updates when it does.`);
    this.name = 'RunNotStartedError';
  }
}

/**
 * The memory sizes the view predicts every measured thread count at, when not measured: the vCPU
 * steps (1,769 MB × 1..5 and 10,240 MB), where the knees of CPU-bound work lie on Lambda. Few sizes,
 * so the predicted rows stay readable next to the measured ones (`lambda-lab analyze --predict`
 * takes any list; its default is every size of the original study).
 */
export const VIEW_PREDICTION_SIZES_MB: readonly number[] = findMemoryPreset('vcpu-steps')?.sizesMB ?? [];

/**
 * A run that sent several payloads is shown one payload at a time (they are never averaged
 * together): `chosen` if the run has it, else the first in the run's order (run.json's
 * ownFunction.payloads). Runs with one payload or none are shown whole.
 */
function selectPayload(input: AnalysisInput, chosen: string | undefined): { input: AnalysisInput; payload?: PayloadSelection } {
  const declared = input.runs.flatMap((run) => run.meta?.ownFunction?.payloads?.map((p) => p.name) ?? []);
  const names = payloadNames(input.records, declared);
  if (names.length <= 1) return { input };
  const shown = chosen !== undefined && names.includes(chosen) ? chosen : names[0];
  const records = recordsForPayload(input.records, shown);
  return { input: { ...input, records, rowCount: records.length }, payload: { shown, names } };
}

function analysed(whole: AnalysisInput, runLabel: string, source: ResultsSource, live: boolean, chosenPayload?: string): AnalysedRun {
  const { input, payload } = selectPayload(whole, chosenPayload);
  const analysis = analyzeMixed(
    input.records,
    input.aggregates,
    {
      region: input.region ?? undefined,
      itemsPerInvocation: input.itemsPerInvocation,
      predictMemoryMB: VIEW_PREDICTION_SIZES_MB,
      ownFunction: runsSweptOwnFunction(input.runs),
    },
    input.warnings,
  );
  return {
    runLabel,
    source,
    analysis,
    cpuLimit: input.cpuLimit,
    recordCount: input.rowCount,
    live,
    analysedAt: new Date().toISOString(),
    ...(payload ? { payload } : {}),
  };
}

/**
 * One run, loaded again and again: the results view keeps one per run it follows, so a reload
 * during a live sweep parses only the invocations appended since the last (the whole file again
 * only when it was replaced or cut short). The analysis is the same as `lambda-lab analyze` of the
 * run folder gives.
 */
export class RunLoader {
  private follower: InvocationsFollower | undefined;
  /** The payload to show of a run that sent several (the view's Payload select); the run's first when unset or unknown. */
  payload: string | undefined;

  constructor(
    readonly runDir: string,
    /** Bytes read at a time (tests use a few); the follower's default otherwise. */
    private readonly chunkBytes?: number,
  ) {}

  /** The follower of invocations.jsonl (for tests and the benchmark: what the last load read). */
  get invocations(): InvocationsFollower | undefined {
    return this.follower;
  }

  load(): AnalysedRun {
    const runDir = this.runDir;
    if (!existsSync(runDir)) throw new Error(`${runDir} does not exist. Pick a run under .lambda-lab/runs/ in the workspace.`);
    if (!hasRecordedInvocations(runDir)) {
      this.follower = undefined;
      if (isRunFolder(runDir)) throw new RunNotStartedError(runDir);
      throw new Error(`${runDir} is not a run directory: it has no ${INVOCATIONS_FILE}. Pick a folder under .lambda-lab/runs/, or import CSV files.`);
    }
    let input: AnalysisInput;
    try {
      this.follower ??= new InvocationsFollower(path.join(runDir, INVOCATIONS_FILE), this.chunkBytes);
      this.follower.refresh();
      input = analyseInputFiles(runFolderFiles(runDir, this.follower.result()));
    } catch (error) {
      // Unreadable (permissions, a folder by that name...): read as the CLI does, which says why.
      this.follower = undefined;
      if (!(error instanceof Error && 'code' in error)) throw error;
      input = loadAnalysisInput([runDir]);
    }
    const meta = input.runs[0]?.meta ?? null;
    return analysed(input, typeof meta?.runId === 'string' ? meta.runId : basename(runDir), { kind: 'run', runDir }, meta?.status === 'running', this.payload);
  }
}

export function loadRun(runDir: string): AnalysedRun {
  return new RunLoader(runDir).load();
}

export function loadFiles(paths: readonly string[]): AnalysedRun {
  // One folder that is a run directory is a run, not a pile of files.
  if (paths.length === 1 && existsSync(paths[0]) && statSync(paths[0]).isDirectory() && hasRecordedInvocations(paths[0])) return loadRun(paths[0]);
  for (const path of paths) if (!existsSync(path)) throw new Error(`${path} does not exist; choose existing CSV files or folders.`);
  const input = loadAnalysisInput(paths);
  const single = paths.length === 1 && !statSync(paths[0]).isDirectory();
  const runLabel = single ? basename(paths[0]) : paths.length === 1 ? `${basename(paths[0])} (${input.label})` : input.label;
  return analysed(input, runLabel, { kind: 'files', files: [...paths] }, false);
}

export function loadResultsSource(source: ResultsSource): AnalysedRun {
  return source.kind === 'run' ? loadRun(source.runDir) : loadFiles(source.files);
}

export interface RunListing {
  runDir: string;
  runId: string;
  status: string;
  startedAt: string | null;
}

/** Runs under `<folder>/.lambda-lab/runs/`, newest first. Unreadable run.json files still list the folder. */
export function listRuns(workspaceFolders: readonly string[]): RunListing[] {
  const runs: RunListing[] = [];
  for (const folder of workspaceFolders) {
    for (const run of scanRunFolders(path.join(folder, '.lambda-lab', 'runs'))) {
      const status = typeof run.meta?.status === 'string' ? run.meta.status : 'unknown';
      const startedAt = typeof run.meta?.startedAt === 'string' ? run.meta.startedAt : null;
      runs.push({ runDir: run.dir, runId: run.runId, status, startedAt });
    }
  }
  return runs.sort((a, b) => (b.startedAt ?? b.runId).localeCompare(a.startedAt ?? a.runId));
}
