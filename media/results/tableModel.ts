// The summary table's columns, formatting, sorting and CSV export. Pure (no DOM) so it is unit-tested
// in Node; summaryTable.ts draws it.
import { formatUsd as formatUsdAmount } from '../../src/core/usdFormat';
import type { AnalysisResult, ConfigSummary } from '../../src/core/analysis/analysisTypes';
import { strategyLabel } from '../../src/core/analysis/payloads';
import { MIN_SAMPLES_FOR_SHOWN_INTERVAL, shownTimeInterval } from '../../src/core/analysis/statistics';

/** One table row: a configuration and which run it belongs to (the run matters in Compare mode). */
export interface TableRow {
  runLabel: string;
  config: ConfigSummary;
  /** A sweep of your own function: its records carry the template's strategy, shown as "your function". */
  ownFunction?: boolean;
  /** The payload the row measured, for a run that sent several (each is analysed apart). */
  payload?: string;
}

/**
 * How the Strategy filter names a strategy value: "your function" when only sweeps of your own
 * function carry it (their records hold the template's default "pool"), both names when a compared
 * template run carries it too, else the template's strategy.
 */
export function strategyOptionLabel(strategy: string, runs: ReadonlyArray<{ analysis: Pick<AnalysisResult, 'ownFunction' | 'configs'> }>): string {
  const carrying = runs.filter((run) => run.analysis.configs.some((config) => config.strategy === strategy));
  const own = carrying.filter((run) => run.analysis.ownFunction).length;
  if (own === 0) return strategy;
  return own === carrying.length ? strategyLabel(strategy, true) : `${strategy} / ${strategyLabel(strategy, true)}`;
}

export type SortDirection = 'ascending' | 'descending';

export interface TableColumn {
  id: string;
  label: string;
  /** Longer explanation, used as the header's title and in the screen-reader description. */
  description: string;
  numeric: boolean;
  sortValue(row: TableRow): number | string | null;
  display(row: TableRow): string;
}

export function formatMs(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return '–';
  if (Math.abs(ms) >= 100) return Math.round(ms).toLocaleString('en-US');
  return ms.toFixed(1);
}

/** The page shows costs per invocation (millionths of a dollar). */
export function formatUsd(usd: number | null | undefined): string {
  return formatUsdAmount(usd, { scale: 'perInvocation' });
}

function formatRatio(value: number | null, low: number | null, high: number | null): string {
  if (value === null || !Number.isFinite(value)) return '–';
  if (low === null || high === null) return value.toFixed(2);
  return `${value.toFixed(2)} (${low.toFixed(2)}–${high.toFixed(2)})`;
}

const percent = (v: number | null): string => (v === null || !Number.isFinite(v) ? '–' : `${Math.round(v * 100)}%`);
const plain = (v: number | null): string => (v === null || !Number.isFinite(v) ? '–' : String(v));

