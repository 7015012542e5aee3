// The sweep plan: which invocations a sweep makes, in which order, and the stable key of each.
// Pure: the same input (including the seed) always gives the same plan, so a resumed run can
// rebuild it from run.json and skip every key already in invocations.jsonl.
import type { Architecture, Strategy } from './experimentConfig';
import type { InvocationRecord } from './invocationRecord';
import { estimatedHashingMs, formatDurationMs } from './experimentValidation';
import { createSeededRandom } from './seededRandom';

/**
 * The most invocations one sweep may plan. The plan and every record are held in memory and each
 * record is a ~400-byte line of invocations.jsonl; at one invocation a second this is over a day of
 * sweeping. Larger studies are several sweeps (their run folders can be analysed together).
 */
export const MAX_PLANNED_INVOCATIONS = 100_000;

/** The numbers of a plan's dimensions, known before any plan is built. */
export interface PlanShape {
  functions: number;
  threadCounts: number;
  strategies: number;
  repetitions: number;
}

/** Invocations a plan of this shape makes (one warm-up per function, then every configuration each repetition), by arithmetic. */
export function plannedInvocationCount(shape: PlanShape): number {
  return shape.functions + shape.functions * shape.threadCounts * shape.strategies * shape.repetitions;
}

/** Rough wall-clock ms of a plan: each configuration's estimated CPU work (see estimatedHashingMs) over the concurrency. */
export function roughPlanMs(input: {
  memoriesMB: readonly number[];
  threadCounts: readonly number[];
  strategies: number;
  repetitions: number;
  items: number;
  cost: number;
  concurrency: number;
}): number {
  let total = 0;
  for (const memoryMB of input.memoriesMB) {
    total += estimatedHashingMs({ items: input.items, cost: input.cost, threads: Math.min(...input.threadCounts), memoryMB });
    for (const threads of input.threadCounts)
      total += input.strategies * input.repetitions * estimatedHashingMs({ items: input.items, cost: input.cost, threads, memoryMB });
  }
  return total / Math.max(1, Math.min(input.concurrency, input.memoriesMB.length));
}

/** Null, or why a plan of this shape cannot run (how many invocations, roughly how long, what to change). */
export function planSizeProblem(shape: PlanShape, roughMs: number | null, atLeast = false): string | null {
  const count = plannedInvocationCount(shape);
  if (count <= MAX_PLANNED_INVOCATIONS) return null;
  const perRepetition = shape.functions * shape.threadCounts * shape.strategies;
  const maxReps = Math.floor((MAX_PLANNED_INVOCATIONS - shape.functions) / perRepetition);
  const duration = roughMs !== null && Number.isFinite(roughMs) ? `, about ${formatDurationMs(roughMs)} of sweeping` : '';
  return (
    `this sweep would make ${atLeast ? 'at least ' : ''}${count.toLocaleString('en-US')} invocations${duration} ` +
    `(${shape.functions} function(s) × ${shape.threadCounts} thread count(s) × ${shape.strategies} strateg${shape.strategies === 1 ? 'y' : 'ies'} × ${shape.repetitions.toLocaleString('en-US')} repetitions, plus warm-ups); ` +
    `a sweep plans at most ${MAX_PLANNED_INVOCATIONS.toLocaleString('en-US')}. ` +
    (maxReps >= 1
      ? `Use at most ${maxReps.toLocaleString('en-US')} repetitions with these settings, or fewer thread counts or strategies.`
      : 'Use fewer thread counts or strategies.')
  );
}

/** One deployed function of the experiment (one memory size and architecture). */
export interface SweepFunction {
  functionName: string;
  arch: Architecture;
  memoryMB: number;
  /** A function fixed to one thread count (it reads the count from its environment): only that count is planned for it. */
  threads?: number;
}

export interface SweepPlanInput {
  functions: SweepFunction[];
  threadCounts: number[];
  strategies: Strategy[];
  repetitions: number;
  /** Seed of the shuffle; record it so the order can be reproduced. */
  seed: number;
}

export interface PlannedInvocation {
  /** Stable identity: the same planned invocation has the same key in every run of the plan. */
  key: string;
  /** Identity of the configuration (function × threads × strategy) this invocation measures. */
  configKey: string;
  functionName: string;
  arch: Architecture;
  memoryMB: number;
  threads: number;
  strategy: Strategy;
  /** 1..repetitions for measured invocations; 0 for the warm-up. */
  rep: number;
  warmup: boolean;
}

