// Reads what the results view shows: a run directory (run.json + invocations.jsonl) or the study's
// CSV files / folders of them, analysed by the pure core. No vscode import, so tests use it directly.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { analyzeMixed, analyzeRecords } from '../core/analysis/analyzeRun';
import { checkCpuLimit, combineCpuLimitSummaries, type CpuLimitSummary } from '../core/analysis/cpuLimitCheck';
import { isRunDirectory, readRunLog } from '../core/analysis/invocationLog';
import { parseSeedCsv, SEED_ITEMS_PER_INVOCATION, type AggregatedConfig } from '../core/analysis/seedCsvImport';
import type { InvocationRecord } from '../core/invocationRecord';
import { INVOCATIONS_FILE, parseInvocationsJsonl, RUN_FILE } from '../core/runFiles';
import type { AnalysedRun, ResultsSource } from '../shared/resultsProtocol';

/** Thrown when a run directory exists but the sweep has not written its first invocation yet. */
export class RunNotStartedError extends Error {
  constructor(readonly runDir: string) {
    super(`${runDir} has no ${INVOCATIONS_FILE} yet: the sweep has not recorded an invocation. The view updates when it does.`);
    this.name = 'RunNotStartedError';
  }
}

export function loadRun(runDir: string): AnalysedRun {
  if (!existsSync(runDir)) throw new Error(`${runDir} does not exist. Pick a run under .lambda-lab/runs/ in the workspace.`);
  if (!isRunDirectory(runDir)) {
    if (existsSync(join(runDir, RUN_FILE))) throw new RunNotStartedError(runDir);
    throw new Error(`${runDir} is not a run directory: it has no ${INVOCATIONS_FILE}. Pick a folder under .lambda-lab/runs/, or import CSV files.`);
  }
  const log = readRunLog(runDir);
  const items = log.meta?.plan?.items;
  // The same check `lambda-lab analyze` makes: an unthrottled run says so in its warnings and on the page.
  const cpuCheck = checkCpuLimit(runDir, log.records, log.meta?.cpuLimit);
  const warnings = cpuCheck.warning ? [cpuCheck.warning, ...log.warnings] : log.warnings;
  const analysis = analyzeRecords(log.records, { region: log.meta?.region, itemsPerInvocation: typeof items === 'number' ? items : null }, warnings);
  return {
    runLabel: log.meta?.runId ?? basename(runDir),
    source: { kind: 'run', runDir },
    analysis,
    cpuLimit: cpuCheck.summary,
    recordCount: log.records.length,
    live: log.meta?.status === 'running',
    analysedAt: new Date().toISOString(),
  };
}

/** CSV and JSONL files named directly, plus those directly inside named folders. */
export function expandImportPaths(paths: readonly string[]): string[] {
  const files: string[] = [];
  for (const path of paths) {
    if (!existsSync(path)) throw new Error(`${path} does not exist; choose existing CSV files or folders.`);
    if (statSync(path).isDirectory()) {
      for (const name of readdirSync(path).sort()) {
        if (/\.(csv|jsonl)$/i.test(name)) files.push(join(path, name));
      }
    } else files.push(path);
  }
  return files;
}

export function loadFiles(paths: readonly string[]): AnalysedRun {
  // One folder that is a run directory is a run, not a pile of files.
  if (paths.length === 1 && existsSync(paths[0]) && statSync(paths[0]).isDirectory() && isRunDirectory(paths[0])) return loadRun(paths[0]);
  const files = expandImportPaths(paths);
  if (files.length === 0) throw new Error(`No .csv or .jsonl files in ${paths.join(', ')}; choose the study's CSV files or a folder of them.`);
  const records: InvocationRecord[] = [];
  const aggregates: AggregatedConfig[] = [];
  const warnings: string[] = [];
  const cpuLimits: CpuLimitSummary[] = [];
  const checkSource = (file: string, fileRecords: readonly InvocationRecord[]) => {
    const check = checkCpuLimit(file, fileRecords);
    cpuLimits.push(check.summary);
    if (check.warning) warnings.push(check.warning);
  };
  let seedFiles = 0;
  for (const file of files) {
    try {
      const text = readFileSync(file, 'utf8');
      if (/\.jsonl$/i.test(file)) {
        const parsed = parseInvocationsJsonl(text, file);
        records.push(...parsed.records);
        warnings.push(...parsed.warnings);
        checkSource(file, parsed.records);
        continue;
      }
      const content = parseSeedCsv(text, file);
      seedFiles++;
      if (content.format === 'per-invocation') {
        records.push(...content.records);
        checkSource(file, content.records);
      } else aggregates.push(...content.aggregates);
    } catch (error) {
      // One bad file among hundreds should not hide the rest; it is listed under the view's warnings.
      warnings.push(error instanceof Error ? error.message : `${file}: ${String(error)}`);
    }
  }
  if (records.length === 0 && aggregates.length === 0) {
    throw new Error(`None of the ${files.length} file(s) could be read: ${warnings.slice(0, 3).join(' ')}`);
  }
  // The study's files carry no item count; its design hashed 200 items per invocation.
  const analysis = analyzeMixed(records, aggregates, { itemsPerInvocation: seedFiles > 0 ? SEED_ITEMS_PER_INVOCATION : null }, warnings);
  const runLabel = paths.length === 1 ? (files.length === 1 ? basename(files[0]) : `${basename(paths[0])} (${files.length} files)`) : `${files.length} imported files`;
  return {
    runLabel,
    source: { kind: 'files', files: [...paths] },
    analysis,
    cpuLimit: combineCpuLimitSummaries(cpuLimits),
    recordCount: records.length + aggregates.length,
    live: false,
    analysedAt: new Date().toISOString(),
  };
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
    const runsDir = join(folder, '.lambda-lab', 'runs');
    if (!existsSync(runsDir)) continue;
    for (const name of readdirSync(runsDir)) {
      const runDir = join(runsDir, name);
      if (!statSync(runDir).isDirectory()) continue;
      if (!existsSync(join(runDir, INVOCATIONS_FILE)) && !existsSync(join(runDir, RUN_FILE))) continue;
      let status = 'unknown';
      let startedAt: string | null = null;
      try {
        const meta = JSON.parse(readFileSync(join(runDir, RUN_FILE), 'utf8')) as { status?: unknown; startedAt?: unknown };
        if (typeof meta.status === 'string') status = meta.status;
        if (typeof meta.startedAt === 'string') startedAt = meta.startedAt;
      } catch {
        // run.json missing or torn: the run is still listed, by folder name.
      }
      runs.push({ runDir, runId: name, status, startedAt });
    }
  }
  return runs.sort((a, b) => (b.startedAt ?? b.runId).localeCompare(a.startedAt ?? a.runId));
}
