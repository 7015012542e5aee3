// The one way in for analysis inputs, shared by `lambda-lab analyze`/`export` and the results view:
// given files (name and text, read by src/runs/analysisFiles.ts), classify them into runs, the
// study's CSVs, loose invocations.jsonl files and unknown files; parse them; set aside impossible
// records with a counted reason; and say what was wrong. Pure: reads no disk.
import type { InvocationRecord } from '../invocationRecord';
import { INVOCATIONS_FILE, InvocationsJsonlParser, RUN_FILE, type ParsedLines, type RunMetadata } from '../runFiles';
import { MEMORY_MAX_MB, MEMORY_MIN_MB } from '../lambdaModel';
import { THREADS_MAX, THREADS_MIN } from '../experimentValidation';
import { DEFAULT_PRICING_REGION, pricedRegions } from '../pricing';
import { checkCpuLimit, combineCpuLimitSummaries, type CpuLimitSummary } from './cpuLimitCheck';
import { parseSeedCsv, SEED_ITEMS_PER_INVOCATION, type AggregatedConfig } from './seedCsvImport';

/** One file to analyse. `named`: the user named it (not found by looking into a folder). */
export interface InputFile {
  path: string;
  /** null when the file could not be read; `readError` says why. */
  text: string | null;
  readError?: string;
  named: boolean;
  /**
   * An invocations file parsed ahead, instead of `text` (the results view follows a growing run and
   * parses only what was appended: see `InvocationsFileParse`).
   */
  invocations?: PreparsedInvocations;
}

/** An invocations.jsonl file as `InvocationsFileParse` read it: records, and impossible ones set aside. */
export interface PreparsedInvocations {
  parsed: ParsedLines;
  dropped: DroppedCount[];
}

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
  /** Impossible records and means set aside, by reason. */
  dropped: DroppedCount[];
  /** Files that could not be used at all (also in `warnings`). */
  unusableFiles: string[];
  /** How the invocations' CPU was limited, and how many ran unthrottled (also in `warnings`). */
  cpuLimit: CpuLimitSummary;
}

export interface DroppedCount {
  reason: string;
  count: number;
  /** "file:line" of the first few. */
  where: string[];
}

/** Where a file sits: the part before the last separator ('/' or '\'). */
export function parentOf(path: string): string {
  const cut = Math.max(path.lastIndexOf('/'), path.lastIndexOf('\\'));
  return cut <= 0 ? (cut === 0 ? path.slice(0, 1) : '.') : path.slice(0, cut);
}

export function nameOf(path: string): string {
  return path.slice(Math.max(path.lastIndexOf('/'), path.lastIndexOf('\\')) + 1);
}

function extensionOf(path: string): string {
  const name = nameOf(path);
  const dot = name.lastIndexOf('.');
  return dot <= 0 ? '' : name.slice(dot).toLowerCase();
}

/** Why a record cannot be a measurement, or null. Times must be null or finite and >= 0. */
export function impossibleRecordReason(record: Record<string, unknown>): string | null {
  for (const field of ['processingMs', 'durationMs', 'billedMs', 'initMs'] as const) {
    const value = record[field];
    if (value === null || value === undefined) continue;
    if (typeof value !== 'number') return `${field} is not a number`;
    if (!Number.isFinite(value)) return `${field} is not finite`;
    if (value < 0) return `${field} is negative`;
  }
  const memory = record.memoryMB;
  if (typeof memory !== 'number' || !Number.isInteger(memory) || memory < MEMORY_MIN_MB || memory > MEMORY_MAX_MB) {
    return `memoryMB is outside Lambda's range (${MEMORY_MIN_MB}..${MEMORY_MAX_MB} MB)`;
  }
  const threads = record.threads;
  if (typeof threads !== 'number' || !Number.isInteger(threads) || threads < THREADS_MIN || threads > THREADS_MAX) {
    return `threads is outside ${THREADS_MIN}..${THREADS_MAX}`;
  }
  return null;
}

function impossibleMeanReason(mean: AggregatedConfig): string | null {
  const asRecord = { memoryMB: mean.memoryMB, threads: mean.threads, processingMs: mean.meanMs };
  return impossibleRecordReason(asRecord);
}

const WHERE_LIMIT = 3;

class DropCounter {
  private readonly byReason = new Map<string, DroppedCount>();
  add(reason: string, where: string): void {
    const entry = this.byReason.get(reason) ?? { reason, count: 0, where: [] };
    entry.count++;
    if (entry.where.length < WHERE_LIMIT) entry.where.push(where);
    this.byReason.set(reason, entry);
  }
  /** Adds another counter's counts (a file's), as if its records had been added here one by one. */
  merge(counts: readonly DroppedCount[]): void {
    for (const other of counts) {
      const entry = this.byReason.get(other.reason) ?? { reason: other.reason, count: 0, where: [] };
      entry.count += other.count;
      for (const where of other.where) if (entry.where.length < WHERE_LIMIT) entry.where.push(where);
      this.byReason.set(other.reason, entry);
    }
  }
  counts(): DroppedCount[] {
    return [...this.byReason.values()].map((entry) => ({ ...entry, where: [...entry.where] }));
  }
}

