// Sweeping a user's own function: the pure parts. The function itself is never changed or invoked;
// tagged copies of it (one per memory size, and per thread count when the thread count comes from
// an environment variable) are. Here: payload checks, the JSON path of a thread field, the thread
// dimension, the copies' names and tags, and why a function cannot be copied.
import { createHash } from 'node:crypto';
import type { Architecture } from './experimentConfig';
import { ValidationError } from './experimentValidation';
import { FUNCTION_NAME_PREFIX, functionTags } from './experimentNaming';

/** Where the thread count goes: nowhere (memory only), a field of the payload, or an environment variable of each copy. */
export type ThreadDimension = { kind: 'none' } | { kind: 'field'; path: string } | { kind: 'env'; name: string };

export type JsonPathSegment = string | number;

/** Tag on each copy naming the function it copies. */
export const TAG_COPY_OF = 'lambda-parallel-lab:copy-of';
/** Tag on each copy made for one thread count (thread count from an environment variable). */
export const TAG_THREADS = 'lambda-parallel-lab:threads';

const MAX_FUNCTION_NAME_LENGTH = 64;
/** The longest copy-name suffix: "-10240-x86_64-t64". */
const LONGEST_SUFFIX = '-10240-x86_64-t64'.length;

/**
 * Parses `a.b[0].c` (optionally starting with `$.` or `$`) into segments. Bracketed numbers index
 * arrays; `["key with.dots"]` names a key. Throws ValidationError for anything else.
 */
export function parseJsonPath(text: string): JsonPathSegment[] {
  const source = text.trim();
  const bad = (why: string) =>
    new ValidationError(
      'threads-field',
      text,
      'a JSON path such as workers or options.threads or jobs[0].n',
      `--threads-field "${text}" is not a JSON path: ${why}`,
    );
  let rest = source.startsWith('$') ? source.slice(1) : source;
  if (rest.startsWith('.')) rest = rest.slice(1);
  if (rest === '') throw bad('it names no field');
  const segments: JsonPathSegment[] = [];
  let i = 0;
  let expectName = true;
  while (i < rest.length) {
    const ch = rest[i];
    if (ch === '[') {
      const close = rest.indexOf(']', i);
      if (close === -1) throw bad('a "[" is not closed');
      const inner = rest.slice(i + 1, close).trim();
      if (/^\d+$/.test(inner)) segments.push(Number(inner));
      else if (/^"[^"]*"$/.test(inner) || /^'[^']*'$/.test(inner)) segments.push(inner.slice(1, -1));
      else throw bad(`[${inner}] is neither an index nor a quoted key`);
      i = close + 1;
      expectName = false;
    } else if (ch === '.') {
      if (expectName) throw bad('two dots in a row, or a dot at the start');
      i++;
      expectName = true;
      if (i === rest.length) throw bad('it ends with a dot');
    } else {
      if (!expectName) throw bad(`"${rest.slice(i)}" must follow a dot`);
      const match = /^[^.[\]]+/.exec(rest.slice(i))!;
      segments.push(match[0]);
      i += match[0].length;
      expectName = false;
    }
  }
  return segments;
}

/** The value at `path`, or `{ found: false }` with how far the path got. */
export function getAtPath(value: unknown, path: readonly JsonPathSegment[]): { found: true; value: unknown } | { found: false; missingAt: number } {
  let current = value;
  for (let i = 0; i < path.length; i++) {
    const segment = path[i];
    if (typeof segment === 'number') {
      if (!Array.isArray(current) || segment >= current.length) return { found: false, missingAt: i };
      current = current[segment];
    } else {
      if (current === null || typeof current !== 'object' || Array.isArray(current) || !Object.prototype.hasOwnProperty.call(current, segment)) {
        return { found: false, missingAt: i };
      }
      current = (current as Record<string, unknown>)[segment];
    }
  }
  return { found: true, value: current };
}

/** A copy of `value` with the (existing) value at `path` replaced; the input is not changed. */
export function setAtPath(value: unknown, path: readonly JsonPathSegment[], replacement: unknown): unknown {
  if (path.length === 0) return replacement;
  const [head, ...tail] = path;
  if (typeof head === 'number') {
    if (!Array.isArray(value) || head >= value.length) throw new Error(`The payload has no element [${head}].`);
    const copy = [...value];
    copy[head] = setAtPath(value[head], tail, replacement);
    return copy;
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value) || !Object.prototype.hasOwnProperty.call(value, head)) {
    throw new Error(`The payload has no field "${head}".`);
  }
  return { ...(value as Record<string, unknown>), [head]: setAtPath((value as Record<string, unknown>)[head], tail, replacement) };
}