export interface SweepPlan {
  input: SweepPlanInput;
  /** One per function, run before any measured invocation; each starts a fresh environment. */
  warmups: PlannedInvocation[];
  /**
   * The measured invocations, in randomized complete blocks: repetition round r holds every
   * configuration once, in an order shuffled per round. Drift over time (noisy neighbours,
   * thermal state) then spreads over all configurations instead of biasing the ones run last,
   * and every configuration has its first k repetitions done before any has k + 2 — which is
   * what adaptive sampling needs to stop configurations early.
   */
  measured: PlannedInvocation[];
}

export function configKey(parts: { functionName: string; threads: number; strategy: Strategy }): string {
  return `${parts.functionName}|t${parts.threads}|${parts.strategy}`;
}

export function invocationKey(parts: { functionName: string; threads: number; strategy: Strategy; rep: number; warmup: boolean }): string {
  return parts.warmup ? `${parts.functionName}|warmup` : `${configKey(parts)}|r${parts.rep}`;
}

/** The key of a record read back from invocations.jsonl. */
export function recordKey(record: Pick<InvocationRecord, 'functionName' | 'threads' | 'strategy' | 'rep' | 'warmup'>): string {
  return invocationKey(record);
}

/** A new seed for a fresh run (recorded in run.json, so not needed to be cryptographic). */
export function newSeed(): number {
  return Math.floor(Math.random() * 0x100000000) >>> 0;
}

function shuffleInPlace<T>(items: T[], random: () => number): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [items[i], items[j]] = [items[j], items[i]];
  }
  return items;
}

export function buildSweepPlan(input: SweepPlanInput): SweepPlan {
  if (input.functions.length === 0) throw new Error('The sweep plan has no functions: deploy the experiment first.');
  if (input.threadCounts.length === 0) throw new Error('The sweep plan has no thread counts.');
  if (input.strategies.length === 0) throw new Error('The sweep plan has no strategies.');
  if (!Number.isInteger(input.repetitions) || input.repetitions < 1) {
    throw new Error(`Repetitions must be a whole number of at least 1 (got ${input.repetitions}).`);
  }
  // Sized by arithmetic before anything is allocated: an oversized plan is refused, never built.
  const tooBig = planSizeProblem(
    {
      functions: new Set(input.functions.map((f) => f.functionName)).size,
      threadCounts: new Set(input.threadCounts).size,
      strategies: new Set(input.strategies).size,
      repetitions: input.repetitions,
    },
    null,
  );
  if (tooBig) throw new Error(`The sweep plan is too large: ${tooBig}`);
  const functions = dedupeBy(input.functions, (f) => f.functionName);
  const threadCounts = [...new Set(input.threadCounts)];
  const strategies = [...new Set(input.strategies)];

  // The warm-up uses the smallest thread count and the first strategy: the cheapest, most
  // predictable invocation, which also serves as the pilot for the cost estimate.
  const warmupThreads = Math.min(...threadCounts);
  const warmups = functions.map((f) => planned(f, f.threads ?? warmupThreads, strategies[0], 0, true));

  const configs: Array<{ f: SweepFunction; threads: number; strategy: Strategy }> = [];
  for (const f of functions)
    for (const threads of f.threads !== undefined ? [f.threads] : threadCounts) for (const strategy of strategies) configs.push({ f, threads, strategy });

  const random = createSeededRandom(input.seed);
  const measured: PlannedInvocation[] = [];
  for (let rep = 1; rep <= input.repetitions; rep++) {
    const round = configs.map((c) => planned(c.f, c.threads, c.strategy, rep, false));
    measured.push(...shuffleInPlace(round, random));
  }
  return { input: { ...input, functions, threadCounts, strategies }, warmups, measured };
}

export function planSize(plan: SweepPlan): number {
  return plan.warmups.length + plan.measured.length;
}

function planned(f: SweepFunction, threads: number, strategy: Strategy, rep: number, warmup: boolean): PlannedInvocation {
  const ids = { functionName: f.functionName, threads, strategy, rep, warmup };
  return {
    key: invocationKey(ids),
    configKey: configKey(ids),
    functionName: f.functionName,
    arch: f.arch,
    memoryMB: f.memoryMB,
    threads,
    strategy,
    rep,
    warmup,
  };
}

function dedupeBy<T>(items: T[], keyOf: (item: T) => string): T[] {
  const seen = new Set<string>();
  return items.filter((item) => {
    const key = keyOf(item);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
