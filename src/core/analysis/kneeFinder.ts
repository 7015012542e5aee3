// The knee: for each (arch, strategy, threads), the smallest memory at which more memory no
// longer buys a meaningful speed-up.
//
// Method. Lambda gives a function CPU time in proportion to memory (1769 MB = one vCPU), so a
// CPU-bound run with `threads` busy threads takes time ∝ 1/memory until its CPU share covers the
// threads, and then stays flat. We fit exactly that shape,
//     time(m) = a + b / min(m, K, (K/threads)·visibleCores(m))
// (a hinge in 1/m, continuous at the breakpoint K = threads × MB per vCPU; the third term is the
// visible-core cap, see cpuShareMB: with fewer than 1,792 MB per vCPU and 3+ threads the cores
// Lambda shows, 2 up to 3,008 MB then 3/4/5/6, bind before the CPU share and the curve is a
// staircase; a one-slope hinge put its breakpoint between the steps, up to 5 steps late on the
// fine grid; with Lambda's 1,769 MB/vCPU the bands bind at no size the study tested),
// to the per-memory MEDIANS (one outlier configuration cannot move a median far, and a mean can:
// the study's x86 1-thread mean at 6144 MB is 4% below its median because of a few fast runs), by
// weighted least squares with weights 1/median² (noise is roughly proportional to the time, so this is a
// least squares on relative errors, and 110 s at 128 MB does not drown 2 s at 8 GB). For each
// candidate K (1 MB steps, up to a quarter past the largest size)
// a and b have a closed form; K̂ minimises the residual sum of squares. Its 95% range is the
// profile-likelihood interval {K : SSE(K) <= SSE(K̂)·(1 + F₀.₉₅(1, n−3)/(n−3))}, which includes
// the misfit of the model, not only the sampling noise. K is a model figure, reported apart.
//
// The headline is NOT K snapped up (that jumps a whole step whenever K̂ lands a few MB above a
// tested size sitting exactly on the knee, as on the vcpu-steps grid). It is the smallest tested
// size on the plateau with every larger size on it too. When the staircase fits within the
// measurements' own noise (no gross misfit by a chi-square test; true of synthetic data, where the
// model is exact), it is the MOST PROBABLE such size (plateauStartPosterior): every candidate K is
// weighed by its likelihood exp(−SSE/2σ²) (σ the pooled error of one size's centre, or the
// residuals' when larger), by an Occam factor for the slope it needs, and by a prior that puts
// half on Lambda's documented K = threads × 1,769 MB, most of the rest on MB per vCPU within 1.5×
// of it and a little anywhere; each K votes for the tested size where its staircase is flat. That
// maximises the chance of naming the right size, which a point estimate K̂ does not when the
// likelihood is lopsided: a size alone on the slope leaves K unidentified between it and the next
// size down; sizes a few MB apart share a sliver of K; flat data fits a K past every size as well
// as any, with a slope within the noise. The thread counts of one run (same architecture and
// strategy) share the MB per vCPU, so findKnees weighs each such family's K together with the
// others' as threads × one constant C, mixed with the family's own answer by how well one C
// explains them all (sharedConstantPosteriors): one curve places K to ~0.4%, which on the 256 MB
// grid leaves ~8% of knees with constants other than 1,769 on the wrong side of a tested size.
// Otherwise (every study curve: residuals 55–16,000× the
// noise; or points without intervals) the measurements decide: the plateau
// level is the median of the medians past K̂; a size past K̂ is on the plateau; a size inside K's
// range but below K̂ is on it when its median is within the tolerance of the level AND not
// significantly slower (two-sided 95%, with the family's pooled error of a median taken from the
// distribution-free order-statistic intervals) AND either the fit does not pool (fewer than 2
// sizes below it or 2 past K̂) or it
// is Lambda's model knee threads × 1,769 MB; sizes below the range are not. Medians, not means:
// the study's x86_64 has slow runs up to 3.7× the median, which move a mean and inflate its t
// interval, and move a median by at most one order statistic. With no size past K̂ (time still
// falling) or only one size on the plateau, the plateau is not confirmed (`reachedInRange: false`,
// knee = the largest size); when K's range reaches past the largest size, the plateau starts at
// the first size not significantly slower than the largest. The tolerance also decides when a family shows no meaningful speed-up
// at all (flat: unless the smallest size measures significantly slower and the posterior puts the
// plateau past it), gives `toleranceMB`, and is the criterion of the fallback with < 4 sizes.
// test/unit/kneeProperty.test.ts measures the headline against the true plateau on synthetic data.
//
// On the study's data (checked by test/unit/kneeFinder.test.ts):
//   arm64  1..5 threads: 1792, 3584, 5376, 7168, 9216 MB vs threads×1769 snapped up 1792, 3584,
//          5376, 7168, 8960 — all within one 256 MB step; 6 threads: still falling at 10240 MB
//          (model 10614 MB is beyond Lambda's maximum). At 5 threads 8960 MB is 0.4% slower than
//          the plateau, which 190 runs at 0.5% noise call significant, so it is not counted.
//   x86_64 1..5 threads: 1792, 3584, 5376, 7168, 8960 MB, all equal to the model snapped up. At 5
//          threads K = 9228 MB (95% range 8820-9921 MB) lies two steps past the model (x86 is far
//          noisier — median coefficient of variation 3.7% per configuration against 0.5% on arm64 —
//          and its 5-thread curve falls faster than one 1/m slope between 7168 and 8960 MB); 8960
//          MB lies inside that range and measures on the plateau, so it is the headline (snapping K
//          up gave 9472). 6 threads: still falling at 10240 MB, as on arm64.
//   6 threads, both: the curve is a staircase (time jumps down ~25% at 8960 MB, where 6 cores
//          become visible), so the staircase fit puts K at 9683 (arm64) / 9728 MB (x86_64), but its
//          range reaches past 10240 and time still falls 2.8% (arm64) from 9728 to 10240 MB: not reached.
import type { Architecture, Strategy } from '../experimentConfig';
import type { InvocationRecord } from '../invocationRecord';
import type { ConfigSummary, KneeEstimate } from './analysisTypes';
import { summarizeConfigurations } from './configSummary';
import { chiSquareQuantile, fQuantile95OneNumeratorDf, median, studentTQuantile } from './statistics';

import { lambdaVisibleCores, MAX_VCPUS, MB_PER_VCPU, MEMORY_MAX_MB, MEMORY_MIN_MB } from '../lambdaModel';

export interface KneeOptions {
  /** Relative slack for "meaningful", default 0.05. */
  tolerance?: number;
  /**
   * Centre of each configuration's times: 'median' (default, with its distribution-free interval)
   * or 'mean' (with the t interval). The mean is kept only to compare the two on noisy data.
   */
  centre?: KneeCentre;
}