export function formatJsonPath(path: readonly JsonPathSegment[]): string {
  return path.map((s, i) => (typeof s === 'number' ? `[${s}]` : /^[A-Za-z_$][\w$]*$/.test(s) ? `${i === 0 ? '' : '.'}${s}` : `["${s}"]`)).join('');
}

/** Lambda's synchronous invocation payload limit. */
export const PAYLOAD_MAX_BYTES = 6 * 1024 * 1024;

/** Parses a payload file's text; a payload that is not JSON is refused with where it broke. */
export function parsePayloadText(text: string, label: string): unknown {
  if (new TextEncoder().encode(text).length > PAYLOAD_MAX_BYTES) {
    throw new ValidationError('payload', label, 'at most 6 MB', `The payload ${label} is larger than Lambda's 6 MB limit for a synchronous invocation.`);
  }
  if (text.trim() === '')
    throw new ValidationError('payload', label, 'a JSON document', `The payload ${label} is empty; it must be a JSON document, e.g. {"n": 1}.`);
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    const why = error instanceof Error ? error.message : String(error);
    throw new ValidationError(
      'payload',
      label,
      'a JSON document',
      `The payload ${label} is not JSON (${why}). Lambda passes the payload to the function as JSON.`,
    );
  }
}

/**
 * Checks the thread field exists in the payload and returns its parsed path. The value there is
 * replaced by each thread count; a field that is absent would silently run every copy alike.
 */
export function checkThreadsField(payload: unknown, pathText: string, payloadLabel: string): JsonPathSegment[] {
  const path = parseJsonPath(pathText);
  const got = getAtPath(payload, path);
  if (!got.found) {
    const reached = got.missingAt === 0 ? 'the payload itself' : formatJsonPath(path.slice(0, got.missingAt));
    const keys =
      got.missingAt === 0 && payload !== null && typeof payload === 'object' && !Array.isArray(payload)
        ? ` Its top-level fields: ${Object.keys(payload).slice(0, 10).join(', ') || '(none)'}.`
        : '';
    throw new ValidationError(
      'threads-field',
      pathText,
      'a field present in the payload',
      `--threads-field ${pathText}: the payload ${payloadLabel} has no ${formatJsonPath(path.slice(got.missingAt, got.missingAt + 1))} in ${reached}.${keys} The field must exist (its value is replaced by each thread count).`,
    );
  }
  return path;
}

const ENV_NAME = /^[a-zA-Z][a-zA-Z0-9_]*$/;
/** Lambda reserves these; a copy cannot set them. */
const RESERVED_ENV = /^(AWS_|_HANDLER$|_X_AMZN_TRACE_ID$|LAMBDA_TASK_ROOT$|LAMBDA_RUNTIME_DIR$|TZ$)/;

export function validateThreadsEnvName(name: string): string {
  if (!ENV_NAME.test(name)) {
    throw new ValidationError(
      'threads-env',
      name,
      'an environment variable name',
      `--threads-env "${name}" is not an environment variable name (letters, digits and _, starting with a letter).`,
    );
  }
  if (RESERVED_ENV.test(name)) {
    throw new ValidationError('threads-env', name, 'a name Lambda does not reserve', `--threads-env ${name} is reserved by Lambda; choose another name.`);
  }
  return name;
}

/** One payload of a sweep as loaded: its value lives in memory only, never in the run folder. */
export interface SweepPayload {
  /** How records and messages name it: the workspace-relative file path, or json#1, json#2... for typed payloads. */
  name: string;
  /** Workspace-relative file path (forward slashes), or null for a payload typed as JSON. */
  file: string | null;
  value: unknown;
  /** Share of each configuration's repetitions (a positive whole number; 1 = used in turn). */
  weight: number;
}

/**
 * What run.json keeps of a payload: enough to check on resume that it is the same payload (its
 * SHA-256) and to describe it (size, type, top-level keys), never a value: a payload may hold secrets.
 */