/**
 * One invocations.jsonl file parsed a piece at a time (whole lines as they are read), with the
 * impossible records set aside and counted as the parser reads each complete line, so the parser's
 * own rules (torn last line, duplicates, retries) apply to the rest. The one way analysis reads
 * such a file: `analyseInputFiles` parses a file's text with it in one go; the results view keeps
 * one per followed run and feeds it only the lines appended since the last read.
 */
export class InvocationsFileParse {
  private readonly drops = new DropCounter();
  private readonly parser: InvocationsJsonlParser;

  constructor(readonly path: string) {
    this.parser = new InvocationsJsonlParser(path, {
      setAside: (record, lineNumber) => {
        const reason = impossibleRecordReason(record as unknown as Record<string, unknown>);
        if (reason !== null) this.drops.add(reason, `${path}:${lineNumber}`);
        return reason;
      },
    });
  }

  /** Complete lines read so far. */
  get lineCount(): number {
    return this.parser.lineCount;
  }

  /** Text of whole lines, each ending with '\n'. */
  pushLines(text: string): void {
    this.parser.pushLines(text);
  }

  /** What analysis of the file ending with `tail` (the text after its last newline) reads; the tail is not remembered. */
  result(tail = ''): PreparsedInvocations {
    return { parsed: this.parser.result(tail), dropped: this.drops.counts() };
  }

  /** The whole text of a file, parsed in one go. */
  static ofText(path: string, text: string): PreparsedInvocations {
    const parse = new InvocationsFileParse(path);
    const lastNewline = text.lastIndexOf('\n');
    if (lastNewline !== -1) parse.pushLines(text.slice(0, lastNewline + 1));
    return parse.result(text.slice(lastNewline + 1));
  }
}

function parseRunMetadata(file: InputFile | undefined, dir: string, warnings: string[]): RunMetadata | null {
  const path = file?.path ?? `${dir}/${RUN_FILE}`;
  if (!file || file.text === null) {
    warnings.push(`${path}: ${file?.readError ?? 'not found'}; region and items per invocation are unknown (${DEFAULT_PRICING_REGION} prices are used).`);
    return null;
  }
  try {
    const value: unknown = JSON.parse(file.text);
    if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new Error('not a JSON object');
    const meta = value as Partial<RunMetadata>;
    if (typeof meta.plan !== 'object' || meta.plan === null) {
      warnings.push(`${path}: has no "plan", so items per invocation are unknown (throughput per item is not shown); the records are still analysed.`);
    }
    return meta as RunMetadata;
  } catch (error) {
    warnings.push(`${path}: cannot be read as run metadata (${error instanceof Error ? error.message : String(error)}); it is ignored.`);
    return null;
  }
}