export type KneeCentre = 'median' | 'mean';

export interface KneePoint {
  memoryMB: number;
  /** Robust centre of the times at this memory (median; the mean when only means exist). */
  timeMs: number;
  /** 95% confidence interval of that centre; absent when unknown (mean-only imports). */
  lowMs?: number;
  highMs?: number;
}

/** One candidate K of the profile: its fitted a, b, residual sum of squares and the weighted spread of 1/cpuShare. */
export interface ProfileEntry {
  k: number;
  /** The span of K this candidate stands for (the search's step there). */
  widthMB: number;
  a: number;
  b: number;
  sse: number;
  sxx: number;
}

export interface HingeFit {
  /** The CPU-share knee K (MB): threads × MB per vCPU. */
  breakpointMB: number;
  a: number;
  b: number;
  sse: number;
  /** Hull of the breakpoints inside the 95% profile-likelihood region. */
  lowMB: number;
  highMB: number;
  /** Busy threads the staircase was fitted for (1 when none was given: the plain hinge). */
  threads: number;
  /**
   * Where the fitted curve reaches its plateau: K, or later when the visible cores bind first
   * (plateauStart(K, threads)). Equal to K whenever threads ≤ 2 or the MB per vCPU is ≥ 1,792.
   */
  plateauStartMB: number;
  plateauStartLowMB: number;
  plateauStartHighMB: number;
  /** True when the residuals are far larger than the measurements' own noise: the model misfits. */
  lackOfFit: boolean;
  /**
   * Variance of one size's relative error the interval allows for: the larger of the residual
   * variance and the measured one (relativeError²).
   */
  noiseVariance: number;
  /**
   * The profile: for each candidate K (equal steps from MEMORY_MIN_MB to the search's end), the
   * residual sum of squares with a and b fitted. Candidates below the smallest size tested are
   * kept for plateauStartPosterior only (K̂ and its range are searched from the smallest size).
   */
  profile: ReadonlyArray<ProfileEntry>;
  /** The fit at Lambda's documented K, threads × 1,769 MB (null past the search's end). */
  lambdaModel: ProfileEntry | null;
}

/**
 * The CPU a function with `threads` busy threads gets at memory m, in units of "K's worth":
 * min(m, K, (K/threads)·visibleCores(m)). K = threads × MB per vCPU; the third term is the
 * visible-core cap (a thread runs on one core at a time, Lambda shows 2 cores up to 3,008 MB,
 * then 3/4/5/6), which binds only when the MB per vCPU is below 1,792 (m/visibleCores(m) ≤ 1,792
 * at every size) and there are 3 or more threads. With it the curve is a staircase: flat, then a
 * whole core faster at a band's first size; a one-slope hinge put the breakpoint between steps.
 */
export function cpuShareMB(memoryMB: number, breakpointMB: number, threads: number): number {
  const mbPerVcpu = breakpointMB / threads;
  return Math.min(memoryMB, breakpointMB, mbPerVcpu * lambdaVisibleCores(memoryMB));
}

/** Smallest memory from which the fitted staircase is flat: K, or the first band showing `threads` cores when that is later. */
export function plateauStart(breakpointMB: number, threads: number): number {
  const cores = Math.min(threads, MAX_VCPUS);
  let bandStart = MEMORY_MIN_MB;
  for (let m = MEMORY_MIN_MB; m <= MEMORY_MAX_MB; m++)
    if (lambdaVisibleCores(m) >= cores) {
      bandStart = m;
      break;
    }
  // With more threads than the most cores Lambda shows, the curve flattens where 6 cores' worth is reached.
  const cpuFlat = threads > MAX_VCPUS ? (breakpointMB * MAX_VCPUS) / threads : breakpointMB;
  return Math.max(cpuFlat, bandStart);
}

/**
 * The prior on K for plateauStartPosterior. Lambda documents 1,769 MB per vCPU and the study's
 * curves bear it out, so half the prior sits on K = threads × 1,769 MB exactly (a tested size
 * there is on the plateau when the model holds, where K̂ lands above it half the time by chance
 * alone); most of the rest near it, the MB per vCPU anywhere within a factor LAMBDA_MODEL_SPREAD
 * (a function not purely CPU-bound, or another CPU generation); a little anywhere in the search.
 */
const KNEE_PRIOR = { lambdaExactly: 0.5, nearLambda: 0.4, anywhere: 0.1 };
const LAMBDA_MODEL_SPREAD = 1.5;

/** How far past the largest tested size the fit looks for K (×). */
const SEARCH_PAST_LARGEST = 1.25;

/** The fitted time at memory m: a + b / cpuShareMB(m). */
export function fittedTime(fit: HingeFit, memoryMB: number): number {
  return fit.a + fit.b / cpuShareMB(memoryMB, fit.breakpointMB, fit.threads);
}

/**
 * Least-squares fit of time = a + b / min(m, K, (K/threads)·visibleCores(m)) (see cpuShareMB;
 * with threads ≤ 2 the plain hinge a + b / min(m, K)) with a 95% profile interval for K. Needs >= 4 points.
 * `relativeError`, the measured relative standard error of one size's centre (pooledRelativeError),
 * is a floor under the noise the interval allows for: a 3-parameter fit to 4–8 sizes leaves 1–5
 * residual degrees of freedom, and by chance the residuals can be far smaller than the
 * measurements' own error (a near-perfect fit). The interval then shrinks to a few MB and can
 * exclude a tested size sitting exactly on the knee — seen on the quick preset: K̂ = 1789 MB, range
 * 1772–1807, the size 1769 on the true knee ruled out and the headline one step late. The
 * repetitions measure the noise directly, so the interval uses the larger of the two estimates.
 */
