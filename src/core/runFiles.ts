// The on-disk format of a run: `.lambda-lab/runs/<run-id>/run.json` and `invocations.jsonl`.
// Pure: types and parsing only; reading and writing files is src/sweep/runStore.ts.
import type { Architecture, Strategy } from './experimentConfig';
import type { InvocationRecord } from './invocationRecord';
import type { MemoryRefinementRecord } from './memoryRefinement';
import type { ThreadDimension } from './ownFunction';
import { recordKey, type SweepPlanInput } from './sweepPlan';

export const RUN_FILE = 'run.json';
export const INVOCATIONS_FILE = 'invocations.jsonl';
export const RUN_FORMAT_VERSION = 1;

export type RunStatus = 'running' | 'completed' | 'cancelled' | 'stopped-max-cost' | 'failed';

/** Where the functions ran. Never holds credentials: a profile name at most. */
export interface RunTarget {
  kind: 'aws' | 'local' | 'endpoint';
  /** Endpoint URL for 'local' and 'endpoint'. */
  endpoint?: string;
  /** AWS profile name, if one was used. */
  profile?: string;
}

/** Why a configuration (function × threads × strategy) stopped taking repetitions. */
export interface ConfigStop {
  configKey: string;
  functionName: string;
  arch: Architecture;
  memoryMB: number;
  threads: number;
  strategy: Strategy;
  /** Successful measured repetitions when it stopped. */
  repetitions: number;
  reason: string;
}

/** What GetFunctionConfiguration said about a function when the run started. */
export interface FunctionSnapshot {
  functionName: string;
  /** base64 SHA-256 of the deployment package; null if the target did not say. */
  codeSha256: string | null;
  /** MemorySize in MB; null if the target did not say. */
  memoryMB: number | null;
  /** Timeout in seconds when the run started; absent in older runs or if the target did not say. */
  timeoutSeconds?: number | null;
}

/** What run.json records about a sweep of a user's own function. */
export interface OwnFunctionRun {
  /** The function that was copied (never changed, never invoked). */
  original: { functionName: string; functionArn: string | null; codeSha256: string | null };
  /** Where the payload came from, and the payload itself (each invocation sends it, with the thread field set). */
  payloadFile: string | null;
  payload: unknown;
  threads: ThreadDimension;
  /** How an invocation is timed: the function's processingMs when it returns one, else the REPORT line's Duration. */
  timing: string;
}

export interface RunMetadata {
  formatVersion: number;
  runId: string;
  experimentId: string;
  target: RunTarget;
  region: string;
  /** Everything needed to rebuild the exact plan (and its order) on resume. */
  plan: SweepPlanInput & { items: number; cost: number; concurrency: number; plannedInvocations: number };
  seed: number;
  adaptive: { minRepetitions: number; maxRepetitions: number; targetRelativeHalfWidth: number } | null;
  maxCostUsd: number | null;
  /** CodeSha256 of the deployed functions (one value if all agree). */
  templateHash: string | null;
  /**
   * Each function's code and memory when the run started, compared on resume: results measured
   * with other code or memory must not be mixed into this run. Absent in runs from older versions.
   */
  functionSnapshots?: FunctionSnapshot[];
  extensionVersion: string;
  /** How the target limited CPU ('none' = unthrottled results), or 'aws' on real Lambda. */
  cpuLimit: string;
  startedAt: string;
  updatedAt: string;
  status: RunStatus;
  /** Human-readable reason for the last status change (cancellation, cost limit, failure). */
  statusReason: string | null;
  estimatedCostUsd: number | null;
  costSoFarUsd: number;
  configStops: ConfigStop[];
  /** Sweeps that chose their memory sizes: which sizes each round added and why. Absent otherwise. */
  memoryRefinement?: MemoryRefinementRecord;
  /** Sweeps of a user's own function (through tagged copies of it): what was copied and how it was invoked. Absent otherwise. */
  ownFunction?: OwnFunctionRun;
  /** Runs against the study replay: which study folder answered, and the seed of its draws. Absent otherwise. */
  replay?: { studyFolder: string; seed: number };
}

