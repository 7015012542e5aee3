// Replays recorded repetitions through the adaptive sampler (in recorded order) to measure how
// many invocations adaptive sampling would have needed, and whether it yields the same knee
// table as the full design. Used by `lambda-lab analyze --simulate-adaptive`.
import type { InvocationRecord } from '../invocationRecord';
import type { KneeEstimate } from './analysisTypes';
import { createAdaptiveSampler, type AdaptiveSamplingOptions } from './adaptiveSampling';
import { configIdentityKey, isWarmSuccess, summarizeConfigurations, type SummaryOptions } from './configSummary';
import { findKnees, type KneeOptions } from './kneeFinder';

export interface AdaptiveSimulationResult {
  targetRelativeHalfWidth: number;
  minRepetitions: number;
  /** Invocations the adaptive design would have made (cold starts and errors met on the way included). */
  invocations: number;
  /** Invocations in the data (the fixed design). */
  fixedInvocations: number;
  /** Configurations that hit the maximum (all their recorded repetitions) before the CI target. */
  configsAtMaximum: number;
  configs: number;
  knee: KneeEstimate[];
  /** True when every (arch, strategy, threads) has the same knee memory (and reached-in-range flag). */
  sameKneeTable: boolean;
  /** Families whose knee differs: "arm64 batch 5 threads: 9216 → 8960 MB". */
  differences: string[];
  /** True when every differing knee still lies inside the full design's own 95% range. */
  differencesWithinFixedRange: boolean;
}

function familyKey(knee: KneeEstimate): string {
  return `${knee.arch} ${knee.strategy} ${knee.threads} thread${knee.threads === 1 ? '' : 's'}`;
}

/** The records each configuration would have produced had it stopped adaptively. */
function truncateAdaptively(
  records: readonly InvocationRecord[],
  options: AdaptiveSamplingOptions,
): { kept: InvocationRecord[]; configsAtMaximum: number; configs: number } {
  const byConfig = new Map<string, InvocationRecord[]>();
  for (const record of records) {
    const key = configIdentityKey(record);
    const list = byConfig.get(key) ?? [];
    list.push(record);
    byConfig.set(key, list);
  }
  const sampler = createAdaptiveSampler(options);
  const kept: InvocationRecord[] = [];
  let configsAtMaximum = 0;
  for (const [key, list] of byConfig) {
    let stopped = false;
    for (const record of list) {
      kept.push(record);
      if (isWarmSuccess(record)) sampler.observe(key, record.processingMs as number);
      if (!sampler.shouldContinue(key)) {
        stopped = true;
        break;
      }
    }
    if (!stopped || (sampler.stopReason(key) ?? '').startsWith('max')) configsAtMaximum++;
  }
  return { kept, configsAtMaximum, configs: byConfig.size };
}

export function simulateAdaptiveSampling(
  records: readonly InvocationRecord[],
  samplingOptions: AdaptiveSamplingOptions,
  analysisOptions: SummaryOptions & KneeOptions = {},
  fullKnee?: KneeEstimate[],
): AdaptiveSimulationResult {
  const reference = fullKnee ?? findKnees(summarizeConfigurations(records, analysisOptions), analysisOptions);
  const { kept, configsAtMaximum, configs } = truncateAdaptively(records, samplingOptions);
  const knee = findKnees(summarizeConfigurations(kept, analysisOptions), analysisOptions);
  const byFamily = new Map(knee.map((k) => [familyKey(k), k]));
  const differences: string[] = [];
  let differencesWithinFixedRange = true;
  for (const full of reference) {
    const adaptive = byFamily.get(familyKey(full));
    if (!adaptive) {
      differences.push(`${familyKey(full)}: missing`);
      differencesWithinFixedRange = false;
    } else if (adaptive.memoryMB !== full.memoryMB || (adaptive.reachedInRange ?? true) !== (full.reachedInRange ?? true)) {
      const inside = adaptive.memoryMB >= full.lowMB && adaptive.memoryMB <= full.highMB;
      if (!inside) differencesWithinFixedRange = false;
      differences.push(
        `${familyKey(full)}: ${full.memoryMB} → ${adaptive.memoryMB} MB (${inside ? 'inside' : 'outside'} the fixed design's 95% range ${full.lowMB}-${full.highMB})`,
      );
    }
  }
  const sampler = createAdaptiveSampler(samplingOptions);
  return {
    targetRelativeHalfWidth: sampler.options.targetRelativeHalfWidth,
    minRepetitions: sampler.options.minRepetitions,
    invocations: kept.length,
    fixedInvocations: records.length,
    configsAtMaximum,
    configs,
    knee,
    sameKneeTable: differences.length === 0,
    differences,
    differencesWithinFixedRange,
  };
}