export function fitHinge(points: readonly KneePoint[], relativeError: number | null = null, threads = 1): HingeFit {
  if (points.length < 4) throw new RangeError(`a hinge fit needs at least 4 memory sizes, got ${points.length}`);
  const sorted = [...points].sort((p, q) => p.memoryMB - q.memoryMB);
  const memories = sorted.map((p) => p.memoryMB);
  const times = sorted.map((p) => p.timeMs);
  const weights = times.map((t) => 1 / Math.max(t, 1e-9) ** 2);
  const lowest = memories[0];
  // K is searched a quarter past the largest size (a curve still falling there), and further with
  // more threads than visible cores (K = threads × MB per vCPU then lies past the flat start).
  const highest = memories[memories.length - 1] * SEARCH_PAST_LARGEST * Math.max(1, threads / MAX_VCPUS);
  const step = Math.max(1, (highest - lowest) / 20000);
  const fullProfile: ProfileEntry[] = [];
  // One buffer and the visible cores per size, computed once: the search fits thousands of Ks.
  const cores = memories.map(lambdaVisibleCores);
  const fitAt = hingeProfileFitter(memories, times, weights, cores, threads);
  // Below the smallest size, down to Lambda's minimum, for the posterior only; no size lies
  // between these Ks, so the fit changes little from one to the next and 200 steps do.
  const belowStep = Math.max(step, (lowest - MEMORY_MIN_MB) / 200);
  for (let k = lowest - belowStep * Math.floor((lowest - MEMORY_MIN_MB) / belowStep); k < lowest - 1e-9; k += belowStep) fullProfile.push(fitAt(k, belowStep));
  const belowLowest = fullProfile.length;
  for (let k = lowest; k <= highest + 1e-9; k += step) fullProfile.push(fitAt(k, step));
  const profile = fullProfile.slice(belowLowest);
  let best = profile[0];
  for (const entry of profile) if (entry.sse < best.sse - 1e-15 * Math.max(1, best.sse)) best = entry;
  const dof = sorted.length - 3;
  const noiseVariance = Math.max(best.sse / dof, relativeError === null ? 0 : relativeError ** 2);
  const threshold = Math.max(best.sse + fQuantile95OneNumeratorDf(dof) * noiseVariance, 1e-18);
  let lowMB = best.k;
  let highMB = best.k;
  for (const entry of profile) {
    if (entry.sse <= threshold) {
      lowMB = Math.min(lowMB, entry.k);
      highMB = Math.max(highMB, entry.k);
    }
  }
  // Gross misfit: residual variance beyond the 95% chi-square point of the measured noise, with
  // that noise variance doubled because the order-statistic intervals misjudge it by ~20% in SD
  // (on synthetic data where the model is exact, residual/measured variance runs 1.0–2.2; on the
  // study's curves 55–16,000: the real curves bend in ways one hinge does not follow).
  const lackOfFit = relativeError !== null && relativeError > 0 && best.sse / relativeError ** 2 > 2 * chiSquareQuantile(0.95, dof);
  const lambdaK = threads * MB_PER_VCPU;
  const lambdaModel = lambdaK <= highest + 1e-9 ? fitAt(lambdaK, 0) : null;
  return {
    lackOfFit,
    noiseVariance,
    lambdaModel,
    profile: fullProfile,
    breakpointMB: best.k,
    a: best.a,
    b: best.b,
    sse: best.sse,
    lowMB,
    highMB,
    threads,
    plateauStartMB: plateauStart(best.k, threads),
    plateauStartLowMB: plateauStart(lowMB, threads),
    plateauStartHighMB: plateauStart(highMB, threads),
  };
}

/**
 * The weighted line of time against x = 1/min(m, K, (K/threads)·cores(m)) at any K, in O(1) per K
 * when the Ks ascend (the search fits ~20,000 of them). x is 1/m for a size on the slope (m ≤ K/r,
 * r = max(1, threads/cores(m))) and r/K for one on the flat, so every weighted sum the line needs
 * is a fixed part over the slope sizes plus a polynomial in 1/K over the flat ones; the parts
 * change only when a size crosses from flat to slope. The same a, b, SSE and spread as fitting
 * each K's line from scratch, to rounding (the SSE from the sums carries ~1e-12 of relative error;
 * on the study's data every knee field is unchanged, and on the property test's 1,500 curves every
 * headline; K̂ moved in 52 of them, by 2–8 MB, where the profile is flat to rounding, or further
 * where the visible cores bind and K is not identified inside a band).
 */
function hingeProfileFitter(
  memories: readonly number[],
  times: readonly number[],
  weights: readonly number[],
  cores: readonly number[],
  threads: number,
): (k: number, widthMB: number) => ProfileEntry {
  const n = memories.length;
  const ratio = cores.map((c) => Math.max(1, threads / c));
  // K from which each size is on the slope, and the sizes in that order.
  const crossing = memories.map((m, i) => m * ratio[i]);
  const order = memories.map((_, i) => i).sort((i, j) => crossing[i] - crossing[j]);
  let sw = 0,
    swy = 0,
    swyy = 0;
  for (let i = 0; i < n; i++) {
    sw += weights[i];
    swy += weights[i] * times[i];
    swyy += weights[i] * times[i] * times[i];
  }
  let onSlope = -1;
  let slopeX = 0,
    slopeXX = 0,
    slopeXY = 0,
    flatR = 0,
    flatRR = 0,
    flatRY = 0;
  const recompute = (count: number) => {
    onSlope = count;
    slopeX = slopeXX = slopeXY = flatR = flatRR = flatRY = 0;
    for (let j = 0; j < n; j++) {
      const i = order[j];
      const w = weights[i];
      if (j < count) {
        const x = 1 / memories[i];
        slopeX += w * x;
        slopeXX += w * x * x;
        slopeXY += w * x * times[i];
      } else {
        flatR += w * ratio[i];
        flatRR += w * ratio[i] * ratio[i];
        flatRY += w * ratio[i] * times[i];
      }
    }
  };
  return (k, widthMB) => {
    let count = onSlope < 0 ? 0 : onSlope;
    while (count > 0 && crossing[order[count - 1]] > k) count--;
    while (count < n && crossing[order[count]] <= k) count++;
    if (count !== onSlope) recompute(count);
    const u = 1 / k;
    const swx = slopeX + u * flatR;
    const swxx = slopeXX + u * u * flatRR;
    const swxy = slopeXY + u * flatRY;
    const denominator = sw * swxx - swx * swx;
    // A negative slope would mean more CPU makes the function slower: clamp to a flat line.
    let b = Math.abs(denominator) > 1e-12 * sw * swxx ? (sw * swxy - swx * swy) / denominator : 0;
    if (b < 0) b = 0;
    const a = (swy - b * swx) / sw;
    const sse = Math.max(0, swyy - 2 * a * swy - 2 * b * swxy + a * a * sw + 2 * a * b * swx + b * b * swxx);
    return { k, widthMB, a, b, sse, sxx: Math.max(0, swxx - (swx * swx) / sw) };
  };
}

/**
 * The slope b is a parameter too: the profile likelihood fits it freely, so a K past sizes that
 * measure flat fits as well as any (b shrinks to the noise), and on flat data the widest gap
 * between sizes would win. Integrating b over its prior instead (Laplace: the peak times
 * √(2π)·se(b̂) × the prior density) charges a K for the slope it needs. The prior: the plateau time
 * P = a + b/K splits into a serial part and a CPU part b/K, the CPU part's share uniform on 0–1,
 * so b is uniform on 0–P·K. A K that leaves b unidentified (every size on its plateau) pays nothing.
 */