export interface ParsedInvocations {
  /** One record per key: see parseInvocationsJsonl for which one wins. In file order. */
  records: InvocationRecord[];
  /** Error records replaced by a later attempt (still billed: cost totals count them). */
  superseded: InvocationRecord[];
  warnings: string[];
  /**
   * Byte length of the valid prefix of the file: everything after it is a torn last line
   * that must be cut off before appending, so the file stays valid JSONL.
   */
  validLength: number;
  /** True when the valid prefix does not end with a newline (a complete last line without one). */
  needsNewline: boolean;
}

const REQUIRED_FIELDS: Array<[keyof InvocationRecord, string]> = [
  ['runId', 'string'],
  ['functionName', 'string'],
  ['arch', 'string'],
  ['memoryMB', 'number'],
  ['threads', 'number'],
  ['strategy', 'string'],
  ['rep', 'number'],
  ['warmup', 'boolean'],
  ['retries', 'number'],
  ['startedAt', 'string'],
  ['endedAt', 'string'],
];

/** Checks one parsed JSON value is an invocation record; returns the problem or null. */
export function invocationRecordProblem(value: unknown): string | null {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return 'not a JSON object';
  const object = value as Record<string, unknown>;
  for (const [field, type] of REQUIRED_FIELDS) {
    if (typeof object[field] !== type) return `field "${field}" is missing or not a ${type}`;
  }
  if (object.error !== null && typeof object.error !== 'string') return 'field "error" must be null or a string';
  return null;
}

/**
 * Which record counts when a key (recordKey) appears more than once. The file is append-only:
 * `lambda-lab sweep --resume --retry-errors` runs an invocation that ended in an error again and
 * appends the new attempt. So a later record supersedes an earlier *error* record for the same key
 * (the latest attempt counts; a success is never superseded); any other duplicate is a fault and
 * the first record is kept.
 */
export function supersedes(_later: InvocationRecord, earlier: InvocationRecord): boolean {
  return earlier.error !== null;
}

export interface ParseInvocationsOptions {
  /**
   * Called with each complete line's record (after it passed invocationRecordProblem); a reason sets
   * the line aside as if it were blank: not kept, not a duplicate, no warning (the caller counts it).
   */
  setAside?: (record: InvocationRecord, lineNumber: number) => string | null;
}

/**
 * Parses invocations.jsonl in one pass, each line parsed once. Complete lines that are not records
 * (including lines that are not valid UTF-8 or hold NUL bytes) are reported and skipped; a last line
 * without its newline is a torn write (crash, kill -9, full disk) unless it parses as a whole
 * record; a torn line is reported and excluded from `validLength`. Duplicate keys: a later attempt
 * replaces an earlier error record (see `supersedes`), otherwise the first record is kept.
 * Give the file's bytes when the result is used to cut the file: offsets are counted in bytes of
 * the file as it is, so invalid UTF-8 (which decoding would replace by 3-byte characters) cannot
 * move the cut. A string (already decoded, so never invalid UTF-8) is split as it is, and its
 * `validLength` is the UTF-8 length of its valid prefix.
 */
