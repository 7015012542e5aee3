// Import of the original study's CSVs (data/seed-results, see SOURCE.md there):
//   per configuration  `Architecture,Memory,Workers,sk,cores,proc_time` (proc_time in SECONDS)
//   AggregatedResults  `Architecture,Memory,Workers,cores,avg_proc_time` (mean of the 190 runs)
// The study ran the `batch` pattern (processes spawned `Workers` at a time), so rows become
// strategy 'batch'. The format has no quoting, so a small splitter suffices; BOM and CRLF are
// tolerated. Any malformed input fails with ONE error naming the file and line.
import type { Architecture, Strategy } from '../experimentConfig';
import type { InvocationRecord } from '../invocationRecord';

export const SEED_STRATEGY: Strategy = 'batch';
/** Items hashed per invocation in the study (SOURCE.md: 200 items per invocation). */
export const SEED_ITEMS_PER_INVOCATION = 200;

const PER_INVOCATION_COLUMNS = ['Architecture', 'Memory', 'Workers', 'sk', 'cores', 'proc_time'] as const;
const AGGREGATED_COLUMNS = ['Architecture', 'Memory', 'Workers', 'cores', 'avg_proc_time'] as const;

export class CsvImportError extends Error {
  constructor(
    readonly file: string,
    readonly line: number,
    problem: string,
  ) {
    super(`${file}:${line}: ${problem}`);
    this.name = 'CsvImportError';
  }
}

/** One configuration's mean as AggregatedResults.csv gives it (no spread, no sample count). */
export interface AggregatedConfig {
  arch: Architecture;
  memoryMB: number;
  threads: number;
  strategy: Strategy;
  cores: number | null;
  meanMs: number;
  source: string;
  line: number;
}

export type SeedCsvFormat = 'per-invocation' | 'aggregated';

interface CsvRow {
  line: number;
  cells: Record<string, string>;
}

interface ParsedCsv {
  header: string[];
  headerLine: number;
  rows: CsvRow[];
}

/**
 * Splits one CSV line. The study's files have no quoting; our own export quotes fields holding
 * commas or quotes (RFC 4180: "a, b" and doubled quotes inside), so quoted fields are understood too.
 */
export function splitCsvLine(line: string): string[] {
  if (!line.includes('"')) return line.split(',');
  const cells: string[] = [];
  let current = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const char = line[i];
    if (quoted) {
      if (char === '"' && line[i + 1] === '"') {
        current += '"';
        i++;
      } else if (char === '"') quoted = false;
      else current += char;
    } else if (char === '"') quoted = true;
    else if (char === ',') {
      cells.push(current);
      current = '';
    } else current += char;
  }
  cells.push(current);
  return cells;
}

/** Splits CSV text into header and rows; blank lines are skipped. */
function parseSimpleCsv(text: string, file: string): ParsedCsv {
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  const headerIndex = lines.findIndex((line) => line.trim() !== '');
  if (headerIndex === -1) {
    throw new CsvImportError(file, 1, 'the file is empty; expected a header line such as "' + PER_INVOCATION_COLUMNS.join(',') + '".');
  }
  const header = splitCsvLine(lines[headerIndex]).map((name) => name.trim());
  const rows: CsvRow[] = [];
  for (let index = headerIndex + 1; index < lines.length; index++) {
    const text = lines[index];
    if (text.trim() === '') continue;
    const values = splitCsvLine(text);
    if (values.length !== header.length) {
      throw new CsvImportError(
        file,
        index + 1,
        `expected ${header.length} comma-separated values (${header.join(',')}) but found ${values.length}. Fix or delete that line and import again.`,
      );
    }
    const cells: Record<string, string> = {};
    header.forEach((name, column) => {
      cells[name] = values[column].trim();
    });
    rows.push({ line: index + 1, cells });
  }
  return { header, headerLine: headerIndex + 1, rows };
}

/** Which of the study's two formats a header is; throws naming the missing columns. */
function detectSeedCsvFormat(header: readonly string[], file: string, headerLine = 1): SeedCsvFormat {
  const has = (columns: readonly string[]) => columns.every((column) => header.includes(column));
  if (has(PER_INVOCATION_COLUMNS)) return 'per-invocation';
  if (has(AGGREGATED_COLUMNS)) return 'aggregated';
  const looksAggregated = header.includes('avg_proc_time');
  const expected = looksAggregated ? AGGREGATED_COLUMNS : PER_INVOCATION_COLUMNS;
  const missing = expected.filter((column) => !header.includes(column));
  throw new CsvImportError(
    file,
    headerLine,
    `missing column${missing.length > 1 ? 's' : ''} ${missing.map((c) => `"${c}"`).join(', ')}; the header is "${header.join(',')}" but a ${looksAggregated ? 'AggregatedResults' : 'per-configuration'} CSV needs "${expected.join(',')}".`,
  );
}

function architectureOf(value: string, file: string, line: number): Architecture {
  if (value === 'arm64' || value === 'x86_64') return value;
  throw new CsvImportError(file, line, `column "Architecture" is "${value}"; expected arm64 or x86_64.`);
}

function numberOf(value: string, column: string, file: string, line: number, rule: 'positive-integer' | 'non-negative'): number {
  const number = value === '' ? Number.NaN : Number(value);
  const ok = rule === 'positive-integer' ? Number.isInteger(number) && number > 0 : Number.isFinite(number) && number >= 0;
  if (!ok) {
    const wanted = rule === 'positive-integer' ? 'a positive whole number' : 'a number >= 0';
    throw new CsvImportError(file, line, `column "${column}" is "${value}", not ${wanted}. Fix or delete that line and import again.`);
  }
  return number;
}