function slopeOccamFactor(entry: ProfileEntry, noiseVariance: number): number {
  const plateauMs = entry.a + entry.b / entry.k;
  if (!(entry.sxx > 0) || !(plateauMs > 0)) return 1;
  const slopeSe = Math.sqrt(noiseVariance / entry.sxx);
  return Math.min(1, (Math.sqrt(2 * Math.PI) * slopeSe) / (plateauMs * entry.k));
}

/**
 * How probable each tested size is as the first on the plateau, given the fit: a posterior over K
 * from the profile likelihood exp(−SSE(K) / (2·noiseVariance)) under a uniform prior on K (every
 * MB from Lambda's minimum to the search's end alike), each K sent to the tested size where its
 * staircase is flat (plateauStart). `byIndex[j]` is the share of K whose plateau starts past
 * grid[j−1] and at or before grid[j]; `beyond`, past the largest size. The headline is the most
 * probable size: that maximises the chance of naming the right one, which a point estimate does
 * not when the likelihood is lopsided — a size alone on the slope leaves K unidentified between
 * it and the next size down (any K there fits as well, b takes up the difference), and sizes a
 * few MB apart share a sliver of K between them. Null when the noise variance is unknown or zero.
 */
export function plateauStartPosterior(hinge: HingeFit, grid: readonly number[]): PlateauPosterior | null {
  const evidence = familyEvidence(hinge, grid);
  if (!evidence) return null;
  return { byIndex: evidence.mass.map((w) => w / evidence.total), beyond: evidence.beyond / evidence.total };
}

/** How probable each tested size is as the first on the plateau (byIndex), and past the largest (beyond). */
export interface PlateauPosterior {
  byIndex: number[];
  beyond: number;
}

/**
 * One family's evidence about K: its likelihood at any K (log, relative to its best fit), the
 * tested size each K puts the plateau's start at, and the unnormalised posterior under the
 * family's own prior (mass per tested size, beyond, and their total: the family's evidence).
 */
interface FamilyEvidence {
  threads: number;
  grid: readonly number[];
  /** The profile's candidate Ks (ascending) and the log-likelihood of each, relative to the best fit (with the slope's Occam factor). */
  profileK: number[];
  profileLogLikelihood: number[];
  /** The same at Lambda's documented K, threads × 1,769 MB (null past the search's end). */
  lambdaLogLikelihood: number | null;
  /** Index of the tested size where a staircase with breakpoint K is first flat (grid.length: past the largest). */
  flatIndex: (kMB: number) => number;
  mass: number[];
  beyond: number;
  total: number;
}

function familyEvidence(hinge: HingeFit, grid: readonly number[]): FamilyEvidence | null {
  if (!(hinge.noiseVariance > 0) || hinge.profile.length === 0) return null;
  const bandStart = plateauStart(0, hinge.threads);
  const cores = Math.min(hinge.threads, MAX_VCPUS);
  const flatFrom = (k: number) => Math.max((k * cores) / Math.max(hinge.threads, cores), bandStart);
  let minSse = Infinity;
  for (const entry of hinge.profile) minSse = Math.min(minSse, entry.sse);
  const logLikelihood = (entry: ProfileEntry) => -(entry.sse - minSse) / (2 * hinge.noiseVariance) + Math.log(slopeOccamFactor(entry, hinge.noiseVariance));
  const lambdaK = hinge.threads * MB_PER_VCPU;
  const searched = hinge.profile.reduce((sum, entry) => sum + entry.widthMB, 0);
  const nearLow = lambdaK / LAMBDA_MODEL_SPREAD;
  const nearHigh = lambdaK * LAMBDA_MODEL_SPREAD;
  const nearDensity = KNEE_PRIOR.nearLambda / (nearHigh - nearLow);
  const anyDensity = KNEE_PRIOR.anywhere / searched;
  const flatIndex = (k: number) => {
    const start = flatFrom(k) - 1e-6;
    let low = 0;
    let high = grid.length;
    while (low < high) {
      const middle = (low + high) >> 1;
      if (grid[middle] >= start) high = middle;
      else low = middle + 1;
    }
    return low;
  };
  const profileLogLikelihood = hinge.profile.map(logLikelihood);
  const mass = grid.map(() => 0);
  let beyond = 0;
  let index = 0;
  for (let e = 0; e < hinge.profile.length; e++) {
    const entry = hinge.profile[e];
    const start = flatFrom(entry.k);
    while (index < grid.length && grid[index] < start - 1e-6) index++;
    const density = anyDensity + (entry.k >= nearLow && entry.k <= nearHigh ? nearDensity : 0);
    const weight = Math.exp(profileLogLikelihood[e]) * density * entry.widthMB;
    if (index < grid.length) mass[index] += weight;
    else beyond += weight;
  }
  if (hinge.lambdaModel) {
    const at = flatIndex(lambdaK);
    const weight = KNEE_PRIOR.lambdaExactly * Math.exp(logLikelihood(hinge.lambdaModel));
    if (at < grid.length) mass[at] += weight;
    else beyond += weight;
  }
  const total = mass.reduce((sum, w) => sum + w, beyond);
  return {
    threads: hinge.threads,
    grid,
    profileK: hinge.profile.map((entry) => entry.k),
    profileLogLikelihood,
    lambdaLogLikelihood: hinge.lambdaModel ? logLikelihood(hinge.lambdaModel) : null,
    flatIndex,
    mass,
    beyond,
    total,
  };
}

/**
 * Walks a family's profile along ascending K: the log-likelihood of the nearest candidate (the
 * first below the profile, the last past it: every size on the slope, as at the search's end).
 */
function profileWalker(evidence: FamilyEvidence): (kMB: number) => number {
  const ks = evidence.profileK;
  const logs = evidence.profileLogLikelihood;
  let index = 0;
  return (k) => {
    if (index > 0 && ks[index] > k) index = 0;
    while (index < ks.length - 1 && ks[index + 1] <= k) index++;
    const nearer = index < ks.length - 1 && ks[index + 1] - k < k - ks[index] ? index + 1 : index;
    return logs[nearer];
  };
}

/**
 * Prior probability that the families of one run (one architecture and strategy, different thread
 * counts) share one MB per vCPU, so that each knee is threads × that constant. Lambda allocates CPU
 * in proportion to memory whatever the code, so this is the expectation; the data can overrule it
 * (the evidence of the shared model against independent knees decides, below).
 */
const SHARED_CONSTANT_PRIOR = 0.8;
/**
 * Resolution of the shared MB-per-vCPU grid (MB): K = threads × C moves by at most 6 MB a step,
 * a quarter of K's standard error at 6 threads (~25 MB on the fine grid).
 */
const SHARED_CONSTANT_STEP = 1;

