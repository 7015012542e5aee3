// Turns one or two analysed runs into chart descriptions that both the Chart.js renderer (charts.ts)
// and the SVG exporter (chartSvg.ts) draw. Pure, so what a chart shows is unit-tested in Node.
import type { ConfigSummary } from '../../src/core/analysis/analysisTypes';
import type { AnalysisResult } from '../../src/core/analysis/analysisTypes';
import { strategyLabel } from '../../src/core/analysis/payloads';
import type { ChartId } from '../../src/shared/resultsProtocol';

export interface ChartRun {
  /** 'A' for the primary run, 'B' for the compared one. */
  tag: 'A' | 'B';
  label: string;
  analysis: AnalysisResult;
}

export interface ChartFilters {
  /** 'all' or an architecture / strategy name. */
  arch: string;
  strategy: string;
}

export interface SeriesPoint {
  x: number;
  y: number;
  /** Confidence band around y, if known. */
  low?: number;
  high?: number;
}

export interface ChartSeries {
  label: string;
  kind: 'line' | 'scatter';
  /** Index into the theme palette; -1 = the foreground colour (reference lines). */
  colorIndex: number;
  /** Index into the dash patterns / point shapes; tells runs and (arch, strategy) groups apart. */
  styleIndex: number;
  /** Reference lines (ideal speedup) and fronts are drawn dashed and thinner. */
  reference: boolean;
  /** Model predictions, not measurements: drawn with the predicted dash and hollow points, labelled "(predicted)". */
  predicted?: boolean;
  points: SeriesPoint[];
}

export interface ChartSpec {
  id: ChartId;
  title: string;
  xLabel: string;
  yLabel: string;
  xScale: 'linear' | 'logarithmic';
  yScale: 'linear' | 'logarithmic';
  series: ChartSeries[];
  /** One sentence for screen readers and the figure caption. */
  description: string;
  /** Shown under the chart when something was left out. */
  note?: string;
}

/** A configuration group drawn with its own line style: one run's (arch, strategy). */
export interface ConfigGroup {
  run: ChartRun;
  arch: string;
  strategy: string;
  styleIndex: number;
  configs: ConfigSummary[];
  /** Label prefix; empty when there is only one group. */
  prefix: string;
}

function uniqueSorted(values: number[]): number[] {
  return [...new Set(values)].sort((a, b) => a - b);
}

/** Splits the runs into (run, arch, strategy) groups after the filters. */
export function configGroups(runs: readonly ChartRun[], filters: ChartFilters): ConfigGroup[] {
  const groups: ConfigGroup[] = [];
  for (const run of runs) {
    const keys = new Map<string, ConfigSummary[]>();
    for (const config of run.analysis.configs) {
      if (filters.arch !== 'all' && config.arch !== filters.arch) continue;
      if (filters.strategy !== 'all' && config.strategy !== filters.strategy) continue;
      const key = `${config.arch}\u0000${config.strategy}`;
      const list = keys.get(key) ?? [];
      list.push(config);
      keys.set(key, list);
    }
    for (const [key, configs] of [...keys].sort(([a], [b]) => a.localeCompare(b))) {
      const [arch, strategy] = key.split('\u0000');
      groups.push({ run, arch, strategy, styleIndex: groups.length, configs, prefix: '' });
    }
  }
  const compare = runs.length > 1;
  // Name the (arch, strategy) only where a run holds more than one; the run's label says the rest.
  const groupsPerRun = (run: ChartRun): number => groups.filter((g) => g.run === run).length;
  for (const group of groups) {
    const parts = [
      compare ? group.run.label : '',
      groupsPerRun(group.run) > 1 ? `${group.arch} ${strategyLabel(group.strategy, group.run.analysis.ownFunction)}` : '',
    ].filter(Boolean);
    group.prefix = parts.length ? `${parts.join(' · ')} · ` : '';
  }
  return groups;
}

