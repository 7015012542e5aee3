// The memory × threads heatmap as accessible HTML tables (Chart.js has none): each cell holds its
// value as text and gets its colour through CSSOM (element.style), which the CSP allows.
import type { HeatmapGrid } from './chartModels';
import { el } from './dom';
import { heatmapCellColours, rgbToCss, valueRange, type HeatmapScale } from './heatmapScale';
import type { ThemeColors } from './themeColors';

export interface HeatmapViewOptions {
  grids: readonly HeatmapGrid[];
  theme: ThemeColors;
  lowerIsBetter: boolean;
  logarithmic: boolean;
  metricLabel: string;
  format(value: number): string;
}

export function renderHeatmaps(container: HTMLElement, options: HeatmapViewOptions): void {
  const values = options.grids.flatMap((g) => g.values.flat().filter((v): v is number => v !== null));
  const range = valueRange(values, options.logarithmic) ?? { min: 0, max: 1 };
  const scale: HeatmapScale = {
    ...range,
    logarithmic: options.logarithmic,
    best: options.theme.best,
    worst: options.theme.worst,
    lowerIsBetter: options.lowerIsBetter,
  };
  const tables = options.grids.map((grid) => {
    const head = el(
      'tr',
      {},
      el('th', { scope: 'col' }, 'Memory (MB)'),
      ...grid.threads.map((t) => el('th', { scope: 'col' }, `${t} thread${t === 1 ? '' : 's'}`)),
    );
    const rows = grid.memories.map((memory, r) =>
      el(
        'tr',
        {},
        el('th', { scope: 'row' }, String(memory)),
        ...grid.threads.map((_, c) => {
          const value = grid.values[r][c];
          if (value === null) return el('td', { class: 'heat-cell empty' }, '–');
          const cell = el('td', { class: 'heat-cell', 'data-value': String(value) }, options.format(value));
          const colours = heatmapCellColours(value, scale);
          cell.style.backgroundColor = rgbToCss(colours.background);
          cell.style.color = rgbToCss(colours.foreground);
          return cell;
        }),
      ),
    );
    return el('table', { class: 'heatmap' }, el('caption', {}, `${grid.title}: ${options.metricLabel}`), el('thead', {}, head), el('tbody', {}, ...rows));
  });
  const legend = el(
    'p',
    { class: 'heat-legend' },
    `Colour: ${options.lowerIsBetter ? 'lower' : 'higher'} is better, from `,
    swatch(scale.best, 'best'),
    ` to `,
    swatch(scale.worst, 'worst'),
    `; one scale for all grids (${options.format(range.min)} to ${options.format(range.max)}).`,
  );
  container.replaceChildren(legend, el('div', { class: 'heatmap-row' }, ...tables));
}

function swatch(rgb: readonly [number, number, number], label: string): HTMLElement {
  const span = el('span', { class: 'swatch', 'aria-hidden': 'true' });
  span.style.backgroundColor = rgbToCss(rgb);
  return el('span', {}, span, ` ${label}`);
}