/**
 * The plateau-start posteriors of a run's families with the MB per vCPU shared among them. A
 * family alone places K to ~0.4% (20 runs at 3% noise on the fine grid: ±25 MB at 6 threads,
 * which leaves a tested size within ~30 MB of the knee a coin toss); its knee is threads × C for the
 * same C as every other thread count's, so the others' curves measure it too. Two models: SHARED
 * (one C, prior as for one family but on C: half on 1,769, 0.4 within 1.5× of it, 0.1 anywhere;
 * likelihood the product of the families' profile likelihoods at K = threads × C) and INDEPENDENT
 * (each family with its own K, as plateauStartPosterior). Each family's posterior is the mixture
 * weighted by the models' posterior probabilities (prior SHARED_CONSTANT_PRIOR, times the ratio of
 * their evidences), so a run whose curves disagree on C keeps its families' own answers.
 * Families whose staircase misfits (every study curve) take no part. Returns null for each family
 * that cannot take part, and for all when fewer than two can.
 */
export function sharedConstantPosteriors(fits: ReadonlyArray<{ hinge: HingeFit; grid: readonly number[] } | null>): Array<PlateauPosterior | null> {
  const evidences = fits.map((fit) => (fit && !fit.hinge.lackOfFit ? familyEvidence(fit.hinge, fit.grid) : null));
  const joined = evidences.filter((e): e is FamilyEvidence => e !== null && e.total > 0);
  if (new Set(joined.map((e) => e.threads)).size < 2) return fits.map(() => null);
  const cLow = MEMORY_MIN_MB / Math.max(...joined.map((e) => e.threads));
  const cHigh = Math.max(...joined.map((e) => e.profileK[e.profileK.length - 1] / e.threads));
  const nearLow = MB_PER_VCPU / LAMBDA_MODEL_SPREAD;
  const nearHigh = MB_PER_VCPU * LAMBDA_MODEL_SPREAD;
  const nearDensity = KNEE_PRIOR.nearLambda / (nearHigh - nearLow);
  const anyDensity = KNEE_PRIOR.anywhere / (cHigh - cLow);
  const walkers = joined.map(profileWalker);
  const constants: number[] = [];
  const logWeights: number[] = [];
  const logNear = Math.log((anyDensity + nearDensity) * SHARED_CONSTANT_STEP);
  const logAny = Math.log(anyDensity * SHARED_CONSTANT_STEP);
  for (let c = cLow; c <= cHigh + 1e-9; c += SHARED_CONSTANT_STEP) {
    let log = c >= nearLow && c <= nearHigh ? logNear : logAny;
    for (let f = 0; f < joined.length; f++) log += walkers[f](joined[f].threads * c);
    constants.push(c);
    logWeights.push(log);
  }
  // Lambda's documented constant exactly, with each family's fit at exactly threads × 1,769 MB.
  constants.push(MB_PER_VCPU);
  logWeights.push(joined.reduce((sum, e, f) => sum + (e.lambdaLogLikelihood ?? walkers[f](e.threads * MB_PER_VCPU)), 0) + Math.log(KNEE_PRIOR.lambdaExactly));
  const peak = Math.max(...logWeights);
  const weights = logWeights.map((w) => Math.exp(w - peak));
  const sharedTotal = weights.reduce((sum, w) => sum + w, 0);
  // log evidence of each model (same scale: every family's likelihood is relative to its best fit).
  const logShared = Math.log(SHARED_CONSTANT_PRIOR) + peak + Math.log(sharedTotal);
  const logIndependent = Math.log(1 - SHARED_CONSTANT_PRIOR) + joined.reduce((sum, e) => sum + Math.log(e.total), 0);
  const sharedProbability = 1 / (1 + Math.exp(logIndependent - logShared));
  return evidences.map((e) => {
    if (!e || !joined.includes(e)) return null;
    const shared = e.grid.map(() => 0);
    let sharedBeyond = 0;
    constants.forEach((c, i) => {
      const at = e.flatIndex(e.threads * c);
      if (at < e.grid.length) shared[at] += weights[i];
      else sharedBeyond += weights[i];
    });
    const mix = (sharedMass: number, ownMass: number) => (sharedProbability * sharedMass) / sharedTotal + ((1 - sharedProbability) * ownMass) / e.total;
    return { byIndex: shared.map((w, i) => mix(w, e.mass[i])), beyond: mix(sharedBeyond, e.beyond) };
  });
}

/** Smallest tested size >= value (with a hair of slack for float steps), or null beyond the grid. */
function snapUp(grid: readonly number[], value: number): number | null {
  for (const m of grid) if (m >= value - 1e-6) return m;
  return null;
}

function fallbackKnee(points: readonly KneePoint[], tolerance: number): { memoryMB: number; method: string } {
  const best = Math.min(...points.map((p) => p.timeMs));
  const chosen = [...points].sort((p, q) => p.memoryMB - q.memoryMB).find((p) => p.timeMs <= best * (1 + tolerance))!;
  return {
    memoryMB: chosen.memoryMB,
    method: `fewer than 4 memory sizes: smallest memory whose median is within ${(tolerance * 100).toFixed(1)}% of the best median`,
  };
}

/** Relative standard error of a point's centre from its 95% interval, or null when the interval is unknown. */
function relativeStandardError(point: KneePoint): number | null {
  if (point.lowMs === undefined || point.highMs === undefined || !Number.isFinite(point.lowMs) || !Number.isFinite(point.highMs)) return null;
  return Math.max(0, point.highMs - point.lowMs) / (2 * 1.959964) / point.timeMs;
}

/**
 * One relative standard error for a whole family: the median over its sizes. The noise is about
 * proportional to the time (the premise of the fit's weights too), and an order-statistic interval
 * from 20 runs is itself noisy — one size's interval can be half as wide as its neighbours' by
 * chance — so pooling gives every comparison a steadier yardstick. Null when any size lacks one.
 */
export function pooledRelativeError(points: readonly KneePoint[]): number | null {
  const errors = points.map(relativeStandardError);
  if (errors.length === 0 || errors.some((e) => e === null)) return null;
  return median(errors as number[]);
}

export interface PlateauLevel {
  levelMs: number;
  /** Standard error of the level, null when the points carry no interval. */
  seMs: number | null;
  /** The family's pooled relative standard error of one size's centre, null when unknown. */
  relativeError: number | null;
}

/**
 * The plateau level from the measurements at the sizes the fit puts on the plateau (at or past
 * the breakpoint; the largest size alone when none is): the median of their centres, so one
 * odd size cannot move it. Its standard error: a median of k centres with similar errors has
 * about 1.25·se/√k (the median's efficiency against the mean); with 1 or 2 centres, se/√k.
 */