export interface PayloadSummary {
  name: string;
  file: string | null;
  weight: number;
  /** Hex SHA-256 of the payload as sent (JSON.stringify of the parsed value, before the thread field is set). */
  sha256: string;
  /** UTF-8 bytes of the payload as sent. */
  bytes: number;
  type: 'object' | 'array' | 'string' | 'number' | 'boolean' | 'null';
  /** An object's top-level field names (at most 50); absent otherwise. */
  topLevelKeys?: string[];
}

/** The hex SHA-256 and byte size of a payload as it is sent. */
export function payloadDigest(value: unknown): { sha256: string; bytes: number } {
  const bytes = new TextEncoder().encode(JSON.stringify(value));
  return { sha256: createHash('sha256').update(bytes).digest('hex'), bytes: bytes.length };
}

export function summarizePayload(payload: SweepPayload): PayloadSummary {
  const v = payload.value;
  const type: PayloadSummary['type'] = v === null ? 'null' : Array.isArray(v) ? 'array' : (typeof v as 'object' | 'string' | 'number' | 'boolean');
  return {
    name: payload.name,
    file: payload.file,
    weight: payload.weight,
    ...payloadDigest(v),
    type,
    ...(type === 'object' ? { topLevelKeys: Object.keys(v as object).slice(0, 50) } : {}),
  };
}

/** A `--payload` item: `file.json` or `file.json:<weight>`. An existing file whose name ends in `:n` is taken as a file. */
export function parsePayloadItem(item: string, fileExists: (file: string) => boolean = () => false): { file: string; weight: number } {
  const text = item.trim();
  if (text === '')
    throw new ValidationError(
      'payload',
      item,
      'file.json or file.json:<weight>',
      '--payload has an empty entry; give file.json or file.json:<weight>, separated by commas.',
    );
  const match = /^(.+):([^:\\/]*)$/.exec(text);
  if (!match || fileExists(text)) return { file: text, weight: 1 };
  const [, file, weightText] = match;
  if (!/^\d+$/.test(weightText) || Number(weightText) < 1 || Number(weightText) > 1000) {
    throw new ValidationError(
      'payload',
      item,
      'a weight from 1 to 1000',
      `--payload ${text}: the weight "${weightText}" of ${file} is not a whole number from 1 to 1000 (file.json:3 sends it 3 times for every 1 of a payload of weight 1).`,
    );
  }
  return { file, weight: Number(weightText) };
}

/**
 * The order payloads take within each configuration's repetitions: each payload's index repeated by
 * its weight, e.g. a:2,b → [0, 0, 1]. Repetition r (1-based) sends schedule[(r - 1) % length].
 */
export function payloadSchedule(weights: readonly number[]): number[] {
  return weights.flatMap((weight, index) => Array<number>(weight).fill(index));
}

/** Which payload a planned invocation sends: the first for warm-ups, else by its repetition (see payloadSchedule). */
export function payloadIndexFor(planned: { rep: number; warmup: boolean }, schedule: readonly number[]): number {
  if (planned.warmup || schedule.length === 0) return 0;
  return schedule[(planned.rep - 1) % schedule.length];
}

/** Repetitions of each configuration that each payload gets; refuses a plan that gives a payload none. */
export function repetitionsPerPayload(repetitions: number, payloads: ReadonlyArray<Pick<SweepPayload, 'name' | 'weight'>>): number[] {
  const schedule = payloadSchedule(payloads.map((p) => p.weight));
  const counts = payloads.map(() => 0);
  for (let rep = 1; rep <= repetitions; rep++) counts[payloadIndexFor({ rep, warmup: false }, schedule)]++;
  const unused = payloads.filter((_, i) => counts[i] === 0);
  if (unused.length > 0) {
    throw new ValidationError(
      'reps',
      repetitions,
      `at least ${schedule.length}`,
      `--reps ${repetitions} gives payload ${unused.map((p) => p.name).join(', ')} no repetition: with these payloads and weights one round is ${schedule.length} repetitions; use --reps ${schedule.length} or more.`,
    );
  }
  return counts;
}

/** The payload for one thread count, as bytes for Invoke. */
export function payloadForThreads(payload: unknown, dimension: ThreadDimension, threads: number): Uint8Array {
  const value = dimension.kind === 'field' ? setAtPath(payload, parseJsonPath(dimension.path), threads) : payload;
  return new TextEncoder().encode(JSON.stringify(value));
}

