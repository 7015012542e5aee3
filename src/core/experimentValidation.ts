// Validation of experiment settings typed by users (palette input boxes, CLI flags, settings.json).
// Every rejection names the field, the bad value and what is allowed, so the message alone tells
// the user what to type instead.
import { ARCHITECTURES, STRATEGIES, type Architecture, type ExperimentConfig, type Strategy } from './experimentConfig';

export { MEMORY_MIN_MB, MEMORY_MAX_MB } from './lambdaModel';
import { MEMORY_MIN_MB, MEMORY_MAX_MB, lambdaVcpus } from './lambdaModel';
export const THREADS_MIN = 1;
/** Far beyond Lambda's 6 visible cores; more only measures thread overhead. */
export const THREADS_MAX = 64;
export const ITEMS_MIN = 1;
/** The template function refuses more (it keeps every hash in memory). */
export const ITEMS_MAX = 10000;
export const REPETITIONS_MIN = 1;
/**
 * A confidence interval narrows with the square root of the repetitions: from 1,000 to 2,000 it
 * narrows by under a third while the cost doubles, and drift over the hours such a sweep takes
 * outweighs it. Adaptive sampling usually stops far earlier.
 */
export const REPETITIONS_MAX = 1000;
/** bcrypt's cost is log2 of the rounds; bcryptjs accepts 4..31. */
export const COST_MIN = 4;
export const COST_MAX = 31;
/** Lambda names allow 64 characters; the id leaves room for "-<memory>-<arch>" suffixes. */
export const EXPERIMENT_ID_PATTERN = /^[a-z0-9][a-z0-9-]{0,39}$/;

const ALLOWED = {
  memory: `memory sizes must be whole numbers from ${MEMORY_MIN_MB} to ${MEMORY_MAX_MB} MB`,
  threads: `thread counts must be whole numbers from ${THREADS_MIN} to ${THREADS_MAX}`,
  items: `items must be a whole number from ${ITEMS_MIN} to ${ITEMS_MAX}`,
  repetitions:
    `repetitions must be a whole number from ${REPETITIONS_MIN} to ${REPETITIONS_MAX.toLocaleString('en-US')} ` +
    '(more narrows the confidence interval only with the square root of the repetitions, while cost and drift grow with them; ' +
    'adaptive sampling stops earlier once the interval is tight)',
  cost: `bcrypt cost must be a whole number from ${COST_MIN} to ${COST_MAX}`,
  architecture: `architectures must be ${ARCHITECTURES.join(' or ')}`,
  strategy: `strategies must be ${STRATEGIES.slice(0, -1).join(', ')} or ${STRATEGIES[STRATEGIES.length - 1]}`,
  experimentId: 'experiment ids must be 1 to 40 characters of lowercase letters, digits and dashes, starting with a letter or digit',
};

/**
 * A rejected setting. `problems` holds every individual rejection: just this one for a single
 * field, or all of them when `validateExperimentConfig` found several.
 */
export class ValidationError extends Error {
  readonly problems: ValidationError[];

  constructor(
    readonly field: string,
    readonly value: unknown,
    readonly allowed: string,
    message: string,
    problems?: ValidationError[],
  ) {
    super(message);
    this.name = 'ValidationError';
    this.problems = problems ?? [this];
  }
}

function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (value === undefined) return 'nothing';
  if (typeof value === 'number') return String(value);
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

interface IntegerSpec {
  field: string;
  /** Singular noun used in messages, e.g. "memory size". */
  label: string;
  unit: string;
  min: number;
  max: number;
  allowed: string;
}

const MEMORY_SPEC: IntegerSpec = { field: 'memorySizesMB', label: 'memory size', unit: ' MB', min: MEMORY_MIN_MB, max: MEMORY_MAX_MB, allowed: ALLOWED.memory };
const THREADS_SPEC: IntegerSpec = { field: 'threadCounts', label: 'thread count', unit: '', min: THREADS_MIN, max: THREADS_MAX, allowed: ALLOWED.threads };
const ITEMS_SPEC: IntegerSpec = { field: 'items', label: 'items', unit: '', min: ITEMS_MIN, max: ITEMS_MAX, allowed: ALLOWED.items };
const REPETITIONS_SPEC: IntegerSpec = {
  field: 'repetitions',
  label: 'repetitions',
  unit: '',
  min: REPETITIONS_MIN,
  max: REPETITIONS_MAX,
  allowed: ALLOWED.repetitions,
};
const COST_SPEC: IntegerSpec = { field: 'cost', label: 'bcrypt cost', unit: '', min: COST_MIN, max: COST_MAX, allowed: ALLOWED.cost };