export function timeVsMemoryChart(groups: readonly ConfigGroup[]): ChartSpec {
  const allThreads = uniqueSorted(groups.flatMap((g) => g.configs.map((c) => c.threads)));
  const series: ChartSeries[] = [];
  for (const group of groups) {
    for (const threads of uniqueSorted(group.configs.map((c) => c.threads))) {
      const points = group.configs
        .filter((c) => c.threads === threads && Number.isFinite(c.meanMs))
        .sort((a, b) => a.memoryMB - b.memoryMB)
        .map((c) => ({ x: c.memoryMB, y: c.meanMs, low: c.ciLowMs, high: c.ciHighMs }));
      series.push({
        label: `${group.prefix}${threads} thread${threads === 1 ? '' : 's'}`,
        kind: 'line',
        colorIndex: allThreads.indexOf(threads),
        styleIndex: group.styleIndex,
        reference: false,
        points,
      });
      const predicted = (group.run.analysis.predictions ?? [])
        .filter((p) => p.arch === group.arch && p.strategy === group.strategy && p.threads === threads)
        .sort((a, b) => a.memoryMB - b.memoryMB);
      if (predicted.length) {
        // The measured points anchor the dashed line, so it reads as the model's continuation of the measured curve.
        const merged = [
          ...points.map((p) => ({ ...p, measured: true })),
          ...predicted.map((p) => ({ x: p.memoryMB, y: p.predictedMs, low: p.lowMs, high: p.highMs, measured: false })),
        ];
        merged.sort((a, b) => a.x - b.x);
        series.push({
          label: `${group.prefix}${threads} thread${threads === 1 ? '' : 's'} (predicted)`,
          kind: 'line',
          colorIndex: allThreads.indexOf(threads),
          styleIndex: group.styleIndex,
          reference: false,
          predicted: true,
          points: merged.map(({ x, y, low, high, measured }) => (measured ? { x, y } : { x, y, low, high })),
        });
      }
    }
  }
  const anyPredicted = series.some((s) => s.predicted);
  return {
    id: 'timeVsMemory',
    title: 'Time vs memory',
    xLabel: 'Memory (MB)',
    yLabel: 'Mean time (ms, log scale)',
    xScale: 'linear',
    yScale: 'logarithmic',
    series,
    description: `Mean processing time against memory size, one line per thread count (${allThreads.join(', ')}), with 95% confidence bands.`,
    ...(anyPredicted
      ? {
          note: 'Dashed lines labelled (predicted): model predictions at memory sizes not measured, with 95% prediction intervals; measure a size to confirm it.',
        }
      : {}),
  };
}

/** Picks at most `limit` memory sizes spread evenly over the sorted list, always the smallest and largest. */
export function spreadSample(values: readonly number[], limit: number): number[] {
  if (values.length <= limit) return [...values];
  const picked = new Set<number>();
  for (let i = 0; i < limit; i++) picked.add(values[Math.round((i * (values.length - 1)) / (limit - 1))]);
  return [...picked].sort((a, b) => a - b);
}

export const MAX_SPEEDUP_LINES_PER_GROUP = 6;

export function speedupChart(groups: readonly ConfigGroup[]): ChartSpec {
  const allMemories = uniqueSorted(groups.flatMap((g) => g.configs.filter((c) => c.speedup !== null).map((c) => c.memoryMB)));
  const shown = spreadSample(allMemories, MAX_SPEEDUP_LINES_PER_GROUP);
  const series: ChartSeries[] = [];
  for (const group of groups) {
    for (const memoryMB of shown) {
      const points = group.configs
        .filter((c) => c.memoryMB === memoryMB && c.speedup !== null && Number.isFinite(c.speedup))
        .sort((a, b) => a.threads - b.threads)
        .map((c) => ({ x: c.threads, y: c.speedup as number, low: c.speedupCiLow ?? undefined, high: c.speedupCiHigh ?? undefined }));
      if (points.length === 0) continue;
      series.push({
        label: `${group.prefix}${memoryMB} MB`,
        kind: 'line',
        colorIndex: shown.indexOf(memoryMB),
        styleIndex: group.styleIndex,
        reference: false,
        points,
      });
    }
  }
  const allThreads = uniqueSorted(groups.flatMap((g) => g.configs.map((c) => c.threads)));
  if (allThreads.length > 0) {
    series.push({
      label: 'Ideal (speedup = threads)',
      kind: 'line',
      colorIndex: -1,
      styleIndex: 0,
      reference: true,
      points: allThreads.map((t) => ({ x: t, y: t })),
    });
  }
  return {
    id: 'speedupVsThreads',
    title: 'Speedup vs threads',
    xLabel: 'Threads',
    yLabel: 'Speedup over 1 thread',
    xScale: 'linear',
    yScale: 'linear',
    series,
    description: `Speedup over one thread against thread count for memory sizes ${shown.join(', ')} MB, with the ideal line speedup = threads.`,
    note: allMemories.length > shown.length ? `Showing ${shown.length} of ${allMemories.length} memory sizes; the table has all of them.` : undefined,
  };
}

