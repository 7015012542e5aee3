// The analysis result: what `lambda-lab analyze --json` prints and what the results view draws.
// Field names are a stable public format.
import type { Architecture, Strategy } from '../experimentConfig';

export interface ConfigSummary {
  arch: Architecture;
  memoryMB: number;
  threads: number;
  strategy: Strategy;
  /** Warm invocations without error that the statistics use. */
  n: number;
  /** Cold starts (including warm-ups), kept apart from the statistics above. */
  coldStarts: number;
  errors: number;
  meanMs: number;
  medianMs: number;
  p90Ms: number;
  stdevMs: number;
  /** 95% confidence interval for the mean. */
  ciLowMs: number;
  ciHighMs: number;
  /** Distribution-free 95% confidence interval for the median (order statistics); absent for mean-only imports. */
  medianCiLowMs?: number;
  medianCiHighMs?: number;
  /** Mean time of 1 thread at the same (arch, memory, strategy) / this mean; null if no 1-thread data. */
  speedup: number | null;
  speedupCiLow: number | null;
  speedupCiHigh: number | null;
  /** speedup / threads. */
  efficiency: number | null;
  /**
   * vCPUs' worth of work this configuration delivers: the fastest 1-thread mean of the same
   * (arch, strategy) — one full vCPU once memory >= 1769 MB was tested — divided by this mean.
   * Falls back to `speedup` when that is all there is. null without 1-thread data.
   */
  effectiveVcpus: number | null;
  costPerInvocationUsd: number;
  costPer1000ItemsUsd: number | null;
  /** 'billed' when Lambda's billed duration was known, 'processing' when estimated from the function's own timer. */
  costBasis: 'billed' | 'processing';
  /** Visible cores reported by the function (most common value), if known. */
  cores: number | null;
  /**
   * True when only a mean was imported (the study's AggregatedResults.csv): median, p90, stdev
   * and the CI then repeat the mean and carry no information about spread.
   */
  aggregateOnly?: boolean;
}

export interface KneeEstimate {
  arch: Architecture;
  strategy: Strategy;
  threads: number;
  /**
   * The headline: the smallest tested memory on the plateau, every larger tested size on it too
   * (decided by the measurements at each size against the plateau level, with their uncertainty).
   */
  memoryMB: number;
  /** Tested sizes the knee could be at: the fitted breakpoint's 95% range snapped to tested sizes, widened to hold memoryMB. */
  lowMB: number;
  highMB: number;
  /** threads × 1769 MB, what Lambda's documented CPU allocation predicts. */
  modelMB: number;
  method: string;
  /** threads × 1769 snapped up to the memory sizes tested (what memoryMB is compared with). */
  modelGridMB?: number;
  /** The fitted hinge breakpoint K (not snapped to tested sizes), MB: a separate figure from the headline. */
  breakpointMB?: number;
  /** 95% profile-likelihood range of K, MB (not snapped). */
  breakpointLowMB?: number;
  breakpointHighMB?: number;
  /** Plateau level estimated from the measurements at the sizes past the breakpoint, ms. */
  plateauMs?: number;
  /** What a tested size inside the breakpoint's range means for the headline (absent when none lies inside). */
  rangeNote?: string;
  /** False when time was still falling at the largest memory tested (knee at or beyond it). */
  reachedInRange?: boolean;
  /** Smallest tested memory from which every tested size's measured time is within the tolerance of the plateau. */
  toleranceMB?: number;
}

export interface Recommendation {
  kind: 'fastest' | 'cheapest' | 'balanced';
  arch: Architecture;
  memoryMB: number;
  threads: number;
  strategy: Strategy;
  meanMs: number;
  costPerInvocationUsd: number;
  /** One line saying why. */
  reason: string;
}

export interface AnalysisResult {
  /**
   * True when the records are a sweep of your own function (each names its payload): their
   * `strategy` is the template's default and reports show "your function" instead.
   */
  ownFunction?: boolean;
  configs: ConfigSummary[];
  knee: KneeEstimate[];
  recommendations: {
    fastest: Recommendation | null;
    cheapest: Recommendation | null;
    balanced: Recommendation | null;
    /** Configurations on the cost-vs-time Pareto front, fastest first. */
    pareto: Array<{ arch: Architecture; memoryMB: number; threads: number; strategy: Strategy; meanMs: number; costPerInvocationUsd: number; reason: string }>;
    /**
     * Predicted (never measured) configurations that would beat the measured fastest or cheapest,
     * each named as predicted, with the measurement that would confirm it. Present with predictions.
     */
    predicted?: PredictedRecommendation[];
  };
  /** Model predictions for configurations nobody measured (scalingModel.ts); present when asked for. */
  predictions?: PredictedConfig[];
  /** Problems met while reading input (corrupt lines, skipped rows): file, line, message. */
  warnings: string[];
}

/** A configuration's time and cost predicted by the scaling model, with a 95% prediction interval. */
export interface PredictedConfig {
  arch: Architecture;
  strategy: Strategy;
  threads: number;
  memoryMB: number;
  predictedMs: number;
  lowMs: number;
  highMs: number;
  costUsd: number;
}

export interface PredictedRecommendation extends PredictedConfig {
  kind: 'fastest' | 'cheapest';
  /** Says it is predicted, what it would beat, and which measurement would confirm it. */
  reason: string;
}
