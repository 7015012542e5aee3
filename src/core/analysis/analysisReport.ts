// Plain-text rendering of an AnalysisResult (what `lambda-lab analyze` prints), and the stable
// JSON projection that `lambda-lab analyze --json` prints. Pure: returns strings.
import { formatUsd } from '../usdFormat';
import type { AnalysisResult, ConfigSummary, KneeEstimate, PredictedConfig, Recommendation } from './analysisTypes';
import type { AdaptiveSimulationResult } from './adaptiveSimulation';
import { breakpointRangeNumbers } from './kneeFinder';
import { strategyLabel } from './payloads';
import { MIN_SAMPLES_FOR_SHOWN_INTERVAL, shownTimeInterval } from './statistics';

/** The 95% CI of the mean as the summary shows it: clamped at 0, or "n<3" when too few samples give it meaning. */
function shownCi(c: ConfigSummary, t: (ms: number) => string): string {
  const interval = shownTimeInterval(c.n, c.ciLowMs, c.ciHighMs);
  return interval ? `${t(interval.low)}–${t(interval.high)}` : `n<${MIN_SAMPLES_FOR_SHOWN_INTERVAL}`;
}

/** Column-aligned text table; numbers right-aligned, text left-aligned. */
export function textTable(header: readonly string[], rows: ReadonlyArray<readonly string[]>, rightAligned: readonly boolean[]): string {
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => row[column].length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((cell, column) => (rightAligned[column] ? cell.padStart(widths[column]) : cell.padEnd(widths[column])))
      .join('  ')
      .trimEnd();
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

function fixed(value: number | null | undefined, digits: number): string {
  return value === null || value === undefined || !Number.isFinite(value) ? '-' : value.toFixed(digits);
}

function money(value: number | null | undefined): string {
  return formatUsd(value, { scale: 'perInvocation', missing: '-' });
}

/** Seconds when the typical time is a second or more, else milliseconds. */
function timeUnit(configs: readonly ConfigSummary[]): { label: string; scale: number; digits: number } {
  const means = configs
    .map((c) => c.meanMs)
    .filter(Number.isFinite)
    .sort((a, b) => a - b);
  const typical = means.length ? means[Math.floor(means.length / 2)] : 0;
  return typical >= 1000 ? { label: 's', scale: 1000, digits: 3 } : { label: 'ms', scale: 1, digits: 1 };
}

function formatSummaryTable(configs: readonly ConfigSummary[], ownFunction?: boolean): string {
  const unit = timeUnit(configs);
  const t = (ms: number) => fixed(ms / unit.scale, unit.digits);
  const header = [
    'arch',
    'strategy',
    'threads',
    'memMB',
    'n',
    'cold',
    'err',
    `mean ${unit.label}`,
    `median`,
    `p90`,
    `stdev`,
    `95% CI of mean`,
    'speedup',
    'speedup CI',
    'eff',
    'vCPUs',
    'cost/inv',
    'cost/1k items',
    'cores',
  ];
  const rows = configs.map((c) => [
    c.arch,
    strategyLabel(c.strategy, ownFunction),
    String(c.threads),
    String(c.memoryMB),
    String(c.n),
    String(c.coldStarts),
    String(c.errors),
    t(c.meanMs),
    t(c.medianMs),
    t(c.p90Ms),
    c.aggregateOnly ? '-' : t(c.stdevMs),
    c.aggregateOnly ? '-' : shownCi(c, t),
    fixed(c.speedup, 2),
    c.speedupCiLow === null || c.speedupCiHigh === null ? '-' : `${fixed(c.speedupCiLow, 2)}–${fixed(c.speedupCiHigh, 2)}`,
    fixed(c.efficiency, 2),
    fixed(c.effectiveVcpus, 2),
    money(c.costPerInvocationUsd),
    money(c.costPer1000ItemsUsd),
    c.cores === null ? '-' : String(c.cores),
  ]);
  const right = header.map((_, column) => column >= 2);
  return textTable(header, rows, right);
}

/**
 * The headline ("knee MB", the smallest tested size on the plateau) and the fitted breakpoint K with
 * its 95% range are separate columns: K is a model figure between tested sizes, the knee is a size
 * you can deploy. `tolerance` only labels the column of the smallest size within it of the plateau.
 */
export function formatKneeTable(knees: readonly KneeEstimate[], tolerance = 0.05, ownFunction?: boolean): string {
  const header = [
    'arch',
    'strategy',
    'threads',
    'knee MB',
    'fitted K MB (95% range)',
    'threads×1769',
    'model (grid)',
    'Δ steps',
    `≤${Number((tolerance * 100).toFixed(2))}% slower`,
    'note',
  ];
  // Notes run to hundreds of characters (one clause per tested size inside K's range): as a column they
  // widen every line of the table, so the column holds a marker and the notes follow the table.
  const notes: string[] = [];
  const rows = knees.map((k) => {
    const grid = k.modelGridMB;
    const steps = grid !== undefined && Number.isFinite(k.memoryMB) ? String(Math.round((k.memoryMB - grid) / 256)) : '-';
    const fitted =
      k.breakpointMB === undefined
        ? '-'
        : `${k.breakpointMB} (${k.breakpointLowMB !== undefined && k.breakpointHighMB !== undefined ? breakpointRangeNumbers(k.breakpointLowMB, k.breakpointHighMB, '–') : '-'})`;
    const verdict =
      k.reachedInRange === false
        ? k.breakpointMB !== undefined && k.breakpointMB < k.memoryMB
          ? 'plateau not confirmed: test a larger size'
          : 'still faster at the largest memory'
        : k.method.startsWith('smallest tested size')
          ? ''
          : k.method;
    return [
      k.arch,
      strategyLabel(k.strategy, ownFunction),
      String(k.threads),
      `${k.reachedInRange === false ? '>=' : ''}${fixed(k.memoryMB, 0)}`,
      fitted,
      String(k.modelMB),
      grid === undefined ? 'beyond' : String(grid),
      steps,
      fixed(k.toleranceMB, 0),
      noteMarker([verdict, k.rangeNote ?? ''].filter(Boolean).join('; '), notes),
    ];
  });
  const table = textTable(
    header,
    rows,
    header.map((_, column) => column >= 2 && column <= 8),
  );
  return notes.length === 0 ? table : [table, '', ...notes.map((note, index) => `[${index + 1}] ${note}`)].join('\n');
}

/** A short note stays in the column; a long one becomes `[n]`, printed under the table. */
function noteMarker(note: string, notes: string[]): string {
  if (note.length <= 40) return note;
  notes.push(note);
  return `[${notes.length}]`;
}

function recommendationLine(label: string, r: Recommendation | null, ownFunction?: boolean): string {
  if (!r) return `  ${label.padEnd(9)} -`;
  return `  ${label.padEnd(9)} ${r.arch} ${r.memoryMB} MB, ${r.threads} thread${r.threads === 1 ? '' : 's'} (${strategyLabel(r.strategy, ownFunction)}): ${r.reason}`;
}

export function formatRecommendations(recommendations: AnalysisResult['recommendations'], ownFunction?: boolean): string {
  const lines = [
    recommendationLine('fastest', recommendations.fastest, ownFunction),
    recommendationLine('cheapest', recommendations.cheapest, ownFunction),
    recommendationLine('balanced', recommendations.balanced, ownFunction),
    ...(recommendations.predicted ?? []).map(
      (p) =>
        `  ${`${p.kind}?`.padEnd(9)} ${p.arch} ${p.memoryMB} MB, ${p.threads} thread${p.threads === 1 ? '' : 's'} (${strategyLabel(p.strategy, ownFunction)}) [predicted]: ${p.reason}`,
    ),
    `  Pareto front of cost vs time (${recommendations.pareto.length} configurations, fastest first):`,
    ...recommendations.pareto.map(
      (p) =>
        `    ${p.arch} ${String(p.memoryMB).padStart(5)} MB ${String(p.threads).padStart(2)} thr ${strategyLabel(p.strategy, ownFunction)}  ${(p.meanMs / 1000).toFixed(3)} s  ${money(p.costPerInvocationUsd)}  ${p.reason}`,
    ),
  ];
  return lines.join('\n');
}

export function formatAnalysisText(result: AnalysisResult, options: { summaryTable?: boolean; title?: string; tolerance?: number } = {}): string {
  const parts: string[] = [];
  if (options.title) parts.push(options.title);
  if (options.summaryTable !== false)
    parts.push('Per configuration (warm invocations; cold starts and errors counted apart)', formatSummaryTable(result.configs, result.ownFunction));
  const estimated = result.configs.some((c) => c.costBasis === 'processing');
  if (estimated) parts.push("Cost is estimated from the function's processing time (billed duration unknown), rounded up to 1 ms.");
  const percent = `${Number(((options.tolerance ?? 0.05) * 100).toFixed(2))}%`;
  parts.push(
    [
      'Knee per (arch, strategy, threads): the smallest tested size on the plateau, every larger size too. The plateau level is the median of the',
      `medians past the fitted breakpoint; a size just below the breakpoint counts when its median is within ${percent} of it and not significantly`,
      'slower (distribution-free 95% intervals). Fitted K: the breakpoint of time = a + b/min(memory, K), a model figure, not a tested size.',
      `Δ steps = (knee − model) / 256 MB; "≤${percent} slower": smallest tested size from which every measured median is within ${percent} of the plateau.`,
    ].join('\n'),
    formatKneeTable(result.knee, options.tolerance, result.ownFunction),
  );
  if (result.predictions) {
    parts.push(
      'Predicted, NOT measured (scaling model per arch and strategy across memory and threads; 95% prediction intervals). Measure a configuration to confirm it.',
      result.predictions.length
        ? formatPredictionTable(result.predictions, result.ownFunction)
        : '  (every requested configuration was measured: nothing to predict)',
    );
  }
  parts.push('Recommendations', formatRecommendations(result.recommendations, result.ownFunction));
  if (result.warnings.length) parts.push('Warnings', ...result.warnings.map((w) => `  ${w}`));
  return parts.join('\n\n') + '\n';
}

/** One row per predicted configuration, each marked "predicted". */
export function formatPredictionTable(predictions: readonly PredictedConfig[], ownFunction?: boolean): string {
  const unit = predictions.some((p) => p.predictedMs >= 1000) ? { label: 's', scale: 1000, digits: 3 } : { label: 'ms', scale: 1, digits: 1 };
  const t = (ms: number) => fixed(ms / unit.scale, unit.digits);
  const header = ['arch', 'strategy', 'threads', 'memMB', `predicted ${unit.label}`, '95% interval', 'cost/inv', ''];
  const rows = predictions.map((p) => [
    p.arch,
    strategyLabel(p.strategy, ownFunction),
    String(p.threads),
    String(p.memoryMB),
    t(p.predictedMs),
    `${t(p.lowMs)}–${t(p.highMs)}`,
    money(p.costUsd),
    'predicted',
  ]);
  return textTable(
    header,
    rows,
    header.map((_, i) => i >= 2 && i <= 6),
  );
}

/** The stable object printed by `lambda-lab analyze --json`. */
export function stableAnalysisJson(result: AnalysisResult): {
  configs: object[];
  knee: object[];
  recommendations: AnalysisResult['recommendations'];
  predictions?: PredictedConfig[];
} {
  const finite = (value: number | null) => (value === null || !Number.isFinite(value) ? null : value);
  const spread = (config: ConfigSummary, value: number) => (config.aggregateOnly ? null : finite(value));
  return {
    configs: result.configs.map((c) => ({
      arch: c.arch,
      memoryMB: c.memoryMB,
      threads: c.threads,
      strategy: c.strategy,
      n: c.n,
      // Mean-only imports (AggregatedResults.csv) have no spread: say so with null, not with the mean.
      meanMs: finite(c.meanMs),
      medianMs: spread(c, c.medianMs),
      p90Ms: spread(c, c.p90Ms),
      stdevMs: spread(c, c.stdevMs),
      ciLowMs: spread(c, c.ciLowMs),
      ciHighMs: spread(c, c.ciHighMs),
      speedup: finite(c.speedup),
      efficiency: finite(c.efficiency),
      costPerInvocationUsd: finite(c.costPerInvocationUsd),
    })),
    knee: result.knee.map((k) => ({
      arch: k.arch,
      strategy: k.strategy,
      threads: k.threads,
      memoryMB: finite(k.memoryMB),
      lowMB: finite(k.lowMB),
      highMB: finite(k.highMB),
    })),
    recommendations: result.recommendations,
    ...(result.predictions
      ? {
          predictions: result.predictions.map((p) => ({
            arch: p.arch,
            strategy: p.strategy,
            threads: p.threads,
            memoryMB: p.memoryMB,
            predictedMs: p.predictedMs,
            lowMs: p.lowMs,
            highMs: p.highMs,
            costUsd: p.costUsd,
          })),
        }
      : {}),
  };
}

export function formatSimulationTable(results: readonly AdaptiveSimulationResult[]): string {
  const header = ['target CI', 'min reps', 'invocations', 'of fixed', 'share', 'configs at max', 'same knee table', 'differences'];
  const rows = results.map((r) => [
    `${Number((r.targetRelativeHalfWidth * 100).toFixed(2))}%`,
    String(r.minRepetitions),
    String(r.invocations),
    String(r.fixedInvocations),
    `${((r.invocations / r.fixedInvocations) * 100).toFixed(1)}%`,
    `${r.configsAtMaximum}/${r.configs}`,
    r.sameKneeTable ? 'yes' : 'no',
    r.differences.join('; '),
  ]);
  return textTable(header, rows, [true, true, true, true, true, true, false, false]);
}
