// Invocation records (our runs) and/or imported means (the study's AggregatedResults.csv) →
// the AnalysisResult that `lambda-lab analyze` prints and the results view draws.
import type { InvocationRecord } from '../invocationRecord';
import type { AnalysisResult, ConfigSummary } from './analysisTypes';
import { addRelativeMeasures, compareConfigs, configIdentityKey, summarizeAggregates, summarizeConfigurations, type SummaryOptions } from './configSummary';
import { findKnees, type KneeOptions } from './kneeFinder';
import { recommend, recommendPredicted, type RecommendationOptions } from './recommendations';
import { predictUnmeasured } from './scalingModel';
import type { AggregatedConfig } from './seedCsvImport';

export interface AnalyzeOptions extends SummaryOptions, KneeOptions, RecommendationOptions {
  /** Memory sizes to predict every measured thread count at (unmeasured configurations only); none when absent. */
  predictMemoryMB?: readonly number[];
}

export function analyzeSummaries(configs: ConfigSummary[], options: AnalyzeOptions = {}, warnings: string[] = []): AnalysisResult {
  const result: AnalysisResult = { configs, knee: findKnees(configs, options), recommendations: recommend(configs, options), warnings };
  if (options.predictMemoryMB) {
    const predictions = predictUnmeasured(configs, options.predictMemoryMB, options.region);
    result.predictions = predictions;
    result.recommendations.predicted = recommendPredicted(configs, predictions);
  }
  return result;
}

export function analyzeRecords(records: readonly InvocationRecord[], options: AnalyzeOptions = {}, warnings: string[] = []): AnalysisResult {
  return analyzeSummaries(summarizeConfigurations(records, options), options, warnings);
}

/**
 * Records and means together. A configuration present in both keeps the per-invocation data
 * (it has the spread); the duplicate mean is dropped with a warning.
 */
export function analyzeMixed(
  records: readonly InvocationRecord[],
  aggregates: readonly AggregatedConfig[],
  options: AnalyzeOptions = {},
  warnings: string[] = [],
): AnalysisResult {
  const fromRecords = summarizeConfigurations(records, options);
  const covered = new Set(fromRecords.map(configIdentityKey));
  const extra = aggregates.filter((aggregate) => !covered.has(configIdentityKey(aggregate)));
  const dropped = aggregates.length - extra.length;
  const allWarnings = [...warnings];
  if (dropped > 0) {
    const files = [...new Set(aggregates.map((a) => a.source))].join(', ');
    allWarnings.push(
      `${files}: ${dropped} configuration mean${dropped === 1 ? ' is' : 's are'} also present per invocation; the per-invocation data is used for ${dropped === 1 ? 'it' : 'them'}.`,
    );
  }
  const configs = addRelativeMeasures([...fromRecords, ...summarizeAggregates(extra, options)].sort(compareConfigs));
  return analyzeSummaries(configs, options, allWarnings);
}
