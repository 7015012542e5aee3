// Resolves what `lambda-lab analyze` (and the results view's import) was given — a run directory,
// CSV files, invocations.jsonl files, or a folder of any of these — into records and means.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, extname, join } from 'node:path';
import type { InvocationRecord } from '../invocationRecord';
import { RUN_FILE, type RunMetadata } from '../runFiles';
import { checkCpuLimit, combineCpuLimitSummaries, type CpuLimitSummary } from './cpuLimitCheck';
import { isRunDirectory, readInvocationsFile, readRunLog } from './invocationLog';
import { parseSeedCsv, SEED_ITEMS_PER_INVOCATION, type AggregatedConfig } from './seedCsvImport';

export interface AnalysisInput {
  records: InvocationRecord[];
  aggregates: AggregatedConfig[];
  warnings: string[];
  /** Run metadata of each run directory read. */
  runs: Array<{ dir: string; meta: RunMetadata | null }>;
  /** Items per invocation if every source agrees on it, else null. */
  itemsPerInvocation: number | null;
  /** Region of the run(s) if known and unique, else null. */
  region: string | null;
  /** Short description for headings, e.g. "492 CSV files" or the run id. */
  label: string;
  /** Records plus CSV mean rows read. */
  rowCount: number;
  /** How the invocations' CPU was limited, and how many ran unthrottled (also in `warnings`). */
  cpuLimit: CpuLimitSummary;
}

export function loadAnalysisInput(paths: readonly string[]): AnalysisInput {
  if (paths.length === 0) throw new Error('nothing to analyse: pass a run directory, CSV files, or a folder of CSV files.');
  const input: AnalysisInput = { records: [], aggregates: [], warnings: [], runs: [], itemsPerInvocation: null, region: null, label: '', rowCount: 0, cpuLimit: combineCpuLimitSummaries([]) };
  const cpuLimits: CpuLimitSummary[] = [];
  const itemsSeen = new Set<number | null>();
  const regionsSeen = new Set<string>();
  const labels: string[] = [];
  let csvFiles = 0;

  const readRun = (dir: string) => {
    const log = readRunLog(dir);
    input.records.push(...log.records);
    input.warnings.push(...log.warnings);
    input.runs.push({ dir, meta: log.meta });
    const items = log.meta?.plan?.items;
    itemsSeen.add(typeof items === 'number' ? items : null);
    if (typeof log.meta?.region === 'string') regionsSeen.add(log.meta.region);
    labels.push(log.meta?.runId ?? basename(dir));
    checkSource(dir, log.records, log.meta?.cpuLimit);
  };
  // The records' own cpuLimit (what each function saw) covers runs whose run.json does not say,
  // e.g. a custom endpoint URL that was in fact the built-in endpoint, and loose .jsonl/CSV files.
  const checkSource = (source: string, records: readonly InvocationRecord[], runCpuLimit?: string | null) => {
    const check = checkCpuLimit(source, records, runCpuLimit);
    cpuLimits.push(check.summary);
    if (check.warning) input.warnings.push(check.warning);
  };
  const readCsv = (file: string) => {
    const content = parseSeedCsv(readFileSync(file, 'utf8'), file);
    if (content.format === 'per-invocation') {
      input.records.push(...content.records);
      checkSource(file, content.records);
    } else {
      input.aggregates.push(...content.aggregates);
    }
    itemsSeen.add(SEED_ITEMS_PER_INVOCATION);
    csvFiles++;
  };
  const readJsonl = (file: string) => {
    const records = readInvocationsFile(file, input.warnings);
    input.records.push(...records);
    checkSource(file, records);
    itemsSeen.add(null);
    labels.push(basename(file));
  };
  const readPath = (path: string, fromFolder: boolean) => {
    const extension = extname(path).toLowerCase();
    if (extension === '.csv') readCsv(path);
    else if (extension === '.jsonl') readJsonl(path);
    else if (basename(path) === RUN_FILE) readRun(dirname(path));
    else if (!fromFolder) throw new Error(`${path}: not a CSV (.csv), invocations (.jsonl) or run.json file; pass a run directory, CSV files, or a folder.`);
  };

  for (const path of paths) {
    let stats;
    try {
      stats = statSync(path);
    } catch {
      throw new Error(`${path}: no such file or directory.`);
    }
    if (!stats.isDirectory()) {
      readPath(path, false);
      continue;
    }
    if (isRunDirectory(path)) {
      readRun(path);
      continue;
    }
    const entries = readdirSync(path, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name));
    const runDirs = entries.filter((e) => e.isDirectory() && isRunDirectory(join(path, e.name)));
    const files = entries.filter((e) => e.isFile() && ['.csv', '.jsonl'].includes(extname(e.name).toLowerCase()));
    if (runDirs.length === 0 && files.length === 0) {
      throw new Error(`${path}: no run (invocations.jsonl), CSV or .jsonl files found in this folder.`);
    }
    for (const entry of runDirs) readRun(join(path, entry.name));
    for (const entry of files) readPath(join(path, entry.name), true);
  }
  if (csvFiles > 0) labels.push(`${csvFiles} CSV file${csvFiles === 1 ? '' : 's'}`);
  input.itemsPerInvocation = itemsSeen.size === 1 ? [...itemsSeen][0] : null;
  input.region = regionsSeen.size === 1 ? [...regionsSeen][0] : null;
  input.label = labels.join(', ');
  input.rowCount = input.records.length + input.aggregates.length;
  input.cpuLimit = combineCpuLimitSummaries(cpuLimits);
  return input;
}