/** Accepts a number or a numeric string ("512", " 512 "); rejects fractions, NaN, and anything else. */
function validateInteger(value: unknown, spec: IntegerSpec): number {
  const reject = (what: string): never => {
    throw new ValidationError(spec.field, value, spec.allowed, `${spec.label} ${describe(value)}${what}: ${spec.allowed}`);
  };
  let n: number;
  if (typeof value === 'number') {
    n = value;
  } else if (typeof value === 'string' && /^\s*[-+]?\d+(\.\d+)?\s*$/.test(value)) {
    n = Number(value);
  } else {
    return reject(' is not a number');
  }
  if (!Number.isFinite(n)) return reject(' is not a number');
  if (!Number.isInteger(n)) return reject(' is not a whole number');
  if (n < spec.min || n > spec.max) {
    throw new ValidationError(spec.field, value, spec.allowed, `${spec.label} ${n}${spec.unit} is out of range: ${spec.allowed}`);
  }
  return n;
}

export function validateMemorySize(value: unknown): number {
  return validateInteger(value, MEMORY_SPEC);
}
export function validateThreadCount(value: unknown): number {
  return validateInteger(value, THREADS_SPEC);
}
export function validateItems(value: unknown): number {
  return validateInteger(value, ITEMS_SPEC);
}
export function validateRepetitions(value: unknown): number {
  return validateInteger(value, REPETITIONS_SPEC);
}
export function validateCost(value: unknown): number {
  return validateInteger(value, COST_SPEC);
}

/**
 * One bcrypt hash at cost 10 took about 54 ms on one full vCPU (bcryptjs, measured on this
 * project's CI machines); each cost step doubles the work.
 */
export const BCRYPT_MS_AT_COST_10_PER_VCPU = 54;

/** Estimated ms of CPU work for one invocation: `items` hashes spread over `threads`, at the memory's vCPU share. */
export function estimatedHashingMs(input: { items: number; cost: number; threads: number; memoryMB: number }): number {
  const perHashMs = BCRYPT_MS_AT_COST_10_PER_VCPU * 2 ** (input.cost - 10);
  // Threads beyond the vCPU share add no CPU time: Lambda gives memory/1,769 of a core in total.
  const parallelism = Math.min(input.threads, lambdaVcpus(input.memoryMB));
  return (input.items * perHashMs) / parallelism;
}

/**
 * The largest bcrypt cost at which the slowest configuration of a plan (fewest threads at the
 * smallest memory) still finishes within the function's timeout; COST_MIN - 1 when none does.
 */
export function largestCostWithinTimeout(input: { items: number; minThreads: number; minMemoryMB: number; timeoutSeconds: number }): number {
  let cost = COST_MIN - 1;
  for (let c = COST_MIN; c <= COST_MAX; c++) {
    if (estimatedHashingMs({ items: input.items, cost: c, threads: input.minThreads, memoryMB: input.minMemoryMB }) <= input.timeoutSeconds * 1000) cost = c;
  }
  return cost;
}

/** Null, or why this cost cannot finish within the timeout at the plan's slowest configuration (what to do instead). */
export function costTimeoutProblem(input: { cost: number; items: number; minThreads: number; minMemoryMB: number; timeoutSeconds: number }): string | null {
  const needMs = estimatedHashingMs({ items: input.items, cost: input.cost, threads: input.minThreads, memoryMB: input.minMemoryMB });
  if (needMs <= input.timeoutSeconds * 1000) return null;
  const largest = largestCostWithinTimeout(input);
  const vcpus = lambdaVcpus(input.minMemoryMB);
  const next =
    largest >= COST_MIN
      ? `use a bcrypt cost of ${largest} or less (the largest that finishes within the ${input.timeoutSeconds} s timeout there)`
      : `no cost fits: hash fewer items, use more memory or a longer function timeout`;
  return (
    `bcrypt cost ${input.cost} cannot finish within the function's ${input.timeoutSeconds} s timeout: ${input.items} hash(es) at ${input.minThreads} thread(s) on ` +
    `${input.minMemoryMB} MB (${Number(vcpus.toFixed(2))} vCPU) take about ${formatDurationMs(needMs)} ` +
    `(about ${BCRYPT_MS_AT_COST_10_PER_VCPU} ms per hash at cost 10 on one vCPU, doubling with each cost step); ${next}.`
  );
}