export function parseInvocationsJsonl(input: string | Uint8Array, fileLabel = INVOCATIONS_FILE, options: ParseInvocationsOptions = {}): ParsedInvocations {
  const kept: Array<InvocationRecord | null> = [];
  const superseded: InvocationRecord[] = [];
  const warnings: string[] = [];
  const indexByKey = new Map<string, number>();
  const setAside = options.setAside;
  /** Handles one line (null: not valid UTF-8); false when it is a torn last line that ends the file. */
  const handleLine = (line: string | null, complete: boolean, lineNumber: number, byteLength: number): boolean => {
    let parsed: unknown;
    let problem: string | null = line === null ? 'not valid UTF-8' : null;
    const blank = line !== null && isBlank(line);
    if (line !== null && !blank) {
      try {
        parsed = JSON.parse(line);
        problem = invocationRecordProblem(parsed);
      } catch (error) {
        problem = `not valid JSON (${error instanceof Error ? error.message : String(error)})`;
      }
    }
    if (!complete && (problem !== null || parsed === undefined)) {
      if (!blank) {
        warnings.push(
          `${fileLabel} line ${lineNumber}: the last line is incomplete (${byteLength} bytes, the previous run was probably interrupted mid-write); it is ignored and that invocation will run again.`,
        );
      }
      return false; // validLength stays before the torn line
    }
    if (problem !== null) {
      warnings.push(`${fileLabel} line ${lineNumber}: ${problem}; the line is ignored.`);
    } else if (parsed !== undefined) {
      const record = parsed as InvocationRecord;
      if (complete && setAside && setAside(record, lineNumber) !== null) return true;
      const key = recordKey(record);
      const earlierIndex = indexByKey.get(key);
      if (earlierIndex === undefined) {
        indexByKey.set(key, kept.length);
        kept.push(record);
      } else if (supersedes(record, kept[earlierIndex]!)) {
        // The retry goes where it happened in time (file order); the error it replaces is dropped.
        superseded.push(kept[earlierIndex]!);
        kept[earlierIndex] = null;
        indexByKey.set(key, kept.length);
        kept.push(record);
      } else {
        warnings.push(`${fileLabel} line ${lineNumber}: a second record for ${key}; the first one is kept.`);
      }
    }
    return true;
  };
  let validLength = 0;
  let needsNewline = false;
  let lineNumber = 0;
  if (typeof input === 'string') {
    let offset = 0;
    let validChars = 0;
    while (offset < input.length) {
      lineNumber++;
      const newline = input.indexOf('\n', offset);
      const complete = newline !== -1;
      const end = complete ? newline : input.length;
      const line = input.slice(offset, end);
      if (!handleLine(line, complete, lineNumber, complete ? 0 : utf8Length(line))) break;
      offset = complete ? newline + 1 : input.length;
      validChars = offset;
      needsNewline = !complete;
    }
    // Counted only if asked for (the readers of a decoded file never cut it; RunStore gives bytes).
    const records = kept.filter((r): r is InvocationRecord => r !== null);
    let validBytes: number | null = null;
    return {
      records,
      superseded,
      warnings,
      get validLength() {
        validBytes ??= utf8Length(validChars === input.length ? input : input.slice(0, validChars));
        return validBytes;
      },
      needsNewline,
    };
  } else {
    const decoder = new TextDecoder('utf-8', { fatal: true });
    let offset = 0;
    while (offset < input.length) {
      lineNumber++;
      const newline = input.indexOf(0x0a, offset);
      const complete = newline !== -1;
      const end = complete ? newline : input.length;
      let line: string | null;
      try {
        line = decoder.decode(input.subarray(offset, end));
      } catch {
        line = null;
      }
      if (!handleLine(line, complete, lineNumber, end - offset)) break;
      offset = complete ? newline + 1 : input.length;
      validLength = offset;
      needsNewline = !complete;
    }
  }
  const records = kept.filter((r): r is InvocationRecord => r !== null);
  return { records, superseded, warnings, validLength, needsNewline };
}

/** Only whitespace (what String.prototype.trim removes), without building the trimmed copy. */
function isBlank(line: string): boolean {
  return line.length === 0 || line.trim().length === 0;
}

/** The number of bytes of a string's UTF-8 encoding (lone surrogates count as U+FFFD, as TextEncoder writes them). */
function utf8Length(text: string): number {
  let bytes = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x80) bytes += 1;
    else if (code < 0x800) bytes += 2;
    else if (code >= 0xd800 && code <= 0xdbff && i + 1 < text.length && (text.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      bytes += 4;
      i++;
    } else bytes += 3;
  }
  return bytes;
}

/** A run id that sorts by time and is safe in paths, e.g. `2026-11-27T06-05-01Z-demo`. */
export function newRunId(experimentId: string, now = new Date()): string {
  const stamp = now
    .toISOString()
    .replace(/\.\d{3}Z$/, 'Z')
    .replace(/:/g, '-');
  return `${stamp}-${experimentId}`;
}
