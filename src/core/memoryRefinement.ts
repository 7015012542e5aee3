// Sweeps that choose their memory sizes. A coarse design first: for t threads, Lambda's model puts
// the knee near t × 1769 MB, so each thread count gets sizes every half vCPU up to one vCPU past
// its model knee (enough slope to fit and two sizes to confirm a plateau). Then, per thread count,
// only the bracket where the knee can be — between the last tested size still getting faster and
// the first tested size on the plateau — is split, until it is no wider than the resolution. A
// knee at the largest tested size that is not confirmed asks for larger sizes; a knee at the
// smallest asks for smaller ones. Pure: the loop that deploys, sweeps and asks again is
// src/sweep/memoryRefinementLoop.ts.
import { MB_PER_VCPU } from './lambdaModel';
import { configKey, invocationKey, type PlannedInvocation, type SweepFunction, type SweepPlan } from './sweepPlan';
import type { Strategy } from './experimentConfig';
import { createSeededRandom } from './seededRandom';

export const DEFAULT_REFINEMENT_RESOLUTION_MB = 256;

/** What the knee finder said about one thread count, from the sizes tested so far. */
export interface FamilyKnee {
  threads: number;
  /** Memory sizes measured at this thread count. */
  tested: number[];
  /** The knee's memory (a tested size); NaN when nothing usable was measured. */
  kneeMB: number;
  /** False when the time still falls at the largest tested size (the plateau is not confirmed). */
  reachedInRange: boolean;
}

/** One memory size a round adds, for which thread counts, and why. */
export interface MemoryAddition {
  memoryMB: number;
  threads: number[];
  reason: string;
}

/** What run.json records about a sweep that chose its memory sizes. */
export interface MemoryRefinementRecord {
  resolutionMB: number;
  /** Round 0 is the coarse design; later rounds add sizes where the knee can be. */
  rounds: Array<{ round: number; additions: MemoryAddition[] }>;
  /** Why the loop stopped: every knee pinned, or a limit. */
  finished: string | null;
}

/** The candidate nearest to `target` (the smaller one on a tie). */
export function nearestCandidate(candidates: readonly number[], target: number): number {
  let best = candidates[0];
  for (const m of candidates) if (Math.abs(m - target) < Math.abs(best - target)) best = m;
  return best;
}

/** Sizes per thread count for the first round. `candidates` ascending (every allowed size, or the study's grid). */
export function coarseMemoryDesign(candidates: readonly number[], threadCounts: readonly number[]): MemoryAddition[] {
  if (candidates.length === 0) throw new Error('No memory sizes to choose from.');
  const byMemory = new Map<number, Set<number>>();
  for (const threads of threadCounts) {
    const upTo = (threads + 1) * MB_PER_VCPU;
    const sizes = new Set<number>();
    for (let k = 1; (k * MB_PER_VCPU) / 2 <= upTo + 1e-9; k++) sizes.add(nearestCandidate(candidates, (k * MB_PER_VCPU) / 2));
    // Two sizes at least, so that even a flat curve or a knee beyond the grid is visible.
    if (sizes.size < 2) sizes.add(candidates[candidates.length - 1]);
    for (const m of sizes) {
      const set = byMemory.get(m) ?? new Set<number>();
      set.add(threads);
      byMemory.set(m, set);
    }
  }
  return [...byMemory.entries()]
    .sort((a, b) => a[0] - b[0])
    .map(([memoryMB, threads]) => ({
      memoryMB,
      threads: [...threads].sort((a, b) => a - b),
      reason: `coarse design: every half vCPU (${MB_PER_VCPU / 2} MB) up to one vCPU past each thread count's model knee`,
    }));
}

/** The candidate strictly between lo and hi nearest to their middle, or null when none is. */
function splitBetween(candidates: readonly number[], lo: number, hi: number): number | null {
  const inside = candidates.filter((m) => m > lo && m < hi);
  return inside.length === 0 ? null : nearestCandidate(inside, (lo + hi) / 2);
}

