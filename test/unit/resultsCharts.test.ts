import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { AnalysisResult, ConfigSummary } from '../../src/core/analysis/analysisTypes';
import { configGroups, costVsTimeChart, heatmapGrids, speedupChart, spreadSample, timeVsMemoryChart, type ChartRun } from '../../media/results/chartModels';
import { chartToSvg, escapeXml, heatmapToSvg, linearTicks, logTicks } from '../../media/results/chartSvg';
import { BLACK, contrastRatio, heatmapCellColours, parseCssColor, scalePosition, valueRange, WHITE, type HeatmapScale } from '../../media/results/heatmapScale';
import { config } from './resultsFixtures';

function analysis(configs: ConfigSummary[]): AnalysisResult {
  return {
    configs,
    knee: [],
    recommendations: {
      fastest: null,
      cheapest: null,
      balanced: null,
      pareto: configs
        .filter((c) => c.threads === 2)
        .map((c) => ({
          arch: c.arch,
          memoryMB: c.memoryMB,
          threads: c.threads,
          strategy: c.strategy,
          meanMs: c.meanMs,
          costPerInvocationUsd: c.costPerInvocationUsd,
          reason: 'front',
        })),
    },
    warnings: [],
  };
}

/** Time ∝ 1 / min(memory, threads × 1769): the shape Lambda has. */
function grid(arch: 'arm64' | 'x86_64', memories: number[], threads: number[]): ConfigSummary[] {
  return memories.flatMap((m) =>
    threads.map((t) => {
      const meanMs = 1_000_000 / Math.min(m, t * 1769);
      return config({
        arch,
        memoryMB: m,
        threads: t,
        meanMs,
        ciLowMs: meanMs * 0.98,
        ciHighMs: meanMs * 1.02,
        speedup: t === 1 ? 1 : 1_000_000 / Math.min(m, 1769) / meanMs,
        costPerInvocationUsd: (meanMs / 1000) * (m / 1024) * 0.0000133334,
      });
    }),
  );
}

const memories = [128, 512, 1024, 1769, 2048, 3538, 4096, 8192, 10240];
const runA: ChartRun = { tag: 'A', label: 'arm', analysis: analysis(grid('arm64', memories, [1, 2, 3])) };
const runB: ChartRun = { tag: 'B', label: 'x86', analysis: analysis(grid('x86_64', memories, [1, 2, 3])) };
const theme = { background: '#1f1f1f', foreground: '#cccccc', grid: '#444444', palette: ['#3794ff', '#d18616', '#89d185'], font: 'sans-serif' };

describe('chart models', () => {
  it('draws one time-vs-memory line per thread count, by memory, with CI bands', () => {
    const spec = timeVsMemoryChart(configGroups([runA], { arch: 'all', strategy: 'all' }));
    assert.equal(spec.series.length, 3);
    assert.equal(spec.xScale, 'linear', 'memory needs a linear axis, not category labels');
    assert.deepEqual(
      spec.series[0].points.map((p) => p.x),
      memories,
    );
    assert.ok(spec.series.every((s) => s.points.every((p) => p.low !== undefined && p.low < p.y && (p.high as number) > p.y)));
    assert.deepEqual(
      spec.series.map((s) => s.colorIndex),
      [0, 1, 2],
    );
  });

  it('overlays a compared run with its own line style and labels', () => {
    const groups = configGroups([runA, runB], { arch: 'all', strategy: 'all' });
    assert.equal(groups.length, 2);
    const spec = timeVsMemoryChart(groups);
    assert.equal(spec.series.length, 6);
    assert.deepEqual([...new Set(spec.series.map((s) => s.styleIndex))], [0, 1]);
    assert.ok(spec.series[0].label.startsWith('arm · '), spec.series[0].label);
    assert.equal(configGroups([runA, runB], { arch: 'x86_64', strategy: 'all' }).length, 1, 'filters drop the other architecture');
  });

  it('speedup chart: a line per memory size (at most 6) plus the ideal line', () => {
    const spec = speedupChart(configGroups([runA], { arch: 'all', strategy: 'all' }));
    const ideal = spec.series.at(-1)!;
    assert.ok(ideal.reference && ideal.colorIndex === -1);
    assert.deepEqual(ideal.points, [
      { x: 1, y: 1 },
      { x: 2, y: 2 },
      { x: 3, y: 3 },
    ]);
    assert.equal(spec.series.length - 1, 6);
    assert.match(spec.note ?? '', /Showing 6 of 9 memory sizes/);
    assert.deepEqual(spreadSample([1, 2, 3, 4, 5, 6, 7, 8, 9], 3), [1, 5, 9]);
  });

  it('cost vs time: scatter per thread count and the Pareto front, fastest first', () => {
    const spec = costVsTimeChart(configGroups([runA], { arch: 'all', strategy: 'all' }));
    const front = spec.series.find((s) => s.label.includes('Pareto'))!;
    assert.equal(front.points.length, memories.length);
    assert.ok(front.points.every((p, i) => i === 0 || p.x >= front.points[i - 1].x));
    assert.equal(spec.series.filter((s) => s.kind === 'scatter').length, 3);
  });

  it('heatmap grid: memory rows × thread columns', () => {
    const [g] = heatmapGrids(configGroups([runA], { arch: 'all', strategy: 'all' }), 'meanMs');
    assert.deepEqual(g.memories, memories);
    assert.deepEqual(g.threads, [1, 2, 3]);
    assert.equal(g.values[0][0], 1_000_000 / 128);
    const sparse = heatmapGrids(
      configGroups([{ ...runA, analysis: analysis([config({ memoryMB: 128, threads: 1 }), config({ memoryMB: 256, threads: 2 })]) }], {
        arch: 'all',
        strategy: 'all',
      }),
      'meanMs',
    )[0];
    assert.deepEqual(sparse.values, [
      [100, null],
      [null, 100],
    ]);
  });
});

