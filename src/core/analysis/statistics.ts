// Descriptive statistics and the few distributions the analysis needs (Student t, F via t).
// Pure and deterministic: no random numbers, so every analysis of the same data prints the same.

export function mean(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  let sum = 0;
  for (const value of values) sum += value;
  return sum / values.length;
}

/** Sample standard deviation (n − 1); 0 for a single value, NaN for none. */
export function sampleStdev(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  if (values.length === 1) return 0;
  const center = mean(values);
  let squares = 0;
  for (const value of values) squares += (value - center) ** 2;
  return Math.sqrt(squares / (values.length - 1));
}

/** Quantile with linear interpolation between order statistics (R's type 7, numpy's default). */
export function quantile(values: readonly number[], probability: number): number {
  if (values.length === 0) return Number.NaN;
  if (!(probability >= 0 && probability <= 1)) throw new RangeError(`quantile probability ${probability} must be within 0..1`);
  const sorted = [...values].sort((a, b) => a - b);
  const position = (sorted.length - 1) * probability;
  const below = Math.floor(position);
  const above = Math.min(below + 1, sorted.length - 1);
  return sorted[below] + (sorted[above] - sorted[below]) * (position - below);
}

export function median(values: readonly number[]): number {
  return quantile(values, 0.5);
}

/** Most frequent value (the smallest one on ties), or null for no values. */
export function mode(values: readonly number[]): number | null {
  if (values.length === 0) return null;
  const counts = new Map<number, number>();
  for (const value of values) counts.set(value, (counts.get(value) ?? 0) + 1);
  let best: number | null = null;
  let bestCount = 0;
  for (const [value, count] of counts) {
    if (count > bestCount || (count === bestCount && best !== null && value < best)) {
      best = value;
      bestCount = count;
    }
  }
  return best;
}

// ---- Student t -------------------------------------------------------------------------------

function logGamma(x: number): number {
  // Lanczos approximation (g = 7, n = 9); accurate to ~1e-15 for x > 0.
  const coefficients = [
    0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059, 12.507343278686905, -0.13857109526572012,
    9.9843695780195716e-6, 1.5056327351493116e-7,
  ];
  if (x < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * x)) - logGamma(1 - x);
  const shifted = x - 1;
  let sum = coefficients[0];
  for (let i = 1; i < 9; i++) sum += coefficients[i] / (shifted + i);
  const t = shifted + 7.5;
  return 0.5 * Math.log(2 * Math.PI) + (shifted + 0.5) * Math.log(t) - t + Math.log(sum);
}

/** Continued fraction for the incomplete beta function (modified Lentz). */
function betaContinuedFraction(x: number, a: number, b: number): number {
  const tiny = 1e-300;
  let c = 1;
  let d = 1 - ((a + b) * x) / (a + 1);
  if (Math.abs(d) < tiny) d = tiny;
  d = 1 / d;
  let result = d;
  for (let m = 1; m <= 300; m++) {
    const m2 = 2 * m;
    let numerator = (m * (b - m) * x) / ((a + m2 - 1) * (a + m2));
    d = 1 + numerator * d;
    if (Math.abs(d) < tiny) d = tiny;
    c = 1 + numerator / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    result *= d * c;
    numerator = (-(a + m) * (a + b + m) * x) / ((a + m2) * (a + m2 + 1));
    d = 1 + numerator * d;
    if (Math.abs(d) < tiny) d = tiny;
    c = 1 + numerator / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    const step = d * c;
    result *= step;
    if (Math.abs(step - 1) < 1e-15) break;
  }
  return result;
}

/** Regularized incomplete beta I_x(a, b). */
function regularizedIncompleteBeta(x: number, a: number, b: number): number {
  if (x <= 0) return 0;
  if (x >= 1) return 1;
  const logFront = logGamma(a + b) - logGamma(a) - logGamma(b) + a * Math.log(x) + b * Math.log(1 - x);
  if (x < (a + 1) / (a + b + 2)) return (Math.exp(logFront) * betaContinuedFraction(x, a, b)) / a;
  return 1 - (Math.exp(logFront) * betaContinuedFraction(1 - x, b, a)) / b;
}

/** P(T <= t) for Student's t with `df` degrees of freedom. */
export function studentTCdf(t: number, df: number): number {
  const tail = 0.5 * regularizedIncompleteBeta(df / (df + t * t), df / 2, 0.5);
  return t >= 0 ? 1 - tail : tail;
}

const tQuantileCache = new Map<string, number>();

/** The t value with P(T <= t) = probability, by bisection on the CDF (cached: the sampler asks often). */
export function studentTQuantile(probability: number, df: number): number {
  if (!(probability > 0 && probability < 1)) throw new RangeError(`t quantile probability ${probability} must be strictly between 0 and 1`);
  if (!(df > 0)) throw new RangeError(`t distribution needs degrees of freedom > 0, got ${df}`);
  const key = `${probability}:${df}`;
  const cached = tQuantileCache.get(key);
  if (cached !== undefined) return cached;
  if (probability < 0.5) return -studentTQuantile(1 - probability, df);
  let low = 0;
  let high = 1;
  while (studentTCdf(high, df) < probability) high *= 2;
  for (let i = 0; i < 200 && high - low > 1e-12 * Math.max(1, high); i++) {
    const middle = (low + high) / 2;
    if (studentTCdf(middle, df) < probability) low = middle;
    else high = middle;
  }
  const result = (low + high) / 2;
  tQuantileCache.set(key, result);
  return result;
}

