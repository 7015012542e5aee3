// Per-configuration statistics (arch, memory, threads, strategy): what the summary table shows.
// Only warm, successful invocations enter the statistics; cold starts (and warm-ups) and errors
// are counted apart, because one cold start can add more than a whole warm run.
import type { Architecture, Strategy } from '../experimentConfig';
import type { InvocationRecord } from '../invocationRecord';
import { invocationCostUsd } from '../pricing';
import type { ConfigSummary } from './analysisTypes';
import type { AggregatedConfig } from './seedCsvImport';
import { mean, meanConfidenceInterval, median, medianConfidenceInterval, mode, quantile, ratioOfMeansInterval, sampleStdev } from './statistics';

export interface SummaryOptions {
  /** Pricing region; us-east-1 when absent. */
  region?: string;
  /** Items each invocation processed, for cost per 1,000 items (null = unknown). */
  itemsPerInvocation?: number | null;
}

export interface ConfigIdentity {
  arch: Architecture;
  memoryMB: number;
  threads: number;
  strategy: Strategy;
}

/** The warm, successful samples of one configuration, in the order they were recorded. */
export interface ConfigSamples extends ConfigIdentity {
  samplesMs: number[];
  /** Billed ms per sample, null where Lambda's billed duration is unknown. */
  billedMs: Array<number | null>;
  coresSeen: number[];
  coldStarts: number;
  errors: number;
}

export function configIdentityKey(config: ConfigIdentity): string {
  return `${config.arch}|${config.memoryMB}|${config.threads}|${config.strategy}`;
}

/** Orders configurations for tables: arch, strategy, threads, memory. */
export function compareConfigs(a: ConfigIdentity, b: ConfigIdentity): number {
  return a.arch.localeCompare(b.arch) || a.strategy.localeCompare(b.strategy) || a.threads - b.threads || a.memoryMB - b.memoryMB;
}

export function isWarmSuccess(record: InvocationRecord): boolean {
  return record.error === null && !record.coldStart && !record.warmup && typeof record.processingMs === 'number' && Number.isFinite(record.processingMs);
}

function groupRecords(records: readonly InvocationRecord[]): ConfigSamples[] {
  const groups = new Map<string, ConfigSamples>();
  for (const record of records) {
    const key = configIdentityKey(record);
    let group = groups.get(key);
    if (!group) {
      group = {
        arch: record.arch,
        memoryMB: record.memoryMB,
        threads: record.threads,
        strategy: record.strategy,
        samplesMs: [],
        billedMs: [],
        coresSeen: [],
        coldStarts: 0,
        errors: 0,
      };
      groups.set(key, group);
    }
    if (record.error !== null || typeof record.processingMs !== 'number' || !Number.isFinite(record.processingMs)) {
      group.errors++;
    } else if (record.coldStart || record.warmup) {
      group.coldStarts++;
    } else {
      group.samplesMs.push(record.processingMs);
      group.billedMs.push(typeof record.billedMs === 'number' && Number.isFinite(record.billedMs) ? record.billedMs : null);
    }
    if (typeof record.cores === 'number') group.coresSeen.push(record.cores);
  }
  return [...groups.values()].sort(compareConfigs);
}

function costOf(group: ConfigSamples, region: string | undefined): { cost: number; basis: 'billed' | 'processing' } {
  if (group.samplesMs.length === 0) return { cost: Number.NaN, basis: 'processing' };
  let total = 0;
  let estimated = false;
  group.samplesMs.forEach((processingMs, index) => {
    const billed = group.billedMs[index];
    // Lambda bills whole milliseconds; without its billed duration, the function's own timer
    // rounded up is the best estimate we have (it omits runtime start-up overhead).
    if (billed === null) estimated = true;
    const billedMs = billed ?? Math.ceil(processingMs);
    total += invocationCostUsd({ billedMs, memoryMB: group.memoryMB, arch: group.arch, region });
  });
  return { cost: total / group.samplesMs.length, basis: estimated ? 'processing' : 'billed' };
}