/** "3.2 s", "41 min", "31 h", "5.1 days": rough sizes for messages. */
export function formatDurationMs(ms: number): string {
  const seconds = ms / 1000;
  if (seconds < 90) return `${Number(seconds.toFixed(seconds < 10 ? 1 : 0))} s`;
  if (seconds < 90 * 60) return `${Math.round(seconds / 60)} min`;
  if (seconds < 48 * 3600) return `${Math.round(seconds / 3600)} h`;
  return `${Number((seconds / 86400).toFixed(1)).toLocaleString('en-US')} days`;
}

export function validateExperimentId(id: unknown): string {
  if (typeof id !== 'string' || !EXPERIMENT_ID_PATTERN.test(id)) {
    throw new ValidationError('experimentId', id, ALLOWED.experimentId, `experiment id ${describe(id)} is not allowed: ${ALLOWED.experimentId}`);
  }
  return id;
}

function validateArchitecture(value: unknown): Architecture {
  if (typeof value === 'string' && (ARCHITECTURES as readonly string[]).includes(value.trim())) return value.trim() as Architecture;
  throw new ValidationError('architectures', value, ALLOWED.architecture, `architecture ${describe(value)} is not supported: ${ALLOWED.architecture}`);
}

function validateStrategy(value: unknown): Strategy {
  if (typeof value === 'string' && (STRATEGIES as readonly string[]).includes(value.trim())) return value.trim() as Strategy;
  throw new ValidationError('strategies', value, ALLOWED.strategy, `strategy ${describe(value)} is not supported: ${ALLOWED.strategy}`);
}

/** Most ranges users want are small; a typo like "128-10240" without a step would make thousands of functions. */
const MAX_LIST_LENGTH = 64;

/**
 * Parses "128,512, 1769" (commas and/or whitespace). Ranges "1-8" and stepped ranges
 * "512-3008:512" are expanded. The result is de-duplicated and sorted ascending.
 */
function parseIntegerList(text: string, spec: IntegerSpec): number[] {
  const plural = `${spec.label}s`;
  const tokens = String(text)
    .split(/[\s,;]+/)
    .filter((t) => t.length > 0);
  if (tokens.length === 0) {
    throw new ValidationError(spec.field, text, spec.allowed, `${plural}: none given in ${describe(text)}: ${spec.allowed}`);
  }
  const values = new Set<number>();
  for (const token of tokens) {
    const range = /^(\d+)-(\d+)(?::(\d+))?$/.exec(token);
    if (!range) {
      values.add(validateInteger(token, spec));
      continue;
    }
    const start = validateInteger(range[1], spec);
    const end = validateInteger(range[2], spec);
    const step = range[3] === undefined ? 1 : Number(range[3]);
    const rangeAllowed = `ranges are written start-end or start-end:step with start <= end and step >= 1, e.g. 1-4 or 512-2048:512`;
    if (start > end || step < 1) {
      throw new ValidationError(spec.field, token, rangeAllowed, `${spec.label} range ${describe(token)} is not valid: ${rangeAllowed}`);
    }
    if ((end - start) / step + 1 > MAX_LIST_LENGTH) {
      const tooLong = `a range may expand to at most ${MAX_LIST_LENGTH} values; use a step, e.g. ${start}-${end}:${Math.ceil((end - start) / (MAX_LIST_LENGTH - 1))}`;
      throw new ValidationError(spec.field, token, tooLong, `${spec.label} range ${describe(token)} is too long: ${tooLong}`);
    }
    for (let v = start; v <= end; v += step) values.add(v);
  }
  if (values.size > MAX_LIST_LENGTH) {
    const tooMany = `at most ${MAX_LIST_LENGTH} ${plural} per experiment`;
    throw new ValidationError(spec.field, text, tooMany, `${plural}: ${values.size} given, too many: ${tooMany}`);
  }
  return [...values].sort((a, b) => a - b);
}