/** Upper 5% point of F(1, df): the square of t's two-sided 5% point. */
export function fQuantile95OneNumeratorDf(df: number): number {
  return studentTQuantile(0.975, df) ** 2;
}

// ---- Confidence intervals --------------------------------------------------------------------

export interface Interval {
  low: number;
  high: number;
}

/** Half-width of the t-based 95% confidence interval for a mean (NaN below 2 values). */
export function meanCiHalfWidth(stdev: number, n: number): number {
  if (n < 2) return Number.NaN;
  return (studentTQuantile(0.975, n - 1) * stdev) / Math.sqrt(n);
}

/**
 * Fewest warm samples for which reports show a 95% interval of a mean time: with n = 2 the t
 * quantile is 12.7 and the interval spans far past zero, which says nothing a reader can use.
 */
export const MIN_SAMPLES_FOR_SHOWN_INTERVAL = 3;

/**
 * A mean time's 95% interval as reports show it: null with fewer than
 * MIN_SAMPLES_FOR_SHOWN_INTERVAL samples, else its lower end clamped at 0 (a time cannot be
 * negative). Display only: the stored interval and the adaptive stop rule (meanCiHalfWidth) are unchanged.
 */
export function shownTimeInterval(n: number, low: number, high: number): Interval | null {
  if (!(n >= MIN_SAMPLES_FOR_SHOWN_INTERVAL) || !Number.isFinite(low) || !Number.isFinite(high)) return null;
  return { low: Math.max(0, low), high };
}

/** t-based 95% confidence interval for the mean of `values`; a single value gives [v, v]. */
export function meanConfidenceInterval(values: readonly number[]): Interval {
  const center = mean(values);
  if (values.length < 2) return { low: center, high: center };
  const halfWidth = meanCiHalfWidth(sampleStdev(values), values.length);
  return { low: center - halfWidth, high: center + halfWidth };
}

export interface SampleMoments {
  mean: number;
  stdev: number;
  n: number;
}

/**
 * 95% interval for numerator.mean / denominator.mean by the delta method on the log scale
 * (independent samples): se(log R)² = cv²(num)/n_num + cv²(den)/n_den. The log scale keeps the
 * interval positive and asymmetric like a ratio's. Degrees of freedom: Welch–Satterthwaite.
 */
export function ratioOfMeansInterval(numerator: SampleMoments, denominator: SampleMoments): { ratio: number } & Interval {
  const ratio = numerator.mean / denominator.mean;
  const varianceNumerator = numerator.n >= 2 ? (numerator.stdev / numerator.mean) ** 2 / numerator.n : Number.NaN;
  const varianceDenominator = denominator.n >= 2 ? (denominator.stdev / denominator.mean) ** 2 / denominator.n : Number.NaN;
  const variance = varianceNumerator + varianceDenominator;
  if (!Number.isFinite(variance)) return { ratio, low: Number.NaN, high: Number.NaN };
  if (variance === 0) return { ratio, low: ratio, high: ratio };
  const df = variance ** 2 / (varianceNumerator ** 2 / (numerator.n - 1) + varianceDenominator ** 2 / (denominator.n - 1));
  const spread = studentTQuantile(0.975, Math.max(1, df)) * Math.sqrt(variance);
  return { ratio, low: ratio * Math.exp(-spread), high: ratio * Math.exp(spread) };
}

// ---- Distribution-free interval for the median ------------------------------------------------

/** log of n choose k. */
function logChoose(n: number, k: number): number {
  return logGamma(n + 1) - logGamma(k + 1) - logGamma(n - k + 1);
}

/**
 * 95% confidence interval for the median from order statistics: [x(k), x(n+1−k)] with the largest
 * k such that P(Binomial(n, ½) < k) ≤ 2.5%. It assumes nothing about the shape of the
 * distribution, so the slow runs of a noisy architecture (up to 3.7× the median on the study's
 * x86_64) widen it by at most one order statistic each instead of inflating a standard deviation
 * as they do for the t interval of a mean. Below 6 values no k qualifies: the range [min, max]
 * is returned (coverage 1 − 2·½ⁿ, e.g. 94% at n = 5).
 */
export function medianConfidenceInterval(values: readonly number[]): Interval {
  const n = values.length;
  if (n === 0) return { low: Number.NaN, high: Number.NaN };
  const sorted = [...values].sort((a, b) => a - b);
  let k: number;
  if (n > 1000) {
    k = Math.max(1, Math.floor(n / 2 - (1.959964 * Math.sqrt(n)) / 2));
  } else {
    // Largest k with P(X <= k − 1) <= 0.025 for X ~ Binomial(n, ½).
    k = 1;
    let cumulative = 0;
    for (let j = 0; j < n; j++) {
      cumulative += Math.exp(logChoose(n, j) - n * Math.LN2);
      if (cumulative > 0.025) break;
      k = j + 1;
    }
    k = Math.min(k, Math.floor((n + 1) / 2));
  }
  return { low: sorted[k - 1], high: sorted[n - k] };
}

/**
 * Upper `probability` point of the chi-square distribution with `df` degrees of freedom, by the
 * Wilson–Hilferty cube-root normal approximation (within 3% at df = 1, closer as df grows).
 */
export function chiSquareQuantile(probability: number, df: number): number {
  if (!(df > 0)) throw new RangeError(`chi-square needs degrees of freedom > 0, got ${df}`);
  const z = studentTQuantile(probability, 1e6);
  const c = 2 / (9 * df);
  return df * Math.max(0, 1 - c + z * Math.sqrt(c)) ** 3;
}