function summarizeGroup(group: ConfigSamples, options: SummaryOptions): ConfigSummary {
  const samples = group.samplesMs;
  const interval = meanConfidenceInterval(samples);
  const medianInterval = medianConfidenceInterval(samples);
  const { cost, basis } = costOf(group, options.region);
  const items = options.itemsPerInvocation ?? null;
  return {
    arch: group.arch,
    memoryMB: group.memoryMB,
    threads: group.threads,
    strategy: group.strategy,
    n: samples.length,
    coldStarts: group.coldStarts,
    errors: group.errors,
    meanMs: mean(samples),
    medianMs: median(samples),
    p90Ms: quantile(samples, 0.9),
    stdevMs: sampleStdev(samples),
    ciLowMs: interval.low,
    ciHighMs: interval.high,
    medianCiLowMs: medianInterval.low,
    medianCiHighMs: medianInterval.high,
    speedup: null,
    speedupCiLow: null,
    speedupCiHigh: null,
    efficiency: null,
    effectiveVcpus: null,
    costPerInvocationUsd: cost,
    costPer1000ItemsUsd: items && items > 0 && Number.isFinite(cost) ? (cost / items) * 1000 : null,
    costBasis: basis,
    cores: mode(group.coresSeen),
  };
}

/**
 * Speedup against 1 thread at the same (arch, memory, strategy), with a delta-method 95% CI,
 * parallel efficiency and effective vCPUs. Mutates and returns `configs`.
 */
export function addRelativeMeasures(configs: ConfigSummary[]): ConfigSummary[] {
  const oneThread = new Map<string, ConfigSummary>();
  const fastestOneThread = new Map<string, number>();
  for (const config of configs) {
    if (config.threads !== 1 || !(config.n > 0)) continue;
    oneThread.set(configIdentityKey(config), config);
    const family = `${config.arch}|${config.strategy}`;
    fastestOneThread.set(family, Math.min(fastestOneThread.get(family) ?? Infinity, config.meanMs));
  }
  for (const config of configs) {
    const base = oneThread.get(configIdentityKey({ ...config, threads: 1 }));
    if (base && config.n > 0) {
      const spreadKnown = !base.aggregateOnly && !config.aggregateOnly;
      const interval = ratioOfMeansInterval({ mean: base.meanMs, stdev: base.stdevMs, n: base.n }, { mean: config.meanMs, stdev: config.stdevMs, n: config.n });
      const isBase = base === config; // 1 thread against itself: exactly 1, no uncertainty
      config.speedup = isBase ? 1 : interval.ratio;
      config.speedupCiLow = isBase ? 1 : spreadKnown && Number.isFinite(interval.low) ? interval.low : null;
      config.speedupCiHigh = isBase ? 1 : spreadKnown && Number.isFinite(interval.high) ? interval.high : null;
      config.efficiency = config.speedup / config.threads;
    }
    const fastest = fastestOneThread.get(`${config.arch}|${config.strategy}`);
    config.effectiveVcpus = fastest !== undefined && config.n > 0 ? fastest / config.meanMs : config.speedup;
  }
  return configs;
}

export function summarizeConfigurations(records: readonly InvocationRecord[], options: SummaryOptions = {}): ConfigSummary[] {
  return addRelativeMeasures(groupRecords(records).map((group) => summarizeGroup(group, options)));
}

/**
 * Summaries from means alone (AggregatedResults.csv). The spread fields repeat the mean and
 * `aggregateOnly` says so; n is 1 (one mean per configuration). Cost is estimated from the mean.
 */
export function summarizeAggregates(aggregates: readonly AggregatedConfig[], options: SummaryOptions = {}): ConfigSummary[] {
  const configs = aggregates.map((aggregate): ConfigSummary => {
    const group: ConfigSamples = {
      ...aggregate,
      samplesMs: [aggregate.meanMs],
      billedMs: [null],
      coresSeen: aggregate.cores === null ? [] : [aggregate.cores],
      coldStarts: 0,
      errors: 0,
    };
    return { ...summarizeGroup(group, options), aggregateOnly: true };
  });
  return addRelativeMeasures(configs.sort(compareConfigs));
}