const CONFIG_COLUMNS: TableColumn[] = [
  { id: 'arch', label: 'Arch', description: 'Processor architecture', numeric: false, sortValue: (r) => r.config.arch, display: (r) => r.config.arch },
  {
    id: 'strategy',
    label: 'Strategy',
    description: 'How the template spreads work over threads (pool, batch or warm); "your function" for a function of yours',
    numeric: false,
    sortValue: (r) => strategyLabel(r.config.strategy, r.ownFunction),
    display: (r) => strategyLabel(r.config.strategy, r.ownFunction),
  },
  {
    id: 'memoryMB',
    label: 'Memory (MB)',
    description: 'Configured memory in MB',
    numeric: true,
    sortValue: (r) => r.config.memoryMB,
    display: (r) => plain(r.config.memoryMB),
  },
  {
    id: 'threads',
    label: 'Threads',
    description: 'Worker threads',
    numeric: true,
    sortValue: (r) => r.config.threads,
    display: (r) => plain(r.config.threads),
  },
  {
    id: 'n',
    label: 'n',
    description: 'Warm invocations without error used for the statistics',
    numeric: true,
    sortValue: (r) => r.config.n,
    display: (r) => plain(r.config.n),
  },
  {
    id: 'coldStarts',
    label: 'Cold',
    description: 'Cold starts, kept out of the statistics',
    numeric: true,
    sortValue: (r) => r.config.coldStarts,
    display: (r) => plain(r.config.coldStarts),
  },
  {
    id: 'errors',
    label: 'Errors',
    description: 'Failed invocations',
    numeric: true,
    sortValue: (r) => r.config.errors,
    display: (r) => plain(r.config.errors),
  },
  {
    id: 'meanMs',
    label: 'Mean (ms)',
    description: 'Mean processing time in ms',
    numeric: true,
    sortValue: (r) => r.config.meanMs,
    display: (r) => formatMs(r.config.meanMs),
  },
  {
    id: 'ciMs',
    label: '95% CI (ms)',
    description: `95% confidence interval for the mean, ms (a time is never negative: clamped at 0; none with fewer than ${MIN_SAMPLES_FOR_SHOWN_INTERVAL} samples)`,
    numeric: true,
    sortValue: (r) => {
      const interval = shownTimeInterval(r.config.n, r.config.ciLowMs, r.config.ciHighMs);
      return interval ? interval.high - interval.low : null;
    },
    display: (r) => {
      const interval = shownTimeInterval(r.config.n, r.config.ciLowMs, r.config.ciHighMs);
      return interval ? `${formatMs(interval.low)}–${formatMs(interval.high)}` : `too few (n<${MIN_SAMPLES_FOR_SHOWN_INTERVAL})`;
    },
  },
  {
    id: 'medianMs',
    label: 'Median (ms)',
    description: 'Median processing time in ms',
    numeric: true,
    sortValue: (r) => r.config.medianMs,
    display: (r) => formatMs(r.config.medianMs),
  },
  {
    id: 'p90Ms',
    label: 'p90 (ms)',
    description: '90th percentile processing time in ms',
    numeric: true,
    sortValue: (r) => r.config.p90Ms,
    display: (r) => formatMs(r.config.p90Ms),
  },
  {
    id: 'stdevMs',
    label: 'Stdev (ms)',
    description: 'Standard deviation of processing time in ms',
    numeric: true,
    sortValue: (r) => r.config.stdevMs,
    display: (r) => formatMs(r.config.stdevMs),
  },
  {
    id: 'speedup',
    label: 'Speedup (95% CI)',
    description: 'Mean time of 1 thread at the same memory divided by this mean',
    numeric: true,
    sortValue: (r) => r.config.speedup,
    display: (r) => formatRatio(r.config.speedup, r.config.speedupCiLow, r.config.speedupCiHigh),
  },
  {
    id: 'efficiency',
    label: 'Efficiency',
    description: 'Speedup divided by threads',
    numeric: true,
    sortValue: (r) => r.config.efficiency,
    display: (r) => percent(r.config.efficiency),
  },
  {
    id: 'effectiveVcpus',
    label: 'Eff. vCPUs',
    description: 'CPU time per wall time implied by the speedup',
    numeric: true,
    sortValue: (r) => r.config.effectiveVcpus,
    display: (r) => (r.config.effectiveVcpus === null ? '–' : r.config.effectiveVcpus.toFixed(2)),
  },
  {
    id: 'cores',
    label: 'Cores',
    description: 'Visible cores reported by the function',
    numeric: true,
    sortValue: (r) => r.config.cores,
    display: (r) => plain(r.config.cores),
  },
  {
    id: 'costPerInvocationUsd',
    label: 'Cost / invocation',
    description: 'Cost per invocation in USD',
    numeric: true,
    sortValue: (r) => r.config.costPerInvocationUsd,
    display: (r) => formatUsd(r.config.costPerInvocationUsd) + (r.config.costBasis === 'processing' ? '*' : ''),
  },
  {
    id: 'costPer1000ItemsUsd',
    label: 'Cost / 1000 items',
    description: 'Cost per 1,000 items in USD',
    numeric: true,
    sortValue: (r) => r.config.costPer1000ItemsUsd,
    display: (r) => formatUsd(r.config.costPer1000ItemsUsd),
  },
];

const RUN_COLUMN: TableColumn = {
  id: 'run',
  label: 'Run',
  description: 'Which run the row comes from',
  numeric: false,
  sortValue: (r) => r.runLabel,
  display: (r) => r.runLabel,
};

/** The columns to show; the Run column only when more than one run is in the table. */
export function tableColumns(comparing: boolean): TableColumn[] {
  return comparing ? [RUN_COLUMN, ...CONFIG_COLUMNS] : CONFIG_COLUMNS;
}