describe('heatmap colour scale', () => {
  const scale: HeatmapScale = { min: 10, max: 1000, logarithmic: true, best: [55, 148, 255], worst: [209, 134, 22], lowerIsBetter: true };

  it('parses the colour forms themes use', () => {
    assert.deepEqual(parseCssColor('#3794ff'), [55, 148, 255]);
    assert.deepEqual(parseCssColor('#fff'), [255, 255, 255]);
    assert.deepEqual(parseCssColor('#cccccc80'), [204, 204, 204]);
    assert.deepEqual(parseCssColor('rgba(1, 2, 3, 0.5)'), [1, 2, 3]);
    assert.equal(parseCssColor('var(--x)'), null);
  });

  it('places values on a log scale, best at 0, clamped', () => {
    assert.equal(scalePosition(10, scale), 0);
    assert.equal(scalePosition(1000, scale), 1);
    assert.ok(Math.abs(scalePosition(100, scale) - 0.5) < 1e-9, 'log midpoint');
    assert.equal(scalePosition(5000, scale), 1);
    assert.equal(scalePosition(3, { ...scale, lowerIsBetter: false, logarithmic: false, min: 1, max: 5 }), 0.5);
    assert.equal(scalePosition(3, { ...scale, min: 3, max: 3 }), 0, 'degenerate range');
  });

  it('interpolates between the theme ends and picks readable text', () => {
    assert.deepEqual(heatmapCellColours(10, scale).background, [55, 148, 255]);
    assert.deepEqual(heatmapCellColours(1000, scale).background, [209, 134, 22]);
    for (const v of [10, 30, 100, 300, 1000]) {
      const c = heatmapCellColours(v, scale);
      assert.ok(
        contrastRatio(c.background, c.foreground) >= 4.5 ||
          contrastRatio(c.background, c.foreground) === Math.max(contrastRatio(c.background, BLACK), contrastRatio(c.background, WHITE)),
      );
    }
    assert.deepEqual(heatmapCellColours(10, { ...scale, best: [0, 0, 0] }).foreground, WHITE);
    assert.deepEqual(valueRange([3, Number.NaN, 0, 9], true), { min: 3, max: 9 });
    assert.equal(valueRange([], false), null);
  });
});

describe('SVG export', () => {
  it('draws lines, bands, axes and a legend, escaping text', () => {
    const spec = timeVsMemoryChart(configGroups([{ ...runA, label: 'a<b>&"c"' }, runB], { arch: 'all', strategy: 'all' }));
    const svg = chartToSvg(spec, theme);
    assert.ok(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"'));
    assert.ok(svg.trimEnd().endsWith('</svg>'));
    assert.equal((svg.match(/<polyline class="series"/g) ?? []).length, 6);
    assert.equal((svg.match(/<polygon class="band"/g) ?? []).length, 6);
    assert.ok(svg.includes('a&lt;b&gt;&amp;&quot;c&quot;'));
    assert.ok(!svg.includes('a<b>'));
    assert.ok(svg.includes('stroke-dasharray="6 4"'), 'the compared run is dashed');
    // Log y axis: every tick label is 1, 2 or 5 × 10^k.
    const yTicks = [...svg.matchAll(/text-anchor="end">([\d,.]+)</g)].map((m) => Number(m[1].replace(/,/g, '')));
    assert.ok(yTicks.length >= 3 && yTicks.every((t) => [1, 2, 5].includes(Number((t / 10 ** Math.floor(Math.log10(t))).toPrecision(3)))), String(yTicks));
  });

  it('places points by value: the largest memory is right of the smallest', () => {
    const svg = chartToSvg(timeVsMemoryChart(configGroups([runA], { arch: 'all', strategy: 'all' })), theme);
    const first = /<polyline class="series"[^>]* points="([^"]+)"/
      .exec(svg)![1]
      .split(' ')
      .map((p) => p.split(',').map(Number));
    assert.ok(first[0][0] < first.at(-1)![0]);
    assert.ok(first[0][1] < first.at(-1)![1], 'slowest (128 MB) is drawn highest');
    // 1769 MB sits ~(1769-128)/(10240-128) of the way along, not evenly spaced like a category axis.
    const x = (i: number): number => first[i][0];
    const share = (x(3) - x(0)) / (x(first.length - 1) - x(0));
    assert.ok(Math.abs(share - (1769 - 128) / (10240 - 128)) < 0.01, String(share));
  });

  it('exports the heatmap as coloured cells with values', () => {
    const grids = heatmapGrids(configGroups([runA, runB], { arch: 'all', strategy: 'all' }), 'meanMs');
    const svg = heatmapToSvg(grids, {
      theme,
      best: [55, 148, 255],
      worst: [209, 134, 22],
      lowerIsBetter: true,
      logarithmic: true,
      metricLabel: 'Mean time (ms)',
      format: (v) => v.toFixed(0),
    });
    assert.equal((svg.match(/<rect class="cell"/g) ?? []).length, memories.length * 3 * 2);
    assert.ok(svg.includes('fill="rgb(55, 148, 255)"'), 'best cell uses the best colour');
    assert.ok(svg.includes('>7813<'), '128 MB × 1 thread value is written');
  });

  it('makes round ticks', () => {
    assert.deepEqual(linearTicks(0, 10, 5), [0, 2, 4, 6, 8, 10]);
    assert.deepEqual(logTicks(15, 600), [20, 50, 100, 200, 500]);
    assert.equal(escapeXml(`<'&">`), '&lt;&apos;&amp;&quot;&gt;');
  });
});
