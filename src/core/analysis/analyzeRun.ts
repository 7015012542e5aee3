// Invocation records (our runs) and/or imported means (the study's AggregatedResults.csv) →
// the AnalysisResult that `lambda-lab analyze` prints and the results view draws.
import type { InvocationRecord } from '../invocationRecord';
import type { AnalysisResult, ConfigSummary } from './analysisTypes';
import { addRelativeMeasures, compareConfigs, configIdentityKey, summarizeAggregates, summarizeConfigurations, type SummaryOptions } from './configSummary';
import { findKnees, type KneeOptions } from './kneeFinder';
import { recommend, recommendPredicted, type RecommendationOptions } from './recommendations';
import { isOwnFunctionRecords } from './payloads';
import { predictUnmeasured } from './scalingModel';
import type { AggregatedConfig } from './seedCsvImport';

export interface AnalyzeOptions extends SummaryOptions, KneeOptions, RecommendationOptions {
  /** Memory sizes to predict every measured thread count at (unmeasured configurations only); none when absent. */
  predictMemoryMB?: readonly number[];
}

/** `options.ownFunction`: the configurations are of your own function (marked so, and named so in reasons). */
export function analyzeSummaries(configs: ConfigSummary[], options: AnalyzeOptions = {}, warnings: string[] = []): AnalysisResult {
  const result: AnalysisResult = {
    ...(options.ownFunction ? { ownFunction: true } : {}),
    configs,
    knee: findKnees(configs, options),
    recommendations: recommend(configs, options),
    warnings,
  };
  if (options.predictMemoryMB) {
    const predictions = predictUnmeasured(configs, options.predictMemoryMB, options.region);
    result.predictions = predictions;
    result.recommendations.predicted = recommendPredicted(configs, predictions, options);
  }
  return result;
}

/**
 * Null, or why these records cannot be analysed together: they sent different payloads (a sweep of
 * your own function with several payloads, or runs of different workloads), and averaging them would
 * merge different workloads into one configuration. Records without a payload name are the template's
 * when measured without a time source, and your function's from before payloads were named when they
 * carry one (`timeSource`); an error record without either takes the workload of the rest.
 */
export function mixedPayloadProblem(records: readonly InvocationRecord[]): string | null {
  const counts = new Map<string, number>();
  let unattributedErrors = 0;
  for (const record of records) {
    const name =
      typeof record.payload === 'string'
        ? record.payload
        : record.timeSource !== undefined
          ? UNNAMED_OWN_WORKLOAD
          : record.error !== null && record.error !== undefined
            ? undefined
            : TEMPLATE_WORKLOAD;
    if (name === undefined) unattributedErrors += 1;
    else counts.set(name, (counts.get(name) ?? 0) + 1);
  }
  if (unattributedErrors > 0) {
    const owner = counts.has(UNNAMED_OWN_WORKLOAD) && !counts.has(TEMPLATE_WORKLOAD) ? UNNAMED_OWN_WORKLOAD : TEMPLATE_WORKLOAD;
    if (counts.size > 0 || owner === TEMPLATE_WORKLOAD) counts.set(owner, (counts.get(owner) ?? 0) + unattributedErrors);
  }
  if (counts.size <= 1) return null;
  const named = [...counts.keys()].filter((name) => name !== TEMPLATE_WORKLOAD && name !== UNNAMED_OWN_WORKLOAD);
  const remedy =
    named.length > 0
      ? `so they are analysed one payload at a time (lambda-lab analyze <run> --payload ${named[0]}).`
      : 'so analyse each run on its own (lambda-lab analyze <run>), or compare them side by side in the results view.';
  return (
    `the invocations sent ${counts.size} different payloads (${[...counts].map(([name, n]) => `${name}: ${n}`).join(', ')}); ` +
    `averaging them would merge different workloads into one configuration, ${remedy}`
  );
}

/** How mixedPayloadProblem names records that carry no payload (the template function's). */
export const TEMPLATE_WORKLOAD = 'the template event';
/** Your function's records from before payloads were named (no `payload`, but a `timeSource`). */
export const UNNAMED_OWN_WORKLOAD = 'your function (payload not named)';

function refuseMixedPayloads(records: readonly InvocationRecord[]): void {
  const problem = mixedPayloadProblem(records);
  if (problem) throw new Error(`Cannot analyse these records together: ${problem}`);
}

export function analyzeRecords(records: readonly InvocationRecord[], options: AnalyzeOptions = {}, warnings: string[] = []): AnalysisResult {
  refuseMixedPayloads(records);
  return analyzeSummaries(summarizeConfigurations(records, options), withOwnFunction(options, records, []), warnings);
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
  refuseMixedPayloads(records);
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
  return analyzeSummaries(configs, withOwnFunction(options, records, aggregates), allWarnings);
}

/**
 * The options, marked ownFunction when the records are a sweep of your own function (their run.json
 * said so: options.ownFunction, or the records show it), and no template means are mixed in.
 */
function withOwnFunction(options: AnalyzeOptions, records: readonly InvocationRecord[], aggregates: readonly AggregatedConfig[]): AnalyzeOptions {
  const ownFunction = aggregates.length === 0 && records.length > 0 && (options.ownFunction === true || isOwnFunctionRecords(records));
  return { ...options, ownFunction };
}
