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

/**
 * Parses invocations.jsonl. Complete lines that are not records (including lines that are not
 * valid UTF-8 or hold NUL bytes) are reported and skipped; a last line without its newline is a
 * torn write (crash, kill -9, full disk) unless it parses as a whole record; a torn line is
 * reported and excluded from `validLength`. Duplicate keys: a later attempt replaces an earlier
 * error record (see `supersedes`), otherwise the first record is kept.
 * Give the file's bytes when the result is used to cut the file: offsets are counted in bytes of
 * the file as it is, so invalid UTF-8 (which decoding would replace by 3-byte characters) cannot
 * move the cut. A string is taken as its UTF-8 encoding.
 */
export function parseInvocationsJsonl(input: string | Uint8Array, fileLabel = INVOCATIONS_FILE): ParsedInvocations {
  const bytes = typeof input === 'string' ? new TextEncoder().encode(input) : input;
  const decoder = new TextDecoder('utf-8', { fatal: true });
  const kept: Array<InvocationRecord | null> = [];
  const superseded: InvocationRecord[] = [];
  const warnings: string[] = [];
  const indexByKey = new Map<string, number>();
  let offset = 0;
  let validLength = 0;
  let needsNewline = false;
  let lineNumber = 0;
  while (offset < bytes.length) {
    lineNumber++;
    const newline = bytes.indexOf(0x0a, offset);
    const complete = newline !== -1;
    const end = complete ? newline : bytes.length;
    const nextOffset = complete ? newline + 1 : bytes.length;
    let line: string | null = null;
    let parsed: unknown;
    let problem: string | null = null;
    try {
      line = decoder.decode(bytes.subarray(offset, end));
    } catch {
      problem = 'not valid UTF-8';
    }
    if (line !== null && line.trim() === '') {
      parsed = undefined;
    } else if (line !== null) {
      try {
        parsed = JSON.parse(line);
        problem = invocationRecordProblem(parsed);
      } catch (error) {
        problem = `not valid JSON (${error instanceof Error ? error.message : String(error)})`;
      }
    }
    const blank = line !== null && line.trim() === '';
    if (!complete && (problem !== null || parsed === undefined)) {
      if (!blank) {
        warnings.push(
          `${fileLabel} line ${lineNumber}: the last line is incomplete (${end - offset} bytes, the previous run was probably interrupted mid-write); it is ignored and that invocation will run again.`,
        );
      }
      break; // validLength stays before the torn line
    }
    if (problem !== null) {
      warnings.push(`${fileLabel} line ${lineNumber}: ${problem}; the line is ignored.`);
    } else if (parsed !== undefined) {
      const record = parsed as InvocationRecord;
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
    validLength = nextOffset;
    needsNewline = !complete;
    offset = nextOffset;
  }
  const records = kept.filter((r): r is InvocationRecord => r !== null);
  return { records, superseded, warnings, validLength, needsNewline };
}

/** A run id that sorts by time and is safe in paths, e.g. `2026-11-27T06-05-01Z-demo`. */
export function newRunId(experimentId: string, now = new Date()): string {
  const stamp = now
    .toISOString()
    .replace(/\.\d{3}Z$/, 'Z')
    .replace(/:/g, '-');
  return `${stamp}-${experimentId}`;
}
