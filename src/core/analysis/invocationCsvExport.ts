// Invocation records → CSV whose first columns are the original study's per-invocation format
// (`Architecture,Memory,Workers,sk,cores,proc_time`, proc_time in seconds), so spreadsheets built
// for the study keep working; every field of our record follows. Fields that may contain commas
// or quotes (error messages, CPU models) are quoted RFC 4180 style.
import type { InvocationRecord } from '../invocationRecord';
import { isoToStudyTimestamp } from './seedCsvImport';

const EXPORT_COLUMNS = [
  'Architecture',
  'Memory',
  'Workers',
  'sk',
  'cores',
  'proc_time',
  'strategy',
  'rep',
  'warmup',
  'coldStart',
  'processingMs',
  'durationMs',
  'billedMs',
  'initMs',
  'maxMemoryMB',
  'cpuModel',
  'error',
  'retries',
  'startedAt',
  'endedAt',
  'runId',
  'functionName',
  'cpuLimit',
] as const;

function cell(value: unknown): string {
  if (value === null || value === undefined) return '';
  // One record per line: line breaks inside a message become spaces.
  const text = String(value).replace(/\r?\n/g, ' ');
  return /[",]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export function invocationsToCsv(records: readonly InvocationRecord[]): string {
  const lines = [EXPORT_COLUMNS.join(',')];
  for (const r of records) {
    lines.push(
      [
        r.arch,
        r.memoryMB,
        r.threads,
        isoToStudyTimestamp(r.startedAt),
        r.cores,
        r.processingMs === null ? null : r.processingMs / 1000,
        r.strategy,
        r.rep,
        r.warmup,
        r.coldStart,
        r.processingMs,
        r.durationMs,
        r.billedMs,
        r.initMs,
        r.maxMemoryMB,
        r.cpuModel,
        r.error,
        r.retries,
        r.startedAt,
        r.endedAt,
        r.runId,
        r.functionName,
        r.cpuLimit,
      ]
        .map(cell)
        .join(','),
    );
  }
  return lines.join('\n') + '\n';
}
