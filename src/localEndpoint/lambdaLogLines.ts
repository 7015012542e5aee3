// The log lines Lambda writes around an invocation, in AWS's exact format, and the 4 KB tail
// that Invoke returns base64-encoded in X-Amz-Log-Result. Pure, so the format is unit-tested.

export const LOG_TAIL_BYTES = 4096;

export interface ReportFields {
  requestId: string;
  durationMs: number;
  memorySizeMB: number;
  maxMemoryUsedMB: number;
  /** Only on the first invocation of a new execution environment. */
  initDurationMs: number | null;
  /** AWS adds `Status: timeout` / `Status: error` + `Error Type` to REPORT lines of failed invocations. */
  status?: 'timeout' | 'error';
  errorType?: string;
}

/**
 * Since 2025-08-01 AWS bills the INIT phase of ZIP functions, so a cold start's Billed Duration is
 * the rounded-up sum of Duration and Init Duration; a warm one is Duration rounded up to 1 ms.
 */
export function billedDurationMs(durationMs: number, initDurationMs: number | null): number {
  return Math.max(1, Math.ceil(durationMs + (initDurationMs ?? 0)));
}

/** `REPORT RequestId: …\tDuration: 7.00 ms\tBilled Duration: 8 ms\tMemory Size: 128 MB\tMax Memory Used: 36 MB\t[Init Duration: 139.19 ms\t]` */
export function formatReportLine(fields: ReportFields): string {
  let line =
    `REPORT RequestId: ${fields.requestId}\t` +
    `Duration: ${fields.durationMs.toFixed(2)} ms\t` +
    `Billed Duration: ${billedDurationMs(fields.durationMs, fields.initDurationMs)} ms\t` +
    `Memory Size: ${fields.memorySizeMB} MB\t` +
    `Max Memory Used: ${Math.round(fields.maxMemoryUsedMB)} MB\t`;
  if (fields.initDurationMs !== null) line += `Init Duration: ${fields.initDurationMs.toFixed(2)} ms\t`;
  if (fields.status) line += `Status: ${fields.status}\t`;
  if (fields.errorType) line += `Error Type: ${fields.errorType}\t`;
  return line;
}

export function formatStartLine(requestId: string): string {
  return `START RequestId: ${requestId} Version: $LATEST`;
}

export function formatEndLine(requestId: string): string {
  return `END RequestId: ${requestId}`;
}

/** The last `maxBytes` bytes of the log (cut at a byte boundary as AWS does), base64. */
export function logTailBase64(lines: string[], maxBytes = LOG_TAIL_BYTES): string {
  const bytes = Buffer.from(lines.map((line) => `${line}\n`).join(''), 'utf8');
  return bytes.subarray(Math.max(0, bytes.length - maxBytes)).toString('base64');
}
