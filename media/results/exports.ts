// Exports from the results page: the summary table as CSV, each chart as PNG or SVG, the heatmap as
// SVG or PNG (rasterised here). The page sends the bytes to the host, which asks where to save them.
import type { Chart } from 'chart.js';
import { FromWebview, type ChartId, type FromWebviewBody } from '../../src/shared/resultsProtocol';
import { chartPng, chartSvg } from './charts';
import type { ChartSpec } from './chartModels';
import { button, el } from './dom';
import { tableToCsv, type TableRow } from './tableModel';
import type { ThemeColors } from './themeColors';

export interface ExportSources {
  post(body: FromWebviewBody): void;
  showError(text: string): void;
  /** File name stem of what is shown (run label, or "a-vs-b"). */
  runStem(): string;
  chart(id: ChartId): { chart: Chart<'line', Array<{ x: number; y: number }>>; spec: ChartSpec } | undefined;
  heatmapSvg(): string;
  theme(): ThemeColors;
  sortedRows(): TableRow[];
  comparing(): boolean;
}

export function createExports(sources: ExportSources): { exportButtons(chartId: ChartId, title: string): HTMLElement; exportCsv(): void } {
  async function exportChart(chartId: ChartId, format: 'png' | 'svg'): Promise<void> {
    try {
      let data: string;
      if (chartId === 'heatmap') data = format === 'svg' ? sources.heatmapSvg() : await svgToPng(sources.heatmapSvg());
      else {
        const entry = sources.chart(chartId);
        if (!entry) throw new Error(`The ${chartId} chart is not drawn yet.`);
        data = format === 'png' ? chartPng(entry.chart) : chartSvg(entry.spec, sources.theme());
      }
      sources.post({ type: FromWebview.ExportChart, chartId, format, suggestedName: `${sources.runStem()}-${chartId}.${format}`, data });
    } catch (error) {
      sources.showError(`Export failed: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  return {
    exportButtons: (chartId, title) =>
      el(
        'span',
        { class: 'export-buttons' },
        button('PNG', () => void exportChart(chartId, 'png'), {
          class: 'secondary small',
          'data-export': `${chartId}-png`,
          'aria-label': `Export ${title} as PNG`,
        }),
        button('SVG', () => void exportChart(chartId, 'svg'), {
          class: 'secondary small',
          'data-export': `${chartId}-svg`,
          'aria-label': `Export ${title} as SVG`,
        }),
      ),
    exportCsv: () =>
      sources.post({
        type: FromWebview.ExportCsv,
        suggestedName: `${sources.runStem()}-summary.csv`,
        csv: tableToCsv(sources.sortedRows(), sources.comparing()),
      }),
  };
}

/** Rasterises an SVG document through an <img> (data: URLs are allowed by img-src) onto a canvas. */
function svgToPng(svg: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const image = new Image();
    image.onload = () => {
      const canvas = document.createElement('canvas');
      canvas.width = image.naturalWidth || 900;
      canvas.height = image.naturalHeight || 520;
      const context = canvas.getContext('2d');
      if (!context) return reject(new Error('No 2D canvas context for the PNG export.'));
      context.drawImage(image, 0, 0);
      resolve(canvas.toDataURL('image/png'));
    };
    image.onerror = () => reject(new Error('The heatmap SVG could not be rasterised for the PNG export.'));
    image.src = `data:image/svg+xml;charset=utf-8,${encodeURIComponent(svg)}`;
  });
}