export function parseMemoryList(text: string): number[] {
  return parseIntegerList(text, MEMORY_SPEC);
}

export function parseThreadList(text: string): number[] {
  return parseIntegerList(text, THREADS_SPEC);
}

function parseNameList<T extends string>(text: string, validate: (v: unknown) => T, order: readonly T[], field: string, allowed: string): T[] {
  const tokens = String(text)
    .split(/[\s,;]+/)
    .filter((t) => t.length > 0);
  if (tokens.length === 0) throw new ValidationError(field, text, allowed, `${field}: none given in ${describe(text)}: ${allowed}`);
  const chosen = new Set(tokens.map(validate));
  return order.filter((name) => chosen.has(name));
}

export function parseArchitectureList(text: string): Architecture[] {
  return parseNameList(text, validateArchitecture, ARCHITECTURES, 'architectures', ALLOWED.architecture);
}

export function parseStrategyList(text: string): Strategy[] {
  return parseNameList(text, validateStrategy, STRATEGIES, 'strategies', ALLOWED.strategy);
}

/** A list given either as text ("128, 512") or as an array of values; validated, de-duplicated, ordered. */
function validateList<T>(
  value: unknown,
  field: string,
  allowed: string,
  parseText: (t: string) => T[],
  validateOne: (v: unknown) => T,
  compare: (a: T, b: T) => number,
): T[] {
  if (typeof value === 'string') return parseText(value);
  if (!Array.isArray(value) || value.length === 0) {
    throw new ValidationError(field, value, allowed, `${field}: expected a non-empty list, got ${describe(value)}: ${allowed}`);
  }
  const unique = [...new Set(value.map(validateOne))];
  return unique.sort(compare);
}

const byNumber = (a: number, b: number): number => a - b;
function byOrder<T>(order: readonly T[]): (a: T, b: T) => number {
  return (a, b) => order.indexOf(a) - order.indexOf(b);
}

/**
 * Checks a whole experiment configuration (e.g. parsed JSON or CLI flags). Lists may be arrays or
 * "128,512" text. All problems are reported together in one ValidationError (see `problems`).
 */
export function validateExperimentConfig(input: unknown): ExperimentConfig {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    throw new ValidationError(
      'config',
      input,
      'an object with experimentId, memorySizesMB, architectures, threadCounts, strategies, repetitions, items and cost',
      `experiment configuration ${describe(input)} is not an object with experimentId, memorySizesMB, architectures, threadCounts, strategies, repetitions, items and cost`,
    );
  }
  const raw = input as Record<string, unknown>;
  const problems: ValidationError[] = [];
  const check = <T>(run: () => T): T | undefined => {
    try {
      return run();
    } catch (error) {
      if (error instanceof ValidationError) {
        problems.push(...error.problems);
        return undefined;
      }
      throw error;
    }
  };
  const config = {
    experimentId: check(() => validateExperimentId(raw.experimentId)),
    memorySizesMB: check(() => validateList(raw.memorySizesMB, 'memorySizesMB', ALLOWED.memory, parseMemoryList, validateMemorySize, byNumber)),
    architectures: check(() =>
      validateList(raw.architectures, 'architectures', ALLOWED.architecture, parseArchitectureList, validateArchitecture, byOrder(ARCHITECTURES)),
    ),
    threadCounts: check(() => validateList(raw.threadCounts, 'threadCounts', ALLOWED.threads, parseThreadList, validateThreadCount, byNumber)),
    strategies: check(() => validateList(raw.strategies, 'strategies', ALLOWED.strategy, parseStrategyList, validateStrategy, byOrder(STRATEGIES))),
    repetitions: check(() => validateRepetitions(raw.repetitions)),
    items: check(() => validateItems(raw.items)),
    cost: check(() => validateCost(raw.cost)),
  };
  if (problems.length === 1) throw problems[0];
  if (problems.length > 1) {
    const fields = [...new Set(problems.map((p) => p.field))];
    throw new ValidationError(
      fields.join(', '),
      input,
      problems.map((p) => p.allowed).join('; '),
      `The experiment configuration has ${problems.length} problems:\n${problems.map((p) => `- ${p.message}`).join('\n')}`,
      problems,
    );
  }
  return config as ExperimentConfig;
}