export function plateauLevel(points: readonly KneePoint[], breakpointMB: number): PlateauLevel {
  const sorted = [...points].sort((p, q) => p.memoryMB - q.memoryMB);
  let past = sorted.filter((p) => p.memoryMB >= breakpointMB - 1e-6);
  if (past.length === 0) past = [sorted[sorted.length - 1]];
  const levelMs = median(past.map((p) => p.timeMs));
  const relativeError = pooledRelativeError(sorted);
  if (relativeError === null) return { levelMs, seMs: null, relativeError };
  const efficiency = past.length <= 2 ? 1 : 1.2533;
  return { levelMs, seMs: (efficiency * relativeError * levelMs) / Math.sqrt(past.length), relativeError };
}

/** How a measured size compares with the plateau level. */
export interface PlateauComparison {
  /** Measured centre / plateau level − 1. */
  slower: number;
  withinTolerance: boolean;
  /** True when the size is slower than the plateau beyond the 95% two-sided error of the difference. */
  significantlySlower: boolean;
}

/** `comparisons` > 1 applies Bonferroni's correction for that many sizes tested at once. */
export function compareWithPlateau(point: KneePoint, plateau: PlateauLevel, tolerance: number, comparisons = 1): PlateauComparison {
  const slower = point.timeMs / plateau.levelMs - 1;
  const z = comparisons <= 1 ? 1.959964 : studentTQuantile(1 - 0.025 / comparisons, 10000);
  const significantlySlower =
    plateau.relativeError === null || plateau.seMs === null
      ? slower > tolerance // without intervals only the tolerance can speak
      : point.timeMs - plateau.levelMs > z * Math.hypot(plateau.relativeError * point.timeMs, plateau.seMs);
  return { slower, withinTolerance: slower <= tolerance, significantlySlower };
}

type Family = { arch: Architecture; strategy: Strategy; threads: number };

/** A family's usable points (finite, positive, by memory) and its staircase fit (null with < 4 sizes). */
interface PreparedFamily {
  family: Family;
  usable: KneePoint[];
  hinge: HingeFit | null;
}

function prepareFamily(family: Family, points: readonly KneePoint[]): PreparedFamily {
  const usable = points.filter((p) => Number.isFinite(p.timeMs) && p.timeMs > 0).sort((p, q) => p.memoryMB - q.memoryMB);
  return { family, usable, hinge: usable.length >= 4 ? fitHinge(usable, pooledRelativeError(usable), family.threads) : null };
}

/**
 * Knee for one (arch, strategy, threads) family from its per-memory robust centres, on its own
 * (findKnees also lets the other thread counts of the run inform the MB per vCPU).
 */
export function findKnee(family: Family, points: readonly KneePoint[], options: KneeOptions = {}): KneeEstimate {
  return kneeOfFamily(prepareFamily(family, points), options, null);
}

