// The knee: for each (arch, strategy, threads), the smallest memory at which more memory no
// longer buys a meaningful speed-up.
//
// Method. Lambda gives a function CPU time in proportion to memory (1769 MB = one vCPU), so a
// CPU-bound run with `threads` busy threads takes time ∝ 1/memory until its CPU share covers the
// threads, and then stays flat. We fit exactly that shape,
//     time(m) = a + b / min(m, K)      (a hinge in 1/m, continuous at the breakpoint K),
// to the per-memory MEDIANS (one outlier configuration cannot move a median far, and a mean can:
// the study's x86 1-thread mean at 6144 MB is 4% below its median because of a few fast runs), by
// weighted least squares with weights 1/median² (noise is roughly proportional to the time, so this is a
// least squares on relative errors, and 110 s at 128 MB does not drown 2 s at 8 GB). For each
// candidate K (1 MB steps) a and b have a closed form; K̂ minimises the residual sum of squares.
// Uncertainty: the profile-likelihood interval {K : SSE(K) <= SSE(K̂)·(1 + F₀.₉₅(1, n−3)/(n−3))},
// which includes the misfit of the model, not only the sampling noise. K̂ and its interval are
// snapped UP to the memory sizes tested (a knee of 3496 MB means "3584 MB is the first size
// tested that is on the plateau"). When fewer than 2 tested sizes lie above K̂ the plateau is not
// confirmed (`reachedInRange: false`, knee = the largest size): with none above K̂ the time was still
// falling at the largest memory; with one, the knee is near the largest size but unconfirmed.
// The tolerance does not move the knee; it decides when a family shows no meaningful speed-up at
// all (flat), gives `toleranceMB` (smallest size within the tolerance of the plateau), and is the
// criterion of the fallback used with fewer than 4 memory sizes (smallest size whose median is
// within the tolerance of the best median).
//
// On the study's data (checked by test/unit/kneeFinder.test.ts):
//   arm64  1..5 threads: 1792, 3584, 5376, 7168, 9216 MB vs threads×1769 snapped up 1792, 3584,
//          5376, 7168, 8960 — all within one 256 MB step; 6 threads: still falling at 10240 MB
//          (model 10614 MB is beyond Lambda's maximum).
//   x86_64 1..5 threads: 1792, 3584, 5376, 7168, 9472 MB. 1-4 threads agree with the model; at
//          5 threads the fit gives K = 9228 MB (95% interval 8820-9921 MB), two steps past the
//          model's 8960 MB, though the interval contains it. Why: x86 is far noisier — the median
//          coefficient of variation per configuration is 3.7% (90th percentile 13%, worst 33%)
//          against 0.5% on arm64, slow runs reach 3.7× the median, and means sit up to 15% above or
//          4% below medians — and its 5-thread curve between 7168 and 8960 MB falls faster than the
//          1/m slope fitted over the whole range, so the single-slope hinge meets the plateau late.
//          The 4-thread breakpoint (7149 MB) sits just under the 7168 MB grid point, so resampled
//          x86 data flips that knee between 7168 and 7424 MB (both inside its interval).
//          6 threads: still falling at 10240 MB, as on arm64.
import type { Architecture, Strategy } from '../experimentConfig';
import type { ConfigSummary, KneeEstimate } from './analysisTypes';
import { fQuantile95OneNumeratorDf } from './statistics';

import { MB_PER_VCPU } from '../lambdaModel';

export interface KneeOptions {
  /** Relative slack for "meaningful", default 0.05. */
  tolerance?: number;
}

export interface KneePoint {
  memoryMB: number;
  /** Robust centre of the times at this memory (median; the mean when only means exist). */
  timeMs: number;
}

export interface HingeFit {
  breakpointMB: number;
  a: number;
  b: number;
  sse: number;
  /** Hull of the breakpoints inside the 95% profile-likelihood region. */
  lowMB: number;
  highMB: number;
}