function coresOf(value: string, file: string, line: number): number | null {
  return value === '' ? null : numberOf(value, 'cores', file, line, 'positive-integer');
}

/** `20221224_045927` → `2022-12-24T04:59:27Z`; anything else is kept as written. */
function studyTimestampToIso(sk: string): string {
  const match = /^(\d{4})(\d{2})(\d{2})_(\d{2})(\d{2})(\d{2})$/.exec(sk);
  return match ? `${match[1]}-${match[2]}-${match[3]}T${match[4]}:${match[5]}:${match[6]}Z` : sk;
}

/** ISO time → the study's `YYYYMMDD_HHMMSS` key (UTC); unparseable input is returned unchanged. */
export function isoToStudyTimestamp(iso: string): string {
  const time = Date.parse(iso);
  if (Number.isNaN(time)) return iso;
  const text = new Date(time).toISOString();
  return `${text.slice(0, 4)}${text.slice(5, 7)}${text.slice(8, 10)}_${text.slice(11, 13)}${text.slice(14, 16)}${text.slice(17, 19)}`;
}

function baseName(file: string): string {
  const parts = file.split(/[\\/]/);
  return parts[parts.length - 1] || file;
}

/** Rows of a per-configuration CSV as invocation records (processingMs = proc_time × 1000). */
export function parseSeedInvocationsCsv(text: string, file: string): InvocationRecord[] {
  const { header, headerLine, rows } = parseSimpleCsv(text, file);
  const format = detectSeedCsvFormat(header, file, headerLine);
  if (format !== 'per-invocation') {
    throw new CsvImportError(
      file,
      headerLine,
      `this is an AggregatedResults-style file (${AGGREGATED_COLUMNS.join(',')}); read it with the aggregated importer.`,
    );
  }
  if (rows.length === 0) throw new CsvImportError(file, headerLine + 1, 'the file has a header but no data rows.');
  const runId = `seed:${baseName(file)}`;
  return rows.map(({ line, cells }, index) => {
    const arch = architectureOf(cells.Architecture, file, line);
    const memoryMB = numberOf(cells.Memory, 'Memory', file, line, 'positive-integer');
    const threads = numberOf(cells.Workers, 'Workers', file, line, 'positive-integer');
    // Files written by `lambda-lab export` carry our record's fields after the study's columns.
    const error = cells.error ? cells.error : null;
    const seconds = error !== null && cells.proc_time === '' ? null : numberOf(cells.proc_time, 'proc_time', file, line, 'non-negative');
    const startedAt = cells.startedAt || studyTimestampToIso(cells.sk);
    const optionalNumber = (column: string): number | null => (cells[column] ? numberOf(cells[column], column, file, line, 'non-negative') : null);
    const flag = (column: string): boolean => cells[column] === 'true';
    const strategy = cells.strategy === 'pool' || cells.strategy === 'batch' || cells.strategy === 'warm' ? cells.strategy : SEED_STRATEGY;
    return {
      runId: cells.runId || runId,
      functionName: cells.functionName || `Lambda_${memoryMB}_${threads}_${arch}`,
      arch,
      memoryMB,
      threads,
      strategy,
      rep: cells.rep ? numberOf(cells.rep, 'rep', file, line, 'non-negative') : index + 1,
      warmup: flag('warmup'),
      coldStart: flag('coldStart'),
      processingMs: seconds === null ? null : seconds * 1000,
      durationMs: optionalNumber('durationMs'),
      billedMs: optionalNumber('billedMs'),
      initMs: optionalNumber('initMs'),
      maxMemoryMB: optionalNumber('maxMemoryMB'),
      cores: coresOf(cells.cores, file, line),
      cpuModel: cells.cpuModel || null,
      ...(cells.cpuLimit !== undefined ? { cpuLimit: cells.cpuLimit || null } : {}),
      error,
      retries: optionalNumber('retries') ?? 0,
      startedAt,
      endedAt: cells.endedAt || startedAt,
    };
  });
}

/** Rows of AggregatedResults.csv (avg_proc_time seconds → meanMs). */
export function parseSeedAggregatedCsv(text: string, file: string): AggregatedConfig[] {
  const { header, headerLine, rows } = parseSimpleCsv(text, file);
  const format = detectSeedCsvFormat(header, file, headerLine);
  if (format !== 'aggregated') {
    throw new CsvImportError(
      file,
      headerLine,
      `this is a per-configuration file (${PER_INVOCATION_COLUMNS.join(',')}); read it with the per-invocation importer.`,
    );
  }
  if (rows.length === 0) throw new CsvImportError(file, headerLine + 1, 'the file has a header but no data rows.');
  return rows.map(({ line, cells }) => ({
    arch: architectureOf(cells.Architecture, file, line),
    memoryMB: numberOf(cells.Memory, 'Memory', file, line, 'positive-integer'),
    threads: numberOf(cells.Workers, 'Workers', file, line, 'positive-integer'),
    strategy: SEED_STRATEGY,
    cores: coresOf(cells.cores, file, line),
    meanMs: numberOf(cells.avg_proc_time, 'avg_proc_time', file, line, 'non-negative') * 1000,
    source: file,
    line,
  }));
}

export type SeedCsvContent = { format: 'per-invocation'; records: InvocationRecord[] } | { format: 'aggregated'; aggregates: AggregatedConfig[] };

/** Reads either study format, deciding by the header. */
export function parseSeedCsv(text: string, file: string): SeedCsvContent {
  const { header, headerLine } = parseSimpleCsv(text, file);
  return detectSeedCsvFormat(header, file, headerLine) === 'per-invocation'
    ? { format: 'per-invocation', records: parseSeedInvocationsCsv(text, file) }
    : { format: 'aggregated', aggregates: parseSeedAggregatedCsv(text, file) };
}