/** `sharedPosterior`: the plateau-start posterior with the run's other thread counts (sharedConstantPosteriors), or null. */
function kneeOfFamily(prepared: PreparedFamily, options: KneeOptions, sharedPosterior: PlateauPosterior | null): KneeEstimate {
  const { family, usable } = prepared;
  const tolerance = options.tolerance ?? 0.05;
  const grid = usable.map((p) => p.memoryMB);
  const modelMB = family.threads * MB_PER_VCPU;
  const modelGridMB = snapUp(grid, modelMB) ?? undefined;
  const base = { ...family, modelMB, ...(modelGridMB !== undefined ? { modelGridMB } : {}) };
  const percent = `${Number((tolerance * 100).toFixed(2))}%`;
  if (usable.length === 0) {
    return { ...base, memoryMB: Number.NaN, lowMB: Number.NaN, highMB: Number.NaN, method: 'no successful warm invocations' };
  }
  if (usable.length < 4) {
    const { memoryMB, method } = fallbackKnee(usable, tolerance);
    return { ...base, memoryMB, lowMB: grid[0], highMB: grid[grid.length - 1], method, reachedInRange: memoryMB < grid[grid.length - 1] };
  }
  const hinge = prepared.hinge!;
  // Decisions use where the fitted curve reaches its plateau (K, or later when the visible cores bind).
  const fit = { ...hinge, breakpointMB: hinge.plateauStartMB, lowMB: hinge.plateauStartLowMB, highMB: hinge.plateauStartHighMB };
  const largest = grid[grid.length - 1];
  const totalGain = fittedTime(hinge, grid[0]) / fittedTime(hinge, largest) - 1;
  const plateau = plateauLevel(usable, fit.breakpointMB);
  // Sizes past the breakpoint are judged together (Bonferroni) for the note on odd sizes.
  const pastBreakpoint = grid.filter((m) => m >= fit.breakpointMB - 1e-6).length;
  const comparisons = usable.map((p) => compareWithPlateau(p, plateau, tolerance, p.memoryMB >= fit.breakpointMB - 1e-6 ? pastBreakpoint : 1));
  // Smallest size from which every measured size is within the tolerance of the plateau level.
  let toleranceIndex = usable.length;
  while (toleranceIndex > 0 && comparisons[toleranceIndex - 1].withinTolerance) toleranceIndex--;
  const toleranceMB = toleranceIndex < usable.length ? grid[toleranceIndex] : largest;
  const details = {
    breakpointMB: Math.round(fit.breakpointMB),
    breakpointLowMB: Math.round(fit.lowMB),
    breakpointHighMB: Math.round(fit.highMB),
    plateauMs: plateau.levelMs,
    toleranceMB,
  };
  // When the staircase fits within the measurements' noise, the most probable first size on the
  // plateau (plateauStartPosterior) decides; the rules below are for curves it misfits (every
  // study curve) and for points without intervals.
  const posterior = hinge.lackOfFit ? null : (sharedPosterior ?? plateauStartPosterior(hinge, grid));
  let posteriorIndex: number | null = null;
  if (posterior) {
    posteriorIndex = grid.length;
    let most = posterior.beyond;
    posterior.byIndex.forEach((share, index) => {
      if (share > most) {
        most = share;
        posteriorIndex = index;
      }
    });
  }
  // A speed-up below the tolerance is "none" unless the smallest size measures significantly slower
  // than the plateau and the fit places the plateau's start past it.
  const smallSpeedUpIsReal = posteriorIndex !== null && posteriorIndex > 0 && comparisons[0].significantlySlower;
  if (fit.b === 0 || (totalGain < tolerance && !smallSpeedUpIsReal)) {
    return {
      ...base,
      ...details,
      memoryMB: grid[0],
      lowMB: grid[0],
      highMB: grid[0],
      reachedInRange: true,
      method: `no meaningful speed-up: the fitted time falls only ${(totalGain * 100).toFixed(1)}% from ${grid[0]} to ${largest} MB (tolerance ${percent})`,
    };
  }
  // A size is on the plateau when:
  //  - it lies past the fitted breakpoint: these sizes define the plateau level (their median);
  //    one of them measuring slower is noise, not the end of the plateau — more memory does not
  //    slow a CPU-bound function — and testing 30 such sizes one by one would, by chance alone,
  //    find one "significantly slower" and push the headline up (a note lists them instead);
  //  - it lies inside the breakpoint's 95% range but below the breakpoint, where the fit cannot
  //    tell which side of the knee it is on: when its measured time is within the tolerance of
  //    the plateau AND not significantly slower (95%, the family's pooled error of a median);
  //  - below the range: never (the fit rules it out; on a fine grid the size one step below the
  //    knee is often < 2% slower, within any useful tolerance, yet not on the plateau).
  // Whether the fit pools: at least 2 sizes below a candidate fix the slope, at least 2 past the
  // fitted plateau start fix the level, and the curve fits within the measurements' noise. Then
  // K̂ rests on every size and is far more precise than one size's median (K's standard error
  // ~0.45% of K with 20 runs at 3% noise, against ~1.2% for one size vs the plateau), so a
  // size below the fitted plateau start is not on the plateau even when its own median cannot be
  // told from the plateau (the size just below the knee is often < 1% slower).
  const plateauFitSizes = grid.filter((m) => m >= fit.breakpointMB - 1e-6).length;
  const fitPools = (index: number) => index >= 2 && plateauFitSizes >= 2 && !hinge.lackOfFit;
  const onPlateau = usable.map((p, i) => {
    const c = comparisons[i];
    if (p.memoryMB >= fit.breakpointMB - 1e-6) return true;
    if (p.memoryMB < fit.lowMB - 1e-6) return false;
    const measured = c.withinTolerance && !c.significantlySlower;
    // Lambda's documented knee (threads × 1,769 MB) as a tested size: the knee sits exactly there
    // when Lambda's model holds, where K̂ lands just above it half the time by chance alone.
    const modelKnee = Math.abs(p.memoryMB - modelMB) < 1;
    return measured && (modelKnee || !fitPools(i));
  });
  let first = usable.length;
  while (first > 0 && onPlateau[first - 1]) first--;
  if (posteriorIndex !== null) first = posteriorIndex;
  const stillFalling = posteriorIndex !== null ? posteriorIndex === grid.length : fit.breakpointMB >= largest - 1e-6;
  // The fit searches K up to a quarter past the largest size: when its 95% range reaches past it,
  // the fit cannot tell a plateau from a curve still falling at the largest size, and the
  // measurements decide: the plateau starts at the first size not significantly slower than the
  // largest one (on the study's 6-thread data time falls 2.8% from 9,728 to 10,240 MB at 0.5% noise).
  const fitUnsure = posteriorIndex === null && !stillFalling && fit.highMB > largest + 1e-6;
  if (fitUnsure && plateau.relativeError !== null) {
    const last = usable[usable.length - 1];
    const error = plateau.relativeError;
    // Bonferroni over the sizes compared with the largest: one fast median at the largest size must not end the plateau.
    const z = studentTQuantile(1 - 0.025 / Math.max(1, usable.length - 1 - first), 10000);
    while (first < usable.length - 1 && usable[first].timeMs - last.timeMs > z * Math.hypot(error * usable[first].timeMs, error * last.timeMs)) first++;
  }
  const plateauSizes = usable.length - first;
  const beyondPlausible = fitUnsure && plateauSizes < 2;
  const reachedInRange = !stillFalling && plateauSizes >= 2;
  const memoryMB = reachedInRange ? grid[first] : largest;
  const snappedLow = snapUp(grid, fit.lowMB) ?? largest;
  const snappedHigh = snapUp(grid, fit.highMB) ?? largest;
  const lowMB = Math.min(snappedLow, memoryMB);
  const highMB = Math.max(snappedHigh, memoryMB);
  const onPlateauChance = posterior ? usable.map((_, i) => posterior.byIndex.slice(0, i + 1).reduce((sum, share) => sum + share, 0)) : null;
  const rangeNote = describeRange(
    usable,
    comparisons,
    fit,
    memoryMB,
    percent,
    (i) => fitPools(i) && Math.abs(usable[i].memoryMB - modelMB) >= 1,
    onPlateauChance,
  );
  const bandsBind = Math.round(hinge.plateauStartMB) !== Math.round(hinge.breakpointMB);
  const fitText = `fitted breakpoint K = ${Math.round(fit.breakpointMB)} MB (95% range ${describeBreakpointRange(fit.lowMB, fit.highMB)})${
    bandsBind
      ? `, where ${Math.min(family.threads, MAX_VCPUS)} cores become visible; the CPU share alone would flatten at ${Math.round(hinge.breakpointMB)} MB`
      : ''
  }`;
  const method = reachedInRange
    ? posterior
      ? `smallest tested size on the plateau (the most probable by the fitted staircase and the measurements' noise: ${(posterior.byIndex[first] * 100).toFixed(0)}%); ${fitText}`
      : `smallest tested size on the plateau (measured within ${percent} of the plateau level and not significantly slower, every larger size too); ${fitText}`
    : beyondPlausible
      ? `the fit puts the knee at about ${Math.round(fit.breakpointMB)} MB, but its 95% range (${describeBreakpointRange(fit.lowMB, fit.highMB)}) reaches past the largest size tested (${largest} MB): time may still fall there (model ${modelMB} MB)`
      : stillFalling
        ? `time still falls at the largest memory tested (${largest} MB): the knee is at or beyond it (model ${modelMB} MB)`
        : // One size on the plateau cannot confirm it: do not claim that time still falls either.
          `the fit puts the knee at about ${Math.round(fit.breakpointMB)} MB, just below the largest size tested (${largest} MB); no larger size confirms the plateau: test one to be sure (model ${modelMB} MB)`;
  return { ...base, ...details, memoryMB, lowMB, highMB, reachedInRange, method, ...(rangeNote ? { rangeNote } : {}) };
}

/**
 * The breakpoint's 95% range in words. The fit searches K a quarter past the largest size, so an
 * upper end beyond Lambda's maximum is the search's edge, not a bound: say "past the maximum".
 */
export function describeBreakpointRange(lowMB: number, highMB: number, dash = '-'): string {
  return `${breakpointRangeNumbers(lowMB, highMB, dash)} MB`;
}

/** The same range without its unit, for a column whose header says MB: "1769-3538", "1769-past 10240". */
export function breakpointRangeNumbers(lowMB: number, highMB: number, dash = '-'): string {
  const high = highMB > MEMORY_MAX_MB ? `past ${MEMORY_MAX_MB}` : String(Math.round(highMB));
  return `${Math.round(lowMB)}${dash}${high}`;
}