/** The function name in a name, partial ARN or ARN (with or without a qualifier). */
export function functionNameOf(nameOrArn: string): string {
  const match = /^arn:[^:]+:lambda:[^:]*:\d{12}:function:([^:]+)(?::[^:]+)?$/.exec(nameOrArn.trim());
  if (match) return match[1];
  const partial = /^\d{12}:function:([^:]+)/.exec(nameOrArn.trim());
  return partial ? partial[1] : nameOrArn.trim();
}

/** A default experiment id for copies of a function: `own-<name>`, lowercased and shortened to fit. */
export function defaultExperimentIdFor(nameOrArn: string): string {
  const name = functionNameOf(nameOrArn)
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/-+/g, '-')
    .replace(/^-|-$/g, '');
  const room = MAX_FUNCTION_NAME_LENGTH - FUNCTION_NAME_PREFIX.length - 1 - LONGEST_SUFFIX - 'own-'.length;
  return `own-${name.slice(0, room).replace(/-$/, '') || 'function'}`;
}

export interface PlannedCopy {
  functionName: string;
  memoryMB: number;
  arch: Architecture;
  /** The thread count this copy is fixed to (thread count in an environment variable), else absent. */
  threads?: number;
}

/** One copy per memory size, and per thread count when the thread count is an environment variable. */
export function planCopies(input: {
  experimentId: string;
  memorySizesMB: readonly number[];
  arch: Architecture;
  threadCounts: readonly number[];
  dimension: ThreadDimension;
}): PlannedCopy[] {
  const copies: PlannedCopy[] = [];
  for (const memoryMB of [...new Set(input.memorySizesMB)].sort((a, b) => a - b)) {
    const base = `${FUNCTION_NAME_PREFIX}-${input.experimentId}-${memoryMB}-${input.arch}`;
    if (input.dimension.kind === 'env') {
      for (const threads of [...new Set(input.threadCounts)].sort((a, b) => a - b))
        copies.push({ functionName: `${base}-t${threads}`, memoryMB, arch: input.arch, threads });
    } else {
      copies.push({ functionName: base, memoryMB, arch: input.arch });
    }
  }
  const tooLong = copies.find((c) => c.functionName.length > MAX_FUNCTION_NAME_LENGTH);
  if (tooLong) {
    throw new ValidationError(
      'experiment',
      input.experimentId,
      'a shorter experiment id',
      `The copy name ${tooLong.functionName} is longer than Lambda's 64 characters; use a shorter --experiment id.`,
    );
  }
  return copies;
}

/** The copy's tags: the experiment's (so sweep and cleanup find it) plus which function it copies. */
export function copyTags(experimentId: string, copy: PlannedCopy, originalName: string): Record<string, string> {
  return {
    ...functionTags(experimentId, copy.memoryMB, copy.arch),
    [TAG_COPY_OF]: originalName.slice(0, 256),
    ...(copy.threads !== undefined ? { [TAG_THREADS]: String(copy.threads) } : {}),
  };
}

/** What GetFunction says about the original that decides whether it can be copied. */
export interface OriginalDescription {
  functionName: string;
  packageType?: string;
  codeRepositoryType?: string;
  codeLocation?: string;
  vpcSubnetIds?: readonly string[];
  fileSystemCount?: number;
}

/** Why this function cannot be copied, or null. `copyVpc` allows VPC functions (the copies join the same subnets). */
export function copyProblem(fn: OriginalDescription, options: { copyVpc: boolean }): string | null {
  if (fn.packageType === 'Image') {
    return `${fn.functionName} is a container image function (PackageType Image); only .zip functions can be copied: their code is downloaded and uploaded again.`;
  }
  if (!fn.codeLocation) {
    return `${fn.functionName}: the target gave no code location (Code.Location) for the function, so its code cannot be downloaded to make copies.`;
  }
  if (fn.fileSystemCount && fn.fileSystemCount > 0) {
    return `${fn.functionName} mounts an EFS file system; copies would need the same file system and VPC, which Lambda Parallel Lab does not set up.`;
  }
  if (fn.vpcSubnetIds && fn.vpcSubnetIds.length > 0 && !options.copyVpc) {
    return `${fn.functionName} runs in a VPC (subnets ${fn.vpcSubnetIds.join(', ')}); copies would need the same VPC configuration to reach what it reaches. Pass --copy-vpc to give the copies the same subnets and security groups (its role must allow creating network interfaces).`;
  }
  return null;
}
