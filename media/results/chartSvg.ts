// SVG export of a chart, drawn from the same ChartSpec the Chart.js canvas shows. Our own small
// serializer (axes, ticks, lines, bands, points, legend) rather than a canvas-to-SVG shim: the
// result is a real vector file with the data in it. Pure, so it is unit-tested in Node.
import type { ChartSeries, ChartSpec, HeatmapGrid } from './chartModels';
import { heatmapCellColours, rgbToCss, valueRange, type HeatmapScale, type Rgb } from './heatmapScale';

export interface SvgTheme {
  background: string;
  foreground: string;
  grid: string;
  /** Series colours; index = ChartSeries.colorIndex (wrapped). */
  palette: string[];
  font: string;
}

export const DASH_PATTERNS: ReadonlyArray<readonly number[]> = [[], [6, 4], [2, 3], [8, 3, 2, 3]];
/** Model predictions: long dashes with wide gaps, unlike every measured pattern above. */
export const PREDICTED_DASH: readonly number[] = [12, 6];

export function escapeXml(text: string): string {
  return text.replace(/[<>&"']/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' })[c] as string);
}

export function seriesColor(series: Pick<ChartSeries, 'colorIndex'>, theme: Pick<SvgTheme, 'palette' | 'foreground'>): string {
  if (series.colorIndex < 0 || theme.palette.length === 0) return theme.foreground;
  return theme.palette[series.colorIndex % theme.palette.length];
}

/** Round tick values for a linear axis: 1, 2 or 5 × 10^k steps, about `count` of them. */
export function linearTicks(min: number, max: number, count = 6): number[] {
  if (!(max > min)) return [min];
  const raw = (max - min) / count;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * magnitude).find((s) => s >= raw) ?? 10 * magnitude;
  const ticks: number[] = [];
  for (let v = Math.ceil(min / step) * step; v <= max + step * 1e-9; v += step) ticks.push(Number(v.toPrecision(12)));
  return ticks;
}

/** Ticks for a log axis: 1, 2, 5 × each decade inside the range. */
export function logTicks(min: number, max: number): number[] {
  if (!(min > 0) || !(max > min)) return [min];
  const ticks: number[] = [];
  for (let exp = Math.floor(Math.log10(min)); exp <= Math.ceil(Math.log10(max)); exp++) {
    for (const m of [1, 2, 5]) {
      const v = m * 10 ** exp;
      if (v >= min && v <= max) ticks.push(Number(v.toPrecision(12)));
    }
  }
  return ticks.length >= 2 ? ticks : [min, max];
}

export function formatTick(value: number): string {
  const abs = Math.abs(value);
  if (abs !== 0 && (abs < 0.001 || abs >= 1e6)) return value.toExponential(1);
  return Number(value.toPrecision(4)).toLocaleString('en-US', { maximumFractionDigits: 6 });
}

interface Axis {
  min: number;
  max: number;
  log: boolean;
  ticks: number[];
}

function axisFor(values: number[], log: boolean, includeZero: boolean): Axis {
  let usable = values.filter((v) => Number.isFinite(v) && (!log || v > 0));
  if (usable.length === 0) usable = log ? [1, 10] : [0, 1];
  let min = Math.min(...usable);
  let max = Math.max(...usable);
  if (log) {
    min = min / 1.15;
    max = max * 1.15;
    return { min, max, log, ticks: logTicks(min, max) };
  }
  if (includeZero) min = Math.min(0, min);
  if (max === min) max = min + 1;
  const pad = (max - min) * 0.05;
  min = includeZero && min === 0 ? 0 : min - pad;
  max = max + pad;
  return { min, max, log, ticks: linearTicks(min, max) };
}

const n = (v: number): string => (Math.round(v * 10) / 10).toString();

/** A complete SVG document for a line/scatter chart. */
export function chartToSvg(spec: ChartSpec, theme: SvgTheme, width = 900, height = 520): string {
  const legendWidth = 220;
  const margin = { left: 78, right: legendWidth + 16, top: 44, bottom: 56 };
  const plotW = width - margin.left - margin.right;
  const plotH = height - margin.top - margin.bottom;
  const xs = spec.series.flatMap((s) => s.points.map((p) => p.x));
  const ys = spec.series.flatMap((s) => s.points.flatMap((p) => [p.y, p.low ?? p.y, p.high ?? p.y]));
  const xAxis = axisFor(xs, spec.xScale === 'logarithmic', false);
  const yAxis = axisFor(ys, spec.yScale === 'logarithmic', spec.yScale === 'linear');
  const project = (axis: Axis, v: number, size: number, invert: boolean): number => {
    const f = (x: number): number => (axis.log ? Math.log10(x) : x);
    const t = (f(v) - f(axis.min)) / (f(axis.max) - f(axis.min));
    return invert ? size * (1 - t) : size * t;
  };
  const px = (v: number): number => margin.left + project(xAxis, v, plotW, false);
  const py = (v: number): number => margin.top + project(yAxis, v, plotH, true);
  const usable = (p: { x: number; y: number }): boolean => Number.isFinite(p.x) && Number.isFinite(p.y) && (!xAxis.log || p.x > 0) && (!yAxis.log || p.y > 0);

  const out: string[] = [];
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="${escapeXml(theme.font)}" font-size="12">`,
    `<title>${escapeXml(spec.title)}</title>`,
    `<desc>${escapeXml(spec.description)}</desc>`,
    `<rect x="0" y="0" width="${width}" height="${height}" fill="${escapeXml(theme.background)}"/>`,
    `<text x="${margin.left}" y="24" font-size="15" font-weight="bold" fill="${escapeXml(theme.foreground)}">${escapeXml(spec.title)}</text>`,
  );
  // Grid and tick labels.
  out.push(`<g class="grid" stroke="${escapeXml(theme.grid)}" stroke-width="1">`);
  for (const t of xAxis.ticks) out.push(`<line x1="${n(px(t))}" y1="${margin.top}" x2="${n(px(t))}" y2="${margin.top + plotH}"/>`);
  for (const t of yAxis.ticks) out.push(`<line x1="${margin.left}" y1="${n(py(t))}" x2="${margin.left + plotW}" y2="${n(py(t))}"/>`);
  out.push('</g>');
  out.push(`<g class="ticks" fill="${escapeXml(theme.foreground)}">`);
  for (const t of xAxis.ticks) out.push(`<text x="${n(px(t))}" y="${margin.top + plotH + 18}" text-anchor="middle">${escapeXml(formatTick(t))}</text>`);
  for (const t of yAxis.ticks) out.push(`<text x="${margin.left - 8}" y="${n(py(t) + 4)}" text-anchor="end">${escapeXml(formatTick(t))}</text>`);
  out.push('</g>');
  out.push(
    `<rect x="${margin.left}" y="${margin.top}" width="${plotW}" height="${plotH}" fill="none" stroke="${escapeXml(theme.foreground)}" stroke-width="1"/>`,
    `<text x="${margin.left + plotW / 2}" y="${height - 14}" text-anchor="middle" fill="${escapeXml(theme.foreground)}">${escapeXml(spec.xLabel)}</text>`,
    `<text transform="translate(18 ${margin.top + plotH / 2}) rotate(-90)" text-anchor="middle" fill="${escapeXml(theme.foreground)}">${escapeXml(spec.yLabel)}</text>`,
  );
  // Bands first so lines sit on top of them.
  for (const series of spec.series) {
    const banded = series.points.filter(
      (p) => p.low !== undefined && p.high !== undefined && usable(p) && usable({ x: p.x, y: p.low }) && usable({ x: p.x, y: p.high }),
    );
    if (series.kind !== 'line' || banded.length < 2) continue;
    const upper = banded.map((p) => `${n(px(p.x))},${n(py(p.high as number))}`);
    const lower = banded.map((p) => `${n(px(p.x))},${n(py(p.low as number))}`).reverse();
    out.push(
      `<polygon class="band" points="${[...upper, ...lower].join(' ')}" fill="${escapeXml(seriesColor(series, theme))}" fill-opacity="0.15" stroke="none"/>`,
    );
  }
  for (const series of spec.series) {
    const color = escapeXml(seriesColor(series, theme));
    const points = series.points.filter(usable);
    const label = escapeXml(series.label);
    if (series.kind === 'line') {
      const dash = series.predicted ? PREDICTED_DASH : DASH_PATTERNS[series.reference ? 1 : series.styleIndex % DASH_PATTERNS.length];
      const dashAttr = dash.length ? ` stroke-dasharray="${dash.join(' ')}"` : '';
      out.push(
        `<polyline class="series" data-label="${label}" points="${points.map((p) => `${n(px(p.x))},${n(py(p.y))}`).join(' ')}" fill="none" stroke="${color}" stroke-width="${series.reference ? 1.5 : 2}"${dashAttr}/>`,
      );
    } else {
      out.push(`<g class="series" data-label="${label}" fill="${color}">`);
      for (const p of points) out.push(`<circle cx="${n(px(p.x))}" cy="${n(py(p.y))}" r="3.5"/>`);
      out.push('</g>');
    }
  }
  // Legend on the right.
  const legendX = width - legendWidth;
  out.push(`<g class="legend" fill="${escapeXml(theme.foreground)}">`);
  spec.series.forEach((series, i) => {
    const y = margin.top + 8 + i * 18;
    if (y > height - 10) return;
    const color = escapeXml(seriesColor(series, theme));
    out.push(
      series.kind === 'line'
        ? `<line x1="${legendX}" y1="${y}" x2="${legendX + 22}" y2="${y}" stroke="${color}" stroke-width="2"/>`
        : `<circle cx="${legendX + 11}" cy="${y}" r="4" fill="${color}"/>`,
      `<text x="${legendX + 28}" y="${y + 4}">${escapeXml(series.label)}</text>`,
    );
  });
  out.push('</g>');
  if (spec.note) out.push(`<text x="${margin.left}" y="${height - 2}" font-size="10" fill="${escapeXml(theme.foreground)}">${escapeXml(spec.note)}</text>`);
  out.push('</svg>');
  return out.join('\n');
}

export interface HeatmapSvgOptions {
  theme: SvgTheme;
  best: Rgb;
  worst: Rgb;
  lowerIsBetter: boolean;
  logarithmic: boolean;
  metricLabel: string;
  format(value: number): string;
}

/** All heatmap grids side by side in one SVG, on one shared colour scale so they compare. */
export function heatmapToSvg(grids: readonly HeatmapGrid[], options: HeatmapSvgOptions): string {
  const cellW = 78;
  const cellH = 18;
  const labelW = 70;
  const gap = 36;
  const top = 64;
  const range = valueRange(
    grids.flatMap((g) => g.values.flat().filter((v): v is number => v !== null)),
    options.logarithmic,
  ) ?? { min: 0, max: 1 };
  const scale: HeatmapScale = { ...range, logarithmic: options.logarithmic, best: options.best, worst: options.worst, lowerIsBetter: options.lowerIsBetter };
  const gridWidth = (g: HeatmapGrid): number => labelW + g.threads.length * cellW;
  const width = Math.max(
    320,
    grids.reduce((sum, g) => sum + gridWidth(g) + gap, gap),
  );
  const height = top + Math.max(1, ...grids.map((g) => g.memories.length)) * cellH + 30;
  const { theme } = options;
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="${escapeXml(theme.font)}" font-size="11">`,
    `<title>Memory × threads heatmap: ${escapeXml(options.metricLabel)}</title>`,
    `<rect x="0" y="0" width="${width}" height="${height}" fill="${escapeXml(theme.background)}"/>`,
  ];
  let x = gap;
  for (const grid of grids) {
    out.push(`<text x="${x}" y="22" font-size="13" font-weight="bold" fill="${escapeXml(theme.foreground)}">${escapeXml(grid.title)}</text>`);
    out.push(`<text x="${x}" y="${top - 8}" fill="${escapeXml(theme.foreground)}">MB \\ threads</text>`);
    grid.threads.forEach((t, c) => {
      out.push(`<text x="${x + labelW + c * cellW + cellW / 2}" y="${top - 8}" text-anchor="middle" fill="${escapeXml(theme.foreground)}">${t}</text>`);
    });
    grid.memories.forEach((m, r) => {
      const y = top + r * cellH;
      out.push(`<text x="${x + labelW - 6}" y="${y + cellH - 5}" text-anchor="end" fill="${escapeXml(theme.foreground)}">${m}</text>`);
      grid.threads.forEach((_, c) => {
        const value = grid.values[r][c];
        const cx = x + labelW + c * cellW;
        if (value === null) {
          out.push(`<rect x="${cx}" y="${y}" width="${cellW - 1}" height="${cellH - 1}" fill="none" stroke="${escapeXml(theme.grid)}"/>`);
          return;
        }
        const colours = heatmapCellColours(value, scale);
        out.push(
          `<rect class="cell" x="${cx}" y="${y}" width="${cellW - 1}" height="${cellH - 1}" fill="${rgbToCss(colours.background)}"/>`,
          `<text x="${cx + cellW / 2}" y="${y + cellH - 5}" text-anchor="middle" fill="${rgbToCss(colours.foreground)}">${escapeXml(options.format(value))}</text>`,
        );
      });
    });
    x += gridWidth(grid) + gap;
  }
  out.push(
    `<text x="${gap}" y="${height - 8}" fill="${escapeXml(theme.foreground)}">${escapeXml(options.metricLabel)}; ${options.lowerIsBetter ? 'lower' : 'higher'} is better; one colour scale for all grids.</text>`,
  );
  out.push('</svg>');
  return out.join('\n');
}