/** What the tested sizes inside the fitted breakpoint's 95% range mean for the headline. */
function describeRange(
  points: readonly KneePoint[],
  comparisons: readonly PlateauComparison[],
  fit: { breakpointMB: number; lowMB: number; highMB: number },
  kneeMB: number,
  percent: string,
  placedByFit: (index: number) => boolean,
  onPlateauChance: readonly number[] | null = null,
): string | undefined {
  const notes: string[] = [];
  points.forEach((p, i) => {
    if (p.memoryMB < fit.lowMB - 1e-6 || p.memoryMB > fit.highMB + 1e-6) return;
    const c = comparisons[i];
    const slower = `${c.slower >= 0 ? '+' : ''}${(c.slower * 100).toFixed(1)}%`;
    if (onPlateauChance) {
      notes.push(
        `${p.memoryMB} MB is inside K's range: measured ${slower} vs the plateau; with the fit and the noise, on the plateau with probability ${(onPlateauChance[i] * 100).toFixed(0)}% → ${p.memoryMB >= kneeMB ? 'on' : 'not on'} the plateau`,
      );
      return;
    }
    if (p.memoryMB < fit.breakpointMB - 1e-6) {
      const why = `${c.withinTolerance ? 'within' : 'beyond'} ${percent}, ${c.significantlySlower ? 'significantly slower' : 'not significantly slower'}`;
      if (placedByFit(i)) {
        notes.push(
          `${p.memoryMB} MB is inside K's range but below the fitted plateau start (${Math.round(fit.breakpointMB)} MB), which rests on every size: measured ${slower} vs the plateau, ${why} → ${p.memoryMB >= kneeMB ? 'on' : 'not on'} the plateau`,
        );
        return;
      }
      notes.push(
        `${p.memoryMB} MB is inside K's range (the fit cannot place it): measured ${slower} vs the plateau, ${why} → ${p.memoryMB >= kneeMB ? 'on' : 'not on'} the plateau`,
      );
    }
  });
  const odd = points.filter(
    (p, i) => p.memoryMB >= fit.breakpointMB - 1e-6 && p.memoryMB > kneeMB && comparisons[i].significantlySlower && !comparisons[i].withinTolerance,
  );
  if (odd.length)
    notes.push(
      `measured slower than the plateau beyond ${percent} though past the breakpoint (noise or interference; re-measure): ${odd.map((p) => p.memoryMB).join(', ')} MB`,
    );
  return notes.length ? notes.join('; ') : undefined;
}

/** Knees for every (arch, strategy, threads) present, using each configuration's median (or mean, on request). */
export function findKnees(configs: readonly ConfigSummary[], options: KneeOptions = {}): KneeEstimate[] {
  const centre = options.centre ?? 'median';
  const families = new Map<string, { family: Family; points: KneePoint[] }>();
  for (const config of configs) {
    if (!(config.n > 0)) continue;
    const key = `${config.arch}|${config.strategy}|${config.threads}`;
    let entry = families.get(key);
    if (!entry) {
      entry = { family: { arch: config.arch, strategy: config.strategy, threads: config.threads }, points: [] };
      families.set(key, entry);
    }
    entry.points.push(kneePointOf(config, centre));
  }
  return findRunKnees([...families.values()], options);
}

/**
 * Knees for the families of one or more runs, each from its points; the thread counts of one
 * architecture and strategy inform each other's MB per vCPU (sharedConstantPosteriors).
 */
export function findRunKnees(families: ReadonlyArray<{ family: Family; points: readonly KneePoint[] }>, options: KneeOptions = {}): KneeEstimate[] {
  const prepared = families.map(({ family, points }) => prepareFamily(family, points));
  // The thread counts of one architecture and strategy share Lambda's MB per vCPU.
  const shared = new Map<PreparedFamily, PlateauPosterior | null>();
  for (const key of new Set(prepared.map((p) => `${p.family.arch}|${p.family.strategy}`))) {
    const run = prepared.filter((p) => `${p.family.arch}|${p.family.strategy}` === key);
    const posteriors = sharedConstantPosteriors(run.map((p) => (p.hinge ? { hinge: p.hinge, grid: p.usable.map((q) => q.memoryMB) } : null)));
    run.forEach((p, i) => shared.set(p, posteriors[i]));
  }
  return prepared
    .map((p) => kneeOfFamily(p, options, shared.get(p) ?? null))
    .sort((p, q) => p.arch.localeCompare(q.arch) || p.strategy.localeCompare(q.strategy) || p.threads - q.threads);
}

/** One configuration as a knee point: its centre and that centre's 95% interval (none for mean-only imports). */
export function kneePointOf(config: ConfigSummary, centre: KneeCentre = 'median'): KneePoint {
  if (config.aggregateOnly) return { memoryMB: config.memoryMB, timeMs: config.meanMs };
  if (centre === 'mean') return { memoryMB: config.memoryMB, timeMs: config.meanMs, lowMs: config.ciLowMs, highMs: config.ciHighMs };
  const interval =
    config.medianCiLowMs !== undefined && config.medianCiHighMs !== undefined ? { lowMs: config.medianCiLowMs, highMs: config.medianCiHighMs } : {};
  return { memoryMB: config.memoryMB, timeMs: config.medianMs, ...interval };
}

/** The knee table straight from invocation records (warm, successful runs), e.g. for a replayed or simulated sweep. */
export function kneesFromRecords(records: readonly InvocationRecord[], options: KneeOptions = {}): KneeEstimate[] {
  return findKnees(summarizeConfigurations(records), options);
}

export interface KneeTableComparison {
  /** Every family present in both, with the same headline and the same reached/not-reached verdict. */
  same: boolean;
  /** Families whose headline is within `stepMB` of the reference's (and agrees on reached). */
  withinStep: boolean;
  /** One line per family that differs or is missing. */
  differences: string[];
}

/** Compares a knee table with a reference table, family by family (arch, strategy, threads). */
export function compareKneeTables(reference: readonly KneeEstimate[], candidate: readonly KneeEstimate[], stepMB = 256): KneeTableComparison {
  const key = (k: KneeEstimate) => `${k.arch} ${k.strategy} ${k.threads} thr`;
  const byFamily = new Map(candidate.map((k) => [key(k), k]));
  const differences: string[] = [];
  let withinStep = true;
  for (const full of reference) {
    const other = byFamily.get(key(full));
    if (!other) {
      differences.push(`${key(full)}: missing`);
      withinStep = false;
      continue;
    }
    const sameVerdict = (other.reachedInRange ?? true) === (full.reachedInRange ?? true);
    if (other.memoryMB !== full.memoryMB || !sameVerdict) {
      if (!sameVerdict || Math.abs(other.memoryMB - full.memoryMB) > stepMB) withinStep = false;
      const mark = (k: KneeEstimate) => `${k.reachedInRange === false ? '>=' : ''}${k.memoryMB}`;
      differences.push(`${key(full)}: ${mark(full)} → ${mark(other)} MB`);
    }
  }
  return { same: differences.length === 0, withinStep, differences };
}