function weightedLine(xs: readonly number[], ys: readonly number[], ws: readonly number[]): { a: number; b: number; sse: number } {
  let sw = 0, swx = 0, swy = 0, swxx = 0, swxy = 0;
  for (let i = 0; i < xs.length; i++) {
    sw += ws[i];
    swx += ws[i] * xs[i];
    swy += ws[i] * ys[i];
    swxx += ws[i] * xs[i] * xs[i];
    swxy += ws[i] * xs[i] * ys[i];
  }
  const denominator = sw * swxx - swx * swx;
  // A negative slope would mean more CPU makes the function slower: clamp to a flat line.
  let b = Math.abs(denominator) > 1e-12 * sw * swxx ? (sw * swxy - swx * swy) / denominator : 0;
  if (b < 0) b = 0;
  const a = (swy - b * swx) / sw;
  let sse = 0;
  for (let i = 0; i < xs.length; i++) sse += ws[i] * (ys[i] - a - b * xs[i]) ** 2;
  return { a, b, sse };
}

/** Least-squares fit of time = a + b / min(m, K) with a 95% profile interval for K. Needs >= 4 points. */
export function fitHinge(points: readonly KneePoint[]): HingeFit {
  if (points.length < 4) throw new RangeError(`a hinge fit needs at least 4 memory sizes, got ${points.length}`);
  const sorted = [...points].sort((p, q) => p.memoryMB - q.memoryMB);
  const memories = sorted.map((p) => p.memoryMB);
  const times = sorted.map((p) => p.timeMs);
  const weights = times.map((t) => 1 / Math.max(t, 1e-9) ** 2);
  const lowest = memories[0];
  const highest = memories[memories.length - 1];
  const step = Math.max(1, (highest - lowest) / 20000);
  const profile: Array<{ k: number; sse: number; a: number; b: number }> = [];
  for (let k = lowest; k <= highest + 1e-9; k += step) {
    const xs = memories.map((m) => 1 / Math.min(m, k));
    profile.push({ k, ...weightedLine(xs, times, weights) });
  }
  let best = profile[0];
  for (const entry of profile) if (entry.sse < best.sse - 1e-15 * Math.max(1, best.sse)) best = entry;
  const dof = sorted.length - 3;
  const threshold = Math.max(best.sse * (1 + fQuantile95OneNumeratorDf(dof) / dof), 1e-18);
  let lowMB = best.k;
  let highMB = best.k;
  for (const entry of profile) {
    if (entry.sse <= threshold) {
      lowMB = Math.min(lowMB, entry.k);
      highMB = Math.max(highMB, entry.k);
    }
  }
  return { breakpointMB: best.k, a: best.a, b: best.b, sse: best.sse, lowMB, highMB };
}

/** Smallest tested size >= value (with a hair of slack for float steps), or null beyond the grid. */
function snapUp(grid: readonly number[], value: number): number | null {
  for (const m of grid) if (m >= value - 1e-6) return m;
  return null;
}

function fallbackKnee(points: readonly KneePoint[], tolerance: number): { memoryMB: number; method: string } {
  const best = Math.min(...points.map((p) => p.timeMs));
  const chosen = [...points].sort((p, q) => p.memoryMB - q.memoryMB).find((p) => p.timeMs <= best * (1 + tolerance))!;
  return { memoryMB: chosen.memoryMB, method: `fewer than 4 memory sizes: smallest memory whose median is within ${(tolerance * 100).toFixed(1)}% of the best median` };
}

