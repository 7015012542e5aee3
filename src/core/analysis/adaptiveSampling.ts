// Adaptive sampling: a configuration stops taking repetitions once the 95% confidence interval of
// its mean is tight enough (half-width <= target × mean) after a minimum number of repetitions,
// or when it reaches the maximum. The sweep engine calls observe() with each warm, successful
// processing time and asks shouldContinue() before planning the next repetition.
import { meanCiHalfWidth } from './statistics';

export interface AdaptiveSamplingOptions {
  /** Repetitions always taken before the CI is consulted (>= 2; default 5). */
  minRepetitions?: number;
  /** Hard cap (default: unlimited); a cap below minRepetitions lowers the minimum to it. */
  maxRepetitions?: number;
  /** Stop when CI half-width / mean is at most this (default 0.02 = 2%). */
  targetRelativeHalfWidth?: number;
}

export interface AdaptiveSnapshot {
  n: number;
  meanMs: number;
  stdevMs: number;
  /** 95% CI half-width of the mean divided by the mean; NaN below 2 observations. */
  relativeHalfWidth: number;
}

export interface AdaptiveSampler {
  readonly options: Required<AdaptiveSamplingOptions>;
  observe(configKey: string, processingMs: number): void;
  shouldContinue(configKey: string): boolean;
  /** Why the configuration stopped, or null while it should continue. */
  stopReason(configKey: string): string | null;
  snapshot(configKey: string): AdaptiveSnapshot;
}

interface RunningMoments {
  n: number;
  mean: number;
  /** Sum of squared deviations (Welford), numerically stable for long runs. */
  m2: number;
}

function percent(fraction: number): string {
  const value = fraction * 100;
  return `${Number(value.toFixed(value < 1 ? 2 : 1))}%`;
}

export function createAdaptiveSampler(options: AdaptiveSamplingOptions = {}): AdaptiveSampler {
  const resolved: Required<AdaptiveSamplingOptions> = {
    minRepetitions: options.minRepetitions ?? 5,
    maxRepetitions: options.maxRepetitions ?? Number.POSITIVE_INFINITY,
    targetRelativeHalfWidth: options.targetRelativeHalfWidth ?? 0.02,
  };
  if (!Number.isInteger(resolved.minRepetitions) || resolved.minRepetitions < 2) {
    throw new RangeError(`minRepetitions must be a whole number >= 2 (a CI needs two values), got ${resolved.minRepetitions}`);
  }
  if (!(resolved.maxRepetitions >= 1) || !(Number.isInteger(resolved.maxRepetitions) || resolved.maxRepetitions === Number.POSITIVE_INFINITY)) {
    throw new RangeError(`maxRepetitions must be a whole number >= 1, got ${resolved.maxRepetitions}`);
  }
  // A sweep with fewer repetitions than the minimum simply runs them all (and says so).
  resolved.minRepetitions = Math.min(resolved.minRepetitions, resolved.maxRepetitions);
  if (!(resolved.targetRelativeHalfWidth > 0 && resolved.targetRelativeHalfWidth < 1)) {
    throw new RangeError(`targetRelativeHalfWidth must be between 0 and 1 (e.g. 0.02 for 2%), got ${resolved.targetRelativeHalfWidth}`);
  }
  const moments = new Map<string, RunningMoments>();

  const snapshot = (configKey: string): AdaptiveSnapshot => {
    const m = moments.get(configKey) ?? { n: 0, mean: Number.NaN, m2: 0 };
    const stdev = m.n >= 2 ? Math.sqrt(m.m2 / (m.n - 1)) : Number.NaN;
    return { n: m.n, meanMs: m.mean, stdevMs: stdev, relativeHalfWidth: m.n >= 2 ? meanCiHalfWidth(stdev, m.n) / Math.abs(m.mean) : Number.NaN };
  };

  const stopReason = (configKey: string): string | null => {
    const s = snapshot(configKey);
    if (s.n >= resolved.maxRepetitions) return `max repetitions reached (${resolved.maxRepetitions})`;
    if (s.n < resolved.minRepetitions) return null;
    if (s.relativeHalfWidth <= resolved.targetRelativeHalfWidth) {
      const relation = s.relativeHalfWidth < resolved.targetRelativeHalfWidth ? '<' : '=';
      return `CI half-width ${percent(s.relativeHalfWidth)} ${relation} ${percent(resolved.targetRelativeHalfWidth)} after ${s.n} reps`;
    }
    return null;
  };

  return {
    options: resolved,
    observe(configKey, processingMs) {
      if (!Number.isFinite(processingMs)) throw new RangeError(`processingMs must be a finite number, got ${processingMs} for ${configKey}`);
      const m = moments.get(configKey) ?? { n: 0, mean: 0, m2: 0 };
      m.n++;
      const delta = processingMs - m.mean;
      m.mean += delta / m.n;
      m.m2 += delta * (processingMs - m.mean);
      moments.set(configKey, m);
    },
    shouldContinue: (configKey) => stopReason(configKey) === null,
    stopReason,
    snapshot,
  };
}
