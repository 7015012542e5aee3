// Draws ChartSpecs with Chart.js (bundled from npm; works under the strict CSP because it needs
// neither eval nor inline style attributes) and exports them as PNG and SVG.
import {
  Chart,
  Filler,
  Legend,
  LinearScale,
  LineController,
  LineElement,
  LogarithmicScale,
  PointElement,
  ScatterController,
  Tooltip,
  type ChartDataset,
  type ChartOptions,
  type Plugin,
} from 'chart.js';
import type { ChartSpec } from './chartModels';
import { chartToSvg, DASH_PATTERNS, formatTick, PREDICTED_DASH, seriesColor } from './chartSvg';
import { withAlpha, type ThemeColors } from './themeColors';

Chart.register(LineController, ScatterController, LineElement, PointElement, LinearScale, LogarithmicScale, Filler, Legend, Tooltip);

// Markers vary with the colour index too, so lines with similar theme colours (orange, yellow) stay apart, and colour is never the only cue.
const POINT_STYLES = ['circle', 'rect', 'triangle', 'rectRot', 'crossRot', 'star'] as const;

/** Paints the theme background first, so an exported PNG is readable outside the editor. */
const backgroundPlugin: Plugin<'line'> = {
  id: 'lambdaLabBackground',
  beforeDraw(chart, _args, options: { color?: string }) {
    if (!options.color) return;
    const { ctx } = chart;
    ctx.save();
    ctx.globalCompositeOperation = 'destination-over';
    ctx.fillStyle = options.color;
    ctx.fillRect(0, 0, chart.width, chart.height);
    ctx.restore();
  },
};

type XY = { x: number; y: number };

function datasetsFor(spec: ChartSpec, theme: ThemeColors): Array<ChartDataset<'line', XY[]>> {
  const datasets: Array<ChartDataset<'line', XY[]>> = [];
  for (const series of spec.series) {
    const color = seriesColor(series, theme);
    const banded = series.points.filter((p) => p.low !== undefined && p.high !== undefined);
    if (series.kind === 'line' && banded.length >= 2) {
      // Two invisible lines with the area between them filled: the 95% confidence band.
      datasets.push({
        label: `${series.label} (95% CI high)`,
        data: banded.map((p) => ({ x: p.x, y: p.high as number })),
        borderWidth: 0,
        pointRadius: 0,
        fill: false,
        borderColor: 'transparent',
        order: 2,
      });
      datasets.push({
        label: `${series.label} (95% CI low)`,
        data: banded.map((p) => ({ x: p.x, y: p.low as number })),
        borderWidth: 0,
        pointRadius: 0,
        fill: '-1',
        borderColor: 'transparent',
        backgroundColor: withAlpha(color, 0.15),
        order: 2,
      });
    }
    const dash = series.predicted ? PREDICTED_DASH : series.reference ? DASH_PATTERNS[1] : DASH_PATTERNS[series.styleIndex % DASH_PATTERNS.length];
    datasets.push({
      label: series.label,
      data: series.points.map((p) => ({ x: p.x, y: p.y })),
      borderColor: color,
      backgroundColor: color,
      borderWidth: series.reference ? 2 : 2,
      borderDash: [...dash],
      showLine: series.kind === 'line',
      pointRadius: series.kind === 'scatter' ? 4 : series.reference ? 0 : 3,
      // Predicted points are hollow: the dash and the hollow marker both say "not measured".
      ...(series.predicted ? { backgroundColor: theme.background, pointBorderWidth: 2 } : {}),
      pointStyle: POINT_STYLES[(Math.max(0, series.colorIndex) + series.styleIndex) % POINT_STYLES.length],
      // Reference lines (ideal speedup, Pareto front) are drawn on top of the data.
      order: series.reference ? 0 : 1,
      fill: false,
      tension: 0,
    });
  }
  return datasets;
}

function isRoundLogTick(value: number): boolean {
  if (!(value > 0)) return false;
  const mantissa = Number((value / 10 ** Math.floor(Math.log10(value) + 1e-9)).toPrecision(6));
  return mantissa === 1 || mantissa === 2 || mantissa === 5;
}

export function renderChart(canvas: HTMLCanvasElement, spec: ChartSpec, theme: ThemeColors): Chart<'line', XY[]> {
  const axis = (type: 'linear' | 'logarithmic', title: string) => ({
    type,
    title: { display: true, text: title, color: theme.foreground },
    // Log axes get a tick at every integer multiple of a power of ten; label only 1, 2 and 5 × 10^k so they stay legible.
    ticks: {
      color: theme.foreground,
      maxRotation: 0,
      // Chart.js's own skipping would drop the round labels we keep; blank ones take no space.
      autoSkip: type !== 'logarithmic',
      callback: (value: number | string) => (type === 'logarithmic' && !isRoundLogTick(Number(value)) ? '' : formatTick(Number(value))),
    },
    grid: { color: theme.grid },
    border: { color: theme.foreground },
  });
  return new Chart<'line', XY[]>(canvas, {
    type: 'line',
    data: { datasets: datasetsFor(spec, theme) },
    plugins: [backgroundPlugin],
    options: {
      // No animation: live updates redraw often, and tests and exports want the final picture at once.
      animation: false,
      responsive: true,
      maintainAspectRatio: false,
      parsing: false,
      normalized: true,
      color: theme.foreground,
      font: { family: theme.font },
      // Built per chart (linear or logarithmic), so typed as the union Chart.js accepts.
      scales: {
        x: { ...axis(spec.xScale, spec.xLabel), ...(spec.id === 'speedupVsThreads' ? { ticks: { color: theme.foreground, stepSize: 1 } } : {}) },
        y: axis(spec.yScale, spec.yLabel),
      } as ChartOptions<'line'>['scales'],
      plugins: {
        legend: {
          position: 'bottom',
          labels: { color: theme.foreground, boxHeight: 2, filter: (item) => !String(item.text).includes('(95% CI') },
        },
        tooltip: {
          filter: (item) => !String(item.dataset.label).includes('(95% CI'),
          callbacks: { label: (item) => `${item.dataset.label}: ${formatTick((item.raw as XY).x)}, ${formatTick((item.raw as XY).y)}` },
        },
        // Chart.js passes plugin options by plugin id.
        ...({ lambdaLabBackground: { color: theme.background } } as object),
      },
    },
  });
}

export function chartPng(chart: Chart<'line', XY[]>): string {
  return chart.toBase64Image('image/png', 1);
}

export function chartSvg(spec: ChartSpec, theme: ThemeColors): string {
  return chartToSvg(spec, theme);
}