export function costVsTimeChart(groups: readonly ConfigGroup[]): ChartSpec {
  const allThreads = uniqueSorted(groups.flatMap((g) => g.configs.map((c) => c.threads)));
  const series: ChartSeries[] = [];
  for (const group of groups) {
    for (const threads of uniqueSorted(group.configs.map((c) => c.threads))) {
      const points = group.configs
        .filter((c) => c.threads === threads && Number.isFinite(c.meanMs) && Number.isFinite(c.costPerInvocationUsd))
        .map((c) => ({ x: c.meanMs, y: c.costPerInvocationUsd }));
      series.push({
        label: `${group.prefix}${threads} thread${threads === 1 ? '' : 's'}`,
        kind: 'scatter',
        colorIndex: allThreads.indexOf(threads),
        styleIndex: group.styleIndex,
        reference: false,
        points,
      });
    }
    const front = group.run.analysis.recommendations.pareto
      .filter((p) => p.arch === group.arch && p.strategy === group.strategy)
      .map((p) => ({ x: p.meanMs, y: p.costPerInvocationUsd }))
      .sort((a, b) => a.x - b.x);
    if (front.length > 0) {
      series.push({ label: `${group.prefix}Pareto front`, kind: 'line', colorIndex: -1, styleIndex: group.styleIndex, reference: true, points: front });
    }
  }
  return {
    id: 'costVsTime',
    title: 'Cost vs time',
    xLabel: 'Mean time (ms, log scale)',
    yLabel: 'Cost per invocation (USD, log scale)',
    xScale: 'logarithmic',
    yScale: 'logarithmic',
    series,
    description:
      'Cost per invocation against mean time for every configuration, coloured by thread count, with the Pareto front (no other configuration is both faster and cheaper).',
  };
}

export type HeatmapMetric = 'meanMs' | 'speedup' | 'costPerInvocationUsd';

export interface HeatmapGrid {
  title: string;
  metric: HeatmapMetric;
  memories: number[];
  threads: number[];
  /** values[row = memory index][column = threads index]; null where no configuration was measured. */
  values: Array<Array<number | null>>;
}

export function heatmapGrids(groups: readonly ConfigGroup[], metric: HeatmapMetric): HeatmapGrid[] {
  return groups.map((group) => {
    const memories = uniqueSorted(group.configs.map((c) => c.memoryMB));
    const threads = uniqueSorted(group.configs.map((c) => c.threads));
    const values = memories.map((m) =>
      threads.map((t) => {
        const config = group.configs.find((c) => c.memoryMB === m && c.threads === t);
        const value = config ? config[metric] : null;
        return typeof value === 'number' && Number.isFinite(value) ? value : null;
      }),
    );
    const title = `${group.run.label} · ${group.arch} ${strategyLabel(group.strategy, group.run.analysis.ownFunction)}`;
    return { title, metric, memories, threads, values };
  });
}

export const HEATMAP_METRICS: ReadonlyArray<{ id: HeatmapMetric; label: string; lowerIsBetter: boolean; logarithmic: boolean }> = [
  { id: 'meanMs', label: 'Mean time (ms)', lowerIsBetter: true, logarithmic: true },
  { id: 'speedup', label: 'Speedup', lowerIsBetter: false, logarithmic: false },
  { id: 'costPerInvocationUsd', label: 'Cost per invocation (USD)', lowerIsBetter: true, logarithmic: true },
];
