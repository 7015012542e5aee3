// The on-disk format of a run: `.lambda-lab/runs/<run-id>/run.json` and `invocations.jsonl`.
// Pure: types and parsing only; reading and writing files is src/sweep/runStore.ts.
import type { Architecture, Strategy } from './experimentConfig';
import type { InvocationRecord } from './invocationRecord';
import type { MemoryRefinementRecord } from './memoryRefinement';
import type { PayloadSummary, ThreadDimension } from './ownFunction';
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
  /**
   * The payloads, in the order given, each by name, workspace-relative file (null when typed),
   * weight, SHA-256, size, type and top-level keys — never their values (a payload may hold
   * secrets). Repetition r of each configuration sends payloadSchedule(weights)[(r - 1) % length];
   * warm-ups send the first. Resume reads the payloads again and checks their SHA-256.
   */
  payloads?: PayloadSummary[];
  /** Runs written before `payloads`: the payload file and the payload itself. Never written now. */
  payloadFile?: string | null;
  payload?: unknown;
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

/** What `InvocationsJsonlParser.result` says about the lines read so far. */
export interface ParsedLines extends Omit<ParsedInvocations, 'validLength' | 'needsNewline'> {
  empty: boolean;
  tailKept: boolean;
}

/** What a parse says about one line, before it changes the parser's state. */
type LineOutcome =
  | { kind: 'skip' }
  | { kind: 'torn'; warning: string | null }
  | { kind: 'problem'; warning: string }
  | { kind: 'new' | 'duplicate'; record: InvocationRecord; key: string; warning?: string }
  | { kind: 'supersedes'; record: InvocationRecord; key: string; earlierIndex: number };

/**
 * Parses invocations.jsonl a piece at a time, each line parsed once: whole lines as they are read
 * (`pushLines`), and, in `result(tail)`, the text after the last newline as the file's last line,
 * without remembering it, so a reader following a growing file (the results view during a sweep)
 * can parse only what was appended since and still get exactly what a parse of the whole file says.
 * Rules (the same for `parseInvocationsJsonl`): complete lines that are not records (including lines
 * that are not valid UTF-8 or hold NUL bytes) are reported and skipped; a last line without its
 * newline is a torn write (crash, kill -9, full disk) unless it parses as a whole record; duplicate
 * keys: a later attempt replaces an earlier error record (see `supersedes`), otherwise the first
 * record is kept.
 */
export class InvocationsJsonlParser {
  private readonly kept: Array<InvocationRecord | null> = [];
  private readonly superseded: InvocationRecord[] = [];
  private readonly warnings: string[] = [];
  private readonly indexByKey = new Map<string, number>();
  private lines = 0;
  private contentLines = 0;

  constructor(
    private readonly fileLabel = INVOCATIONS_FILE,
    private readonly options: ParseInvocationsOptions = {},
  ) {}

  /** Complete lines read so far. */
  get lineCount(): number {
    return this.lines;
  }