/** The order rows have before the user sorts: arch, strategy, memory, threads. */
export function naturalOrder(a: TableRow, b: TableRow): number {
  return (
    a.runLabel.localeCompare(b.runLabel) ||
    a.config.arch.localeCompare(b.config.arch) ||
    a.config.strategy.localeCompare(b.config.strategy) ||
    a.config.memoryMB - b.config.memoryMB ||
    a.config.threads - b.config.threads
  );
}

/** Sorts by a column; rows without a value go last in both directions; ties keep the natural order. */
export function sortRows(rows: readonly TableRow[], column: TableColumn, direction: SortDirection): TableRow[] {
  const sign = direction === 'ascending' ? 1 : -1;
  return [...rows].sort((a, b) => {
    const va = column.sortValue(a);
    const vb = column.sortValue(b);
    const aMissing = va === null || (typeof va === 'number' && !Number.isFinite(va));
    const bMissing = vb === null || (typeof vb === 'number' && !Number.isFinite(vb));
    if (aMissing || bMissing) return aMissing === bMissing ? naturalOrder(a, b) : aMissing ? 1 : -1;
    const order = typeof va === 'number' && typeof vb === 'number' ? va - vb : String(va).localeCompare(String(vb));
    return order * sign || naturalOrder(a, b);
  });
}

/**
 * The CSV columns: the stable `ConfigSummary` field names, so spreadsheets can rely on them; their
 * header is the field name, except where CSV_HEADERS says what the column holds instead.
 */
export const CSV_FIELDS: ReadonlyArray<keyof ConfigSummary> = [
  'arch',
  'memoryMB',
  'threads',
  'strategy',
  'n',
  'coldStarts',
  'errors',
  'meanMs',
  'medianMs',
  'p90Ms',
  'stdevMs',
  'ciLowMs',
  'ciHighMs',
  'speedup',
  'speedupCiLow',
  'speedupCiHigh',
  'efficiency',
  'effectiveVcpus',
  'costPerInvocationUsd',
  'costPer1000ItemsUsd',
  'costBasis',
  'cores',
];

/**
 * The mean's 95% interval is exported as the table shows it (shownTimeInterval): a time is never
 * negative, and with n<3 the interval says nothing, so its cells are empty. The header says so.
 */
export const CSV_HEADERS: Partial<Record<keyof ConfigSummary, string>> = {
  ciLowMs: `meanCi95LowMs (clamped at 0; empty if n<${MIN_SAMPLES_FOR_SHOWN_INTERVAL})`,
  ciHighMs: `meanCi95HighMs (empty if n<${MIN_SAMPLES_FOR_SHOWN_INTERVAL})`,
};

/** A row's value of a CSV column, as exported. */
function csvValue(row: TableRow, field: keyof ConfigSummary): unknown {
  const { config } = row;
  if (field === 'strategy') return strategyLabel(config.strategy, row.ownFunction);
  if (field === 'ciLowMs' || field === 'ciHighMs') {
    const interval = shownTimeInterval(config.n, config.ciLowMs, config.ciHighMs);
    return interval ? (field === 'ciLowMs' ? interval.low : interval.high) : null;
  }
  return config[field];
}

export function csvCell(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : '';
  const text = String(value);
  // Quote fields that would split the row, and ones a spreadsheet would run as a formula.
  const needsQuotes = /[",\r\n]/.test(text) || /^[=+\-@\t]/.test(text);
  const safe = /^[=+\-@\t]/.test(text) ? `'${text}` : text;
  return needsQuotes ? `"${safe.replace(/"/g, '""')}"` : safe;
}

/**
 * The table as CSV, in the order shown, full precision; a `run` column first when comparing, and a
 * `payload` column when a run sent several payloads (a row's `payload`, else `payload` given here).
 */
export function tableToCsv(rows: readonly TableRow[], comparing: boolean, payload?: string): string {
  const payloadOf = (row: TableRow): string | undefined => row.payload ?? payload;
  const withPayload = rows.some((row) => payloadOf(row) !== undefined);
  const header = [...(comparing ? ['run'] : []), ...(withPayload ? ['payload'] : []), ...CSV_FIELDS.map((field) => CSV_HEADERS[field] ?? field)]
    .map(csvCell)
    .join(',');
  const lines = rows.map((row) =>
    [
      ...(comparing ? [csvCell(row.runLabel)] : []),
      ...(withPayload ? [csvCell(payloadOf(row))] : []),
      ...CSV_FIELDS.map((field) => csvCell(csvValue(row, field))),
    ].join(','),
  );
  return [header, ...lines].join('\r\n') + '\r\n';
}
