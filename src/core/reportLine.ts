// Lambda's REPORT line: the platform's own measurement of an invocation.
//   REPORT RequestId: <uuid>\tDuration: 7.00 ms\tBilled Duration: 8 ms\tMemory Size: 128 MB\tMax Memory Used: 36 MB\tInit Duration: 139.19 ms\t
// Fields are read by name, never by position: emulators (SAM/RIE, LocalStack) order them
// differently and separate them by spaces instead of tabs; AWS adds fields (Restore Duration,
// XRAY TraceId) that we ignore.

export interface ReportLine {
  requestId: string;
  durationMs: number;
  billedMs: number;
  memorySizeMB: number;
  maxMemoryUsedMB: number;
  /** Present only on the first invocation of a new execution environment. */
  initDurationMs: number | null;
  coldStart: boolean;
}

export class ReportLineError extends Error {
  constructor(
    message: string,
    readonly line: string,
    /** Required fields that were absent. */
    readonly missing: string[] = [],
    /** The field whose value could not be read, if that was the problem. */
    readonly field: string | null = null,
  ) {
    super(message);
    this.name = 'ReportLineError';
  }
}

const REQUIRED = ['RequestId', 'Duration', 'Billed Duration', 'Memory Size', 'Max Memory Used'] as const;

/** "Name: value [unit]" where a name is one or more capitalised words joined by single spaces. */
const FIELD = /([A-Z][A-Za-z]*(?: [A-Z][A-Za-z]*)*)\s*:\s*(\S+)(?:[ \t]+(ms|MB)\b)?/g;
const REPORT_START = /\bREPORT\s+(?=RequestId\s*:)/;

function shorten(line: string): string {
  return line.length > 200 ? `${line.slice(0, 200)}…` : line;
}

function readFields(body: string): Map<string, { value: string; unit: string | undefined }> {
  const fields = new Map<string, { value: string; unit: string | undefined }>();
  for (const match of body.matchAll(FIELD)) {
    const [, name, value, unit] = match;
    if (!fields.has(name)) fields.set(name, { value, unit });
  }
  return fields;
}

function readNumber(line: string, name: string, raw: { value: string; unit: string | undefined }, unit: 'ms' | 'MB'): number {
  // The unit may be glued to the number ("7.00ms") or follow it.
  const match = /^(\d+(?:\.\d+)?)(ms|MB)?$/.exec(raw.value);
  const gluedUnit = match?.[2];
  const actualUnit = gluedUnit ?? raw.unit;
  if (!match || (actualUnit !== undefined && actualUnit !== unit)) {
    throw new ReportLineError(
      `REPORT line field "${name}" has the value "${raw.value}${raw.unit ? ` ${raw.unit}` : ''}", expected a non-negative number of ${unit}: ${shorten(line)}`,
      line,
      [],
      name,
    );
  }
  return Number(match[1]);
}

/** Parses one REPORT line; throws ReportLineError naming what is missing or unreadable. */
export function parseReportLine(line: string): ReportLine {
  const start = REPORT_START.exec(line);
  if (!start) {
    throw new ReportLineError(`Not a REPORT line (expected "REPORT RequestId: ..."): ${shorten(line)}`, line, ['REPORT RequestId']);
  }
  const fields = readFields(line.slice(start.index + start[0].length));
  const missing = REQUIRED.filter((name) => !fields.has(name));
  if (missing.length > 0) {
    throw new ReportLineError(`REPORT line is missing ${missing.join(', ')}: ${shorten(line)}`, line, [...missing]);
  }
  const get = (name: string) => fields.get(name)!;
  const init = fields.get('Init Duration');
  const initDurationMs = init ? readNumber(line, 'Init Duration', init, 'ms') : null;
  return {
    requestId: get('RequestId').value,
    durationMs: readNumber(line, 'Duration', get('Duration'), 'ms'),
    billedMs: readNumber(line, 'Billed Duration', get('Billed Duration'), 'ms'),
    memorySizeMB: readNumber(line, 'Memory Size', get('Memory Size'), 'MB'),
    maxMemoryUsedMB: readNumber(line, 'Max Memory Used', get('Max Memory Used'), 'MB'),
    initDurationMs,
    coldStart: initDurationMs !== null,
  };
}

/**
 * The last REPORT line in a decoded log tail (`X-Amz-Log-Result` is the last 4 KB, so the first
 * line may be cut anywhere). Returns null when there is none; throws ReportLineError when the last
 * REPORT line is malformed, because silently skipping it would attribute an older invocation's numbers.
 */
export function findReportLine(logTail: string): ReportLine | null {
  // From the end, only the lines that contain "REPORT" (the same lines as splitting on \r?\n).
  let from = logTail.length;
  while (from >= 0) {
    const at = logTail.lastIndexOf('REPORT', from);
    if (at === -1) return null;
    const start = logTail.lastIndexOf('\n', at) + 1;
    const newline = logTail.indexOf('\n', at);
    let end = newline === -1 ? logTail.length : newline;
    if (newline !== -1 && end > start && logTail[end - 1] === '\r') end--;
    const line = logTail.slice(start, end);
    if (REPORT_START.test(line)) return parseReportLine(line);
    from = start - 2;
  }
  return null;
}