  /** Judges one line (null: not valid UTF-8) without changing the state. */
  private judge(line: string | null, complete: boolean, lineNumber: number, byteLength: number): LineOutcome {
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
      return {
        kind: 'torn',
        warning: blank
          ? null
          : `${this.fileLabel} line ${lineNumber}: the last line is incomplete (${byteLength} bytes, the previous run was probably interrupted mid-write); it is ignored and that invocation will run again.`,
      };
    }
    if (problem !== null) return { kind: 'problem', warning: `${this.fileLabel} line ${lineNumber}: ${problem}; the line is ignored.` };
    if (parsed === undefined) return { kind: 'skip' };
    const record = parsed as InvocationRecord;
    if (complete && this.options.setAside && this.options.setAside(record, lineNumber) !== null) return { kind: 'skip' };
    const key = recordKey(record);
    const earlierIndex = this.indexByKey.get(key);
    if (earlierIndex === undefined) return { kind: 'new', record, key };
    // The retry goes where it happened in time (file order); the error it replaces is dropped.
    if (supersedes(record, this.kept[earlierIndex]!)) return { kind: 'supersedes', record, key, earlierIndex };
    return { kind: 'duplicate', record, key, warning: `${this.fileLabel} line ${lineNumber}: a second record for ${key}; the first one is kept.` };
  }

  private apply(outcome: LineOutcome): void {
    switch (outcome.kind) {
      case 'skip':
      case 'torn':
        break;
      case 'problem':
        this.warnings.push(outcome.warning);
        break;
      case 'duplicate':
        this.warnings.push(outcome.warning!);
        break;
      case 'supersedes':
        this.superseded.push(this.kept[outcome.earlierIndex]!);
        this.kept[outcome.earlierIndex] = null;
        this.indexByKey.set(outcome.key, this.kept.length);
        this.kept.push(outcome.record);
        break;
      case 'new':
        this.indexByKey.set(outcome.key, this.kept.length);
        this.kept.push(outcome.record);
        break;
    }
  }

  /**
   * One line, remembered. `complete`: it ended with a newline. Returns false when it is a torn last
   * line (not remembered; the file ends there).
   */
  line(line: string | null, complete: boolean, byteLength = 0): boolean {
    const outcome = this.judge(line, complete, this.lines + 1, byteLength);
    if (outcome.kind === 'torn') {
      if (outcome.warning) this.warnings.push(outcome.warning);
      return false;
    }
    this.lines++;
    if (line === null || !isBlank(line)) this.contentLines++;
    this.apply(outcome);
    return true;
  }

  /** Text made of whole lines: every line in it ends with '\n' (anything after the last one is ignored). */
  pushLines(text: string): void {
    let offset = 0;
    for (;;) {
      const newline = text.indexOf('\n', offset);
      if (newline === -1) return;
      this.line(text.slice(offset, newline), true);
      offset = newline + 1;
    }
  }

  /**
   * What a parse of the whole file says when `tail` (the text after its last newline, '' if none)
   * ends it. The tail is judged as the last line but not remembered: the file may still grow.
   * `empty`: no line of the file (tail included) holds anything but whitespace; `tailKept`: the tail
   * is a whole record (a complete line that only lacks its newline), not a torn write.
   */
  result(tail = ''): ParsedLines {
    const records = this.kept.filter((r): r is InvocationRecord => r !== null);
    if (tail === '') return { records, superseded: [...this.superseded], warnings: [...this.warnings], empty: this.contentLines === 0, tailKept: false };
    const outcome = this.judge(tail, false, this.lines + 1, utf8Length(tail));
    const warnings = [...this.warnings];
    const superseded = [...this.superseded];
    const empty = this.contentLines === 0 && isBlank(tail);
    switch (outcome.kind) {
      case 'torn':
        if (outcome.warning) warnings.push(outcome.warning);
        break;
      case 'problem':
      case 'skip':
        break;
      case 'duplicate':
        warnings.push(outcome.warning!);
        break;
      case 'supersedes': {
        const earlier = this.kept[outcome.earlierIndex]!;
        superseded.push(earlier);
        records.splice(records.indexOf(earlier), 1);
        records.push(outcome.record);
        break;
      }
      case 'new':
        records.push(outcome.record);
        break;
    }
    return { records, superseded, warnings, empty, tailKept: outcome.kind !== 'torn' };
  }
}

/**
 * Parses invocations.jsonl in one pass, each line parsed once, by the rules of
 * `InvocationsJsonlParser`. A torn line is reported and excluded from `validLength`.
 * Give the file's bytes when the result is used to cut the file: offsets are counted in bytes of
 * the file as it is, so invalid UTF-8 (which decoding would replace by 3-byte characters) cannot
 * move the cut. A string (already decoded, so never invalid UTF-8) is split as it is, and its
 * `validLength` is the UTF-8 length of its valid prefix.
 */
export function parseInvocationsJsonl(input: string | Uint8Array, fileLabel = INVOCATIONS_FILE, options: ParseInvocationsOptions = {}): ParsedInvocations {
  const parser = new InvocationsJsonlParser(fileLabel, options);
  if (typeof input === 'string') {
    const lastNewline = input.lastIndexOf('\n');
    const tail = input.slice(lastNewline + 1);
    parser.pushLines(lastNewline === -1 ? '' : input.slice(0, lastNewline + 1));
    // A tail that is a whole record is part of the valid prefix (it only lacks its newline).
    const { records, superseded, warnings, tailKept } = parser.result(tail);
    const validChars = tailKept ? input.length : lastNewline + 1;
    // Counted only if asked for (the readers of a decoded file never cut it; RunStore gives bytes).
    let validBytes: number | null = null;
    return {
      records,
      superseded,
      warnings,
      get validLength() {
        validBytes ??= utf8Length(validChars === input.length ? input : input.slice(0, validChars));
        return validBytes;
      },
      needsNewline: tailKept,
    };
  }
  const decoder = new TextDecoder('utf-8', { fatal: true });
  let offset = 0;
  let validLength = 0;
  let needsNewline = false;
  while (offset < input.length) {
    const newline = input.indexOf(0x0a, offset);
    const complete = newline !== -1;
    const end = complete ? newline : input.length;
    let line: string | null;
    try {
      line = decoder.decode(input.subarray(offset, end));
    } catch {
      line = null;
    }
    if (!parser.line(line, complete, end - offset)) break;
    offset = complete ? newline + 1 : input.length;
    validLength = offset;
    needsNewline = !complete;
  }
  const { records, superseded, warnings } = parser.result();
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
