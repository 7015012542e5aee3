// Fastest, cheapest and balanced configuration, and the Pareto front, each with a one-line reason.
//
// Balanced = the fastest configuration whose cost per invocation is at most `costSlack` (default
// 10%) above the cheapest one's. For CPU-bound work cost ≈ price × memory × time, which stays
// nearly constant while threads are used efficiently, so a small premium usually buys a large
// speed-up; the definition says exactly what you pay for it, unlike a time×cost product (which
// for such data simply picks the fastest) or a distance-to-ideal rule (which depends on scaling).
import { formatUsd } from '../usdFormat';
import type { AnalysisResult, ConfigSummary, PredictedConfig, PredictedRecommendation, Recommendation } from './analysisTypes';
import { paretoFront } from './paretoFront';
import { strategyLabel } from './payloads';

export interface RecommendationOptions {
  /** Extra cost the balanced pick may carry over the cheapest, as a fraction (default 0.10). */
  costSlack?: number;
  /** A sweep of your own function: reasons name its configurations' strategy as "your function" (strategyLabel). */
  ownFunction?: boolean;
}

/** A configuration in a reason's words, e.g. "arm64 1769 MB 2 threads (pool)". */
function describe(c: Pick<ConfigSummary, 'arch' | 'memoryMB' | 'threads' | 'strategy'>, ownFunction: boolean | undefined): string {
  return `${c.arch} ${c.memoryMB} MB ${c.threads} thread${c.threads === 1 ? '' : 's'} (${strategyLabel(c.strategy, ownFunction)})`;
}