/** Classifies and parses the files; throws only when nothing usable is left, saying why. */
export function analyseInputFiles(files: readonly InputFile[]): AnalysisInput {
  if (files.length === 0) throw new Error('nothing to analyse: pass a run directory, CSV files, or a folder of CSV files.');
  const warnings: string[] = [];
  const records: InvocationRecord[] = [];
  const aggregates: AggregatedConfig[] = [];
  const runs: AnalysisInput['runs'] = [];
  const cpuLimits: CpuLimitSummary[] = [];
  const itemsSeen = new Set<number | null>();
  const regionsSeen = new Set<string>();
  const labels: string[] = [];
  const unusableFiles: string[] = [];
  const drops = new DropCounter();
  let csvFiles = 0;

  const unusable = (path: string, why: string) => {
    unusableFiles.push(path);
    warnings.push(`${path}: ${why}`);
  };
  // The records' own cpuLimit (what each function saw) covers runs whose run.json does not say.
  const checkSource = (source: string, sourceRecords: readonly InvocationRecord[], runCpuLimit?: string | null) => {
    const check = checkCpuLimit(source, sourceRecords, runCpuLimit);
    cpuLimits.push(check.summary);
    if (check.warning) warnings.push(check.warning);
  };
  const readInvocations = (file: InputFile): InvocationRecord[] | null => {
    let invocations = file.invocations;
    if (!invocations) {
      if (file.text === null) {
        unusable(file.path, `cannot be read (${file.readError ?? 'unknown error'}).`);
        return null;
      }
      invocations = InvocationsFileParse.ofText(file.path, file.text);
    }
    drops.merge(invocations.dropped);
    const parsed = invocations.parsed;
    warnings.push(...parsed.warnings);
    if (parsed.records.length === 0) {
      const why = parsed.empty ? 'is empty: the sweep recorded no invocation' : 'holds no usable invocation record (see the warnings above)';
      unusable(file.path, `${why}.`);
    }
    return parsed.records;
  };

  // Runs: every folder holding invocations.jsonl; its run.json (if any) belongs to it.
  const byPath = new Map(files.map((file) => [file.path, file]));
  const runDirs = new Set(files.filter((f) => nameOf(f.path) === INVOCATIONS_FILE).map((f) => parentOf(f.path)));
  for (const file of files) {
    const name = nameOf(file.path);
    const dir = parentOf(file.path);
    if (name === RUN_FILE && runDirs.has(dir)) continue;
    if (name === INVOCATIONS_FILE) {
      const metaFile = byPath.get(`${dir}/${RUN_FILE}`) ?? byPath.get(`${dir}\\${RUN_FILE}`);
      const meta = parseRunMetadata(metaFile, dir, warnings);
      const runRecords = readInvocations(file) ?? [];
      records.push(...runRecords);
      runs.push({ dir, meta });
      const items = meta?.plan?.items;
      itemsSeen.add(typeof items === 'number' ? items : null);
      if (typeof meta?.region === 'string') regionsSeen.add(meta.region);
      labels.push(typeof meta?.runId === 'string' ? meta.runId : nameOf(dir));
      checkSource(dir, runRecords, meta?.cpuLimit);
      continue;
    }
    if (name === RUN_FILE) {
      unusable(file.path, `has no ${INVOCATIONS_FILE} beside it: the sweep has not recorded an invocation yet.`);
      continue;
    }
    const extension = extensionOf(file.path);
    if (extension === '.jsonl') {
      const fileRecords = readInvocations(file);
      if (fileRecords === null) continue;
      records.push(...fileRecords);
      checkSource(file.path, fileRecords);
      itemsSeen.add(null);
      labels.push(name);
    } else if (extension === '.csv') {
      if (file.text === null) {
        unusable(file.path, `cannot be read (${file.readError ?? 'unknown error'}).`);
        continue;
      }
      try {
        const content = parseSeedCsv(file.text, file.path);
        if (content.format === 'per-invocation') {
          // The study's files have the header on line 1 and one row per line.
          const kept = content.records.filter((record, index) => {
            const reason = impossibleRecordReason(record as unknown as Record<string, unknown>);
            if (reason !== null) drops.add(reason, `${file.path}:${index + 2}`);
            return reason === null;
          });
          records.push(...kept);
          checkSource(file.path, kept);
        } else {
          for (const mean of content.aggregates) {
            const reason = impossibleMeanReason(mean);
            if (reason !== null) drops.add(reason, `${file.path}:${mean.line}`);
            else aggregates.push(mean);
          }
        }
        itemsSeen.add(SEED_ITEMS_PER_INVOCATION);
        csvFiles++;
      } catch (error) {
        // One bad file among hundreds should not hide the rest.
        unusableFiles.push(file.path);
        warnings.push(error instanceof Error ? error.message : `${file.path}: ${String(error)}`);
      }
    } else if (file.named) {
      unusable(file.path, `not a CSV (.csv), invocations (.jsonl) or run.json file; pass a run directory, CSV files, or a folder.`);
    }
  }

  const dropped = drops.counts();
  for (const drop of dropped) {
    warnings.push(`${drop.count} impossible record${drop.count === 1 ? '' : 's'} set aside (${drop.reason}), e.g. ${drop.where.join(', ')}.`);
  }
  const unknownRegions = [...regionsSeen].filter((region) => !pricedRegions().includes(region));
  if (unknownRegions.length > 0) warnings.push(`no prices for region ${unknownRegions.join(', ')}; ${DEFAULT_PRICING_REGION} prices are used.`);
  if (regionsSeen.size > 1)
    warnings.push(`the runs come from several regions (${[...regionsSeen].sort().join(', ')}); ${DEFAULT_PRICING_REGION} prices are used for all of them.`);
  if (records.length + aggregates.length === 0) {
    // One file: its own problem is the message. Several: the first few, and how many more.
    if (files.length === 1 && warnings.length === 1) throw new Error(warnings[0]);
    const reasons = [...warnings.slice(0, 3), ...(warnings.length > 3 ? [`(and ${warnings.length - 3} more)`] : [])].join(' ');
    throw new Error(`none of the ${files.length} file(s) holds a usable record: ${reasons || 'they are empty.'}`);
  }
  if (csvFiles > 0) labels.push(`${csvFiles} CSV file${csvFiles === 1 ? '' : 's'}`);
  return {
    records,
    aggregates,
    warnings,
    runs,
    itemsPerInvocation: itemsSeen.size === 1 ? [...itemsSeen][0] : null,
    region: regionsSeen.size === 1 ? [...regionsSeen][0] : null,
    label: labels.join(', '),
    rowCount: records.length + aggregates.length,
    dropped,
    unusableFiles,
    cpuLimit: combineCpuLimitSummaries(cpuLimits),
  };
}