/** What to test next for one thread count, or null when its knee is pinned (or cannot be pinned further). */
export function nextSizeFor(family: FamilyKnee, candidates: readonly number[], resolutionMB: number): { memoryMB: number; reason: string } | null {
  const tested = [...new Set(family.tested)].sort((a, b) => a - b);
  if (tested.length === 0 || !Number.isFinite(family.kneeMB)) return null;
  const largest = tested[tested.length - 1];
  const smallest = tested[0];
  const t = `${family.threads} thread${family.threads === 1 ? '' : 's'}`;
  if (!family.reachedInRange) {
    // Time still falls at the largest size (or its plateau rests on one point): look above it.
    const above = candidates.filter((m) => m > largest);
    if (above.length === 0) return null;
    const next = nearestCandidate(above, largest + Math.max(resolutionMB, MB_PER_VCPU / 2));
    return { memoryMB: next, reason: `${t}: not yet on a plateau at ${largest} MB, the largest size tested` };
  }
  const below = tested.filter((m) => m < family.kneeMB);
  const plateauSizes = tested.filter((m) => m >= family.kneeMB);
  if (plateauSizes.length < 2) {
    const above = candidates.filter((m) => m > largest);
    if (above.length > 0)
      return {
        memoryMB: nearestCandidate(above, largest + MB_PER_VCPU / 2),
        reason: `${t}: a second size on the plateau above the knee at ${family.kneeMB} MB confirms it`,
      };
  }
  if (below.length === 0) {
    // The knee is at the smallest size tested: it may lie lower.
    const lower = candidates.filter((m) => m < smallest);
    if (lower.length === 0) return null;
    const next = splitBetween(candidates, lower[0] - 1, smallest) ?? lower[0];
    return { memoryMB: next, reason: `${t}: the knee is at ${smallest} MB, the smallest size tested, and may lie lower` };
  }
  const lo = below[below.length - 1];
  if (family.kneeMB - lo <= resolutionMB) return null;
  const next = splitBetween(candidates, lo, family.kneeMB);
  if (next === null) return null;
  return {
    memoryMB: next,
    reason: `${t}: the knee lies between ${lo} MB (still getting faster) and ${family.kneeMB} MB (on the plateau), ${family.kneeMB - lo} MB apart`,
  };
}

/** The next round's sizes for every thread count, grouped by memory size; empty when every knee is pinned. */
export function planRefinementRound(families: readonly FamilyKnee[], candidates: readonly number[], resolutionMB: number): MemoryAddition[] {
  if (!(resolutionMB > 0)) throw new RangeError(`The resolution must be a positive number of MB, got ${resolutionMB}.`);
  const byMemory = new Map<number, { threads: number[]; reasons: string[] }>();
  for (const family of families) {
    const next = nextSizeFor(family, candidates, resolutionMB);
    if (!next || family.tested.includes(next.memoryMB)) continue;
    const entry = byMemory.get(next.memoryMB) ?? { threads: [], reasons: [] };
    entry.threads.push(family.threads);
    entry.reasons.push(next.reason);
    byMemory.set(next.memoryMB, entry);
  }
  return [...byMemory.entries()]
    .sort((a, b) => a[0] - b[0])
    .map(([memoryMB, entry]) => ({ memoryMB, threads: entry.threads.sort((a, b) => a - b), reason: entry.reasons.join('; ') }));
}

/**
 * A sweep plan over chosen (function, thread count) pairs rather than the full cross product, in
 * the same randomized complete blocks as buildSweepPlan and with the same keys, so the engine runs
 * it, skips what is recorded, and analysis reads it like any run.
 */
export function buildPairPlan(input: {
  pairs: ReadonlyArray<{ fn: SweepFunction; threads: number }>;
  strategies: Strategy[];
  repetitions: number;
  seed: number;
}): SweepPlan {
  if (input.pairs.length === 0) throw new Error('The refinement plan has no configurations.');
  const planned = (fn: SweepFunction, threads: number, strategy: Strategy, rep: number, warmup: boolean): PlannedInvocation => {
    const ids = { functionName: fn.functionName, threads, strategy, rep, warmup };
    return {
      key: invocationKey(ids),
      configKey: configKey(ids),
      functionName: fn.functionName,
      arch: fn.arch,
      memoryMB: fn.memoryMB,
      threads,
      strategy,
      rep,
      warmup,
    };
  };
  const functions = new Map<string, SweepFunction>();
  const smallestThreads = new Map<string, number>();
  for (const { fn, threads } of input.pairs) {
    functions.set(fn.functionName, fn);
    smallestThreads.set(fn.functionName, Math.min(threads, smallestThreads.get(fn.functionName) ?? Number.POSITIVE_INFINITY));
  }
  const warmups = [...functions.values()].map((fn) => planned(fn, smallestThreads.get(fn.functionName)!, input.strategies[0], 0, true));
  const random = createSeededRandom(input.seed);
  const measured: PlannedInvocation[] = [];
  for (let rep = 1; rep <= input.repetitions; rep++) {
    const round: PlannedInvocation[] = [];
    for (const { fn, threads } of input.pairs) for (const strategy of input.strategies) round.push(planned(fn, threads, strategy, rep, false));
    for (let i = round.length - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      [round[i], round[j]] = [round[j], round[i]];
    }
    measured.push(...round);
  }
  const threadCounts = [...new Set(input.pairs.map((p) => p.threads))].sort((a, b) => a - b);
  return {
    input: { functions: [...functions.values()], threadCounts, strategies: input.strategies, repetitions: input.repetitions, seed: input.seed },
    warmups,
    measured,
  };
}