function seconds(ms: number): string {
  return ms >= 10000 ? `${(ms / 1000).toFixed(1)} s` : ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${ms.toFixed(0)} ms`;
}

function usd(value: number): string {
  return formatUsd(value, { scale: 'perInvocation' });
}

function recommendation(kind: Recommendation['kind'], config: ConfigSummary, reason: string): Recommendation {
  return {
    kind,
    arch: config.arch,
    memoryMB: config.memoryMB,
    threads: config.threads,
    strategy: config.strategy,
    meanMs: config.meanMs,
    costPerInvocationUsd: config.costPerInvocationUsd,
    reason,
  };
}

export function recommend(configs: readonly ConfigSummary[], options: RecommendationOptions = {}): AnalysisResult['recommendations'] {
  const costSlack = options.costSlack ?? 0.1;
  const usable = configs.filter((c) => c.n > 0 && Number.isFinite(c.meanMs) && Number.isFinite(c.costPerInvocationUsd));
  if (usable.length === 0) return { fastest: null, cheapest: null, balanced: null, pareto: [] };
  const estimated = usable.some((c) => c.costBasis === 'processing') ? ' (cost estimated from processing time)' : '';

  const fastest = [...usable].sort((p, q) => p.meanMs - q.meanMs || p.costPerInvocationUsd - q.costPerInvocationUsd)[0];
  const cheapest = [...usable].sort((p, q) => p.costPerInvocationUsd - q.costPerInvocationUsd || p.meanMs - q.meanMs)[0];
  const budget = cheapest.costPerInvocationUsd * (1 + costSlack);
  const nearCheapest = usable.filter((c) => c.costPerInvocationUsd <= cheapest.costPerInvocationUsd * 1.01).length;
  const balanced = [...usable]
    .filter((c) => c.costPerInvocationUsd <= budget)
    .sort((p, q) => p.meanMs - q.meanMs || p.costPerInvocationUsd - q.costPerInvocationUsd)[0];

  const front = paretoFront(usable);
  const pareto = front.map((config, index) => {
    const faster = front[index - 1];
    const reason =
      index === 0
        ? `fastest of all (${seconds(config.meanMs)}); nothing is both as fast and cheaper`
        : `${(100 * (1 - config.costPerInvocationUsd / faster.costPerInvocationUsd)).toPrecision(2)}% cheaper than the next faster option, ${(config.meanMs / faster.meanMs).toFixed(2)}× its time`;
    return {
      arch: config.arch,
      memoryMB: config.memoryMB,
      threads: config.threads,
      strategy: config.strategy,
      meanMs: config.meanMs,
      costPerInvocationUsd: config.costPerInvocationUsd,
      reason,
    };
  });

  return {
    fastest: recommendation(
      'fastest',
      fastest,
      `lowest mean time ${seconds(fastest.meanMs)} of ${usable.length} configurations, at ${usd(fastest.costPerInvocationUsd)} per invocation${estimated}`,
    ),
    cheapest: recommendation(
      'cheapest',
      cheapest,
      `lowest cost ${usd(cheapest.costPerInvocationUsd)} per invocation${estimated}, but ${seconds(cheapest.meanMs)} (${(cheapest.meanMs / fastest.meanMs).toFixed(1)}× the fastest); ${nearCheapest - 1} other configuration${nearCheapest === 2 ? '' : 's'} cost within 1% of it`,
    ),
    balanced: recommendation(
      'balanced',
      balanced,
      `fastest configuration costing at most ${(costSlack * 100).toFixed(0)}% more than the cheapest: ${seconds(balanced.meanMs)} (${(cheapest.meanMs / balanced.meanMs).toFixed(1)}× faster than the cheapest) for ${((balanced.costPerInvocationUsd / cheapest.costPerInvocationUsd - 1) * 100).toFixed(1)}% more cost`,
    ),
    pareto,
  };
}

/**
 * Predicted configurations worth measuring: the predicted fastest when even its slow end (the top of
 * its 95% interval) beats the measured fastest, and the predicted cheapest when it costs less than
 * the measured cheapest. Each is named as predicted and says which measurement would confirm it;
 * the measured recommendations are never replaced by a prediction.
 */
export function recommendPredicted(
  configs: readonly ConfigSummary[],
  predictions: readonly PredictedConfig[],
  options: Pick<RecommendationOptions, 'ownFunction'> = {},
): PredictedRecommendation[] {
  const { ownFunction } = options;
  const measured = configs.filter((c) => c.n > 0 && Number.isFinite(c.meanMs) && Number.isFinite(c.costPerInvocationUsd));
  if (measured.length === 0 || predictions.length === 0) return [];
  // The configuration the Fastest recommendation names (lowest mean), so the two lines agree; it is compared
  // through its median, the centre the scaling model predicts (the mean for mean-only imports).
  const fastest = [...measured].sort((p, q) => p.meanMs - q.meanMs || p.costPerInvocationUsd - q.costPerInvocationUsd)[0];
  const fastestCentreMs = fastest.aggregateOnly ? fastest.meanMs : fastest.medianMs;
  const cheapest = measured.reduce((p, q) => (q.costPerInvocationUsd < p.costPerInvocationUsd ? q : p));
  const out: PredictedRecommendation[] = [];
  const predictedFastest = predictions.reduce((p, q) => (q.highMs < p.highMs ? q : p));
  if (predictedFastest.highMs < fastestCentreMs) {
    out.push({
      ...predictedFastest,
      kind: 'fastest',
      reason: `PREDICTED, not measured: ${seconds(predictedFastest.predictedMs)} (95% ${seconds(predictedFastest.lowMs)}–${seconds(predictedFastest.highMs)}) against ${seconds(fastestCentreMs)} (median) for the measured fastest (${describe(fastest, ownFunction)}); measure ${describe(predictedFastest, ownFunction)} to confirm`,
    });
  }
  const predictedCheapest = predictions.reduce((p, q) => (q.costUsd < p.costUsd ? q : p));
  if (predictedCheapest.costUsd < cheapest.costPerInvocationUsd) {
    out.push({
      ...predictedCheapest,
      kind: 'cheapest',
      reason: `PREDICTED, not measured: ${usd(predictedCheapest.costUsd)} per invocation (${seconds(predictedCheapest.predictedMs)}, 95% ${seconds(predictedCheapest.lowMs)}–${seconds(predictedCheapest.highMs)}) against ${usd(cheapest.costPerInvocationUsd)} for the measured cheapest (${describe(cheapest, ownFunction)}); measure ${describe(predictedCheapest, ownFunction)} to confirm`,
    });
  }
  return out;
}