/** Knee for one (arch, strategy, threads) family from its per-memory robust centres. */
export function findKnee(
  family: { arch: Architecture; strategy: Strategy; threads: number },
  points: readonly KneePoint[],
  options: KneeOptions = {},
): KneeEstimate {
  const tolerance = options.tolerance ?? 0.05;
  const usable = points.filter((p) => Number.isFinite(p.timeMs) && p.timeMs > 0).sort((p, q) => p.memoryMB - q.memoryMB);
  const grid = usable.map((p) => p.memoryMB);
  const modelMB = family.threads * MB_PER_VCPU;
  const modelGridMB = snapUp(grid, modelMB) ?? undefined;
  const base = { ...family, modelMB, ...(modelGridMB !== undefined ? { modelGridMB } : {}) };
  if (usable.length === 0) {
    return { ...base, memoryMB: Number.NaN, lowMB: Number.NaN, highMB: Number.NaN, method: 'no successful warm invocations' };
  }
  if (usable.length < 4) {
    const { memoryMB, method } = fallbackKnee(usable, tolerance);
    return { ...base, memoryMB, lowMB: grid[0], highMB: grid[grid.length - 1], method, reachedInRange: memoryMB < grid[grid.length - 1] };
  }
  const fit = fitHinge(usable);
  const fitted = (m: number) => fit.a + fit.b / Math.min(m, fit.breakpointMB);
  const plateauMs = fit.a + fit.b / fit.breakpointMB;
  const largest = grid[grid.length - 1];
  const toleranceMB = grid.find((m) => fitted(m) <= plateauMs * (1 + tolerance)) ?? largest;
  const details = { breakpointMB: Math.round(fit.breakpointMB), plateauMs, toleranceMB };
  const totalGain = fitted(grid[0]) / plateauMs - 1;
  if (fit.b === 0 || totalGain < tolerance) {
    return {
      ...base, ...details, memoryMB: grid[0], lowMB: grid[0], highMB: grid[0], reachedInRange: true,
      method: `no meaningful speed-up: the fitted time falls only ${(totalGain * 100).toFixed(1)}% from ${grid[0]} to ${largest} MB (tolerance ${(tolerance * 100).toFixed(1)}%)`,
    };
  }
  const onPlateau = grid.filter((m) => m >= fit.breakpointMB - 1e-6).length;
  const reachedInRange = onPlateau >= 2;
  const memoryMB = reachedInRange ? snapUp(grid, fit.breakpointMB)! : largest;
  const lowMB = snapUp(grid, fit.lowMB) ?? largest;
  const highMB = snapUp(grid, fit.highMB) ?? largest;
  const method = reachedInRange
    ? `hinge fit time = a + b/min(m, K) on medians, K = ${Math.round(fit.breakpointMB)} MB (95% profile interval ${Math.round(fit.lowMB)}-${Math.round(fit.highMB)} MB), snapped up to tested sizes`
    : fit.breakpointMB >= largest - 1e-6
      ? `time still falls at the largest memory tested (${largest} MB): the knee is at or beyond it (model ${modelMB} MB)`
      : // The fitted knee lies between the two largest sizes: the data may well be flat at the largest
        // size, but one point cannot confirm a plateau, so do not claim that time still falls.
        `the fit puts the knee at about ${Math.round(fit.breakpointMB)} MB, just below the largest size tested (${largest} MB); no larger size confirms the plateau: test one to be sure (model ${modelMB} MB)`;
  return { ...base, ...details, memoryMB, lowMB, highMB, reachedInRange, method };
}

/** Knees for every (arch, strategy, threads) present, using each configuration's median. */
export function findKnees(configs: readonly ConfigSummary[], options: KneeOptions = {}): KneeEstimate[] {
  const families = new Map<string, { family: { arch: Architecture; strategy: Strategy; threads: number }; points: KneePoint[] }>();
  for (const config of configs) {
    if (!(config.n > 0)) continue;
    const key = `${config.arch}|${config.strategy}|${config.threads}`;
    let entry = families.get(key);
    if (!entry) {
      entry = { family: { arch: config.arch, strategy: config.strategy, threads: config.threads }, points: [] };
      families.set(key, entry);
    }
    entry.points.push({ memoryMB: config.memoryMB, timeMs: config.aggregateOnly ? config.meanMs : config.medianMs });
  }
  return [...families.values()]
    .map(({ family, points }) => findKnee(family, points, options))
    .sort((p, q) => p.arch.localeCompare(q.arch) || p.strategy.localeCompare(q.strategy) || p.threads - q.threads);
}
