// The results view's page. Receives analysed runs from the host (src/results/resultsPanel.ts) over
// the typed protocol in src/shared/resultsProtocol.ts and draws the findings, charts, heatmap and table.
import type { Chart } from 'chart.js';
import {
  createEnvelopeFactory,
  FromWebview,
  isToWebviewMessage,
  ToWebview,
  type ChartId,
  type FromWebviewBody,
  type ResultsViewState,
  type ShowAnalysisBody,
} from '../../src/shared/resultsProtocol';
import { renderChart } from './charts';
import {
  configGroups,
  costVsTimeChart,
  heatmapGrids,
  HEATMAP_METRICS,
  speedupChart,
  timeVsMemoryChart,
  type ChartFilters,
  type ChartRun,
  type ChartSpec,
  type HeatmapMetric,
} from './chartModels';
import { heatmapToSvg } from './chartSvg';
import { button, el } from './dom';
import { renderKneeTable, renderPredictions, renderRecommendations } from './findingsView';
import { renderHeatmaps } from './heatmapView';
import { renderSummaryTable, type SortState } from './summaryTable';
import { createExports } from './exports';
import { Notices } from './notices';
import { formatMs, formatUsd, strategyOptionLabel, type TableRow } from './tableModel';
import { readThemeColors, type ThemeColors } from './themeColors';
import { ViewStateStore } from './viewState';

interface VsCodeApi {
  postMessage(message: unknown): void;
  getState(): ResultsViewState | undefined;
  setState(state: ResultsViewState): void;
}
declare function acquireVsCodeApi(): VsCodeApi;

// Counted on the page so tests in real VS Code (through the harness bridge) can assert there are none.
let cspViolationCount = 0;
document.addEventListener('securitypolicyviolation', (event) => {
  cspViolationCount++;
  document.body.dataset.cspViolations = String(cspViolationCount);
  console.error(`Lambda Lab results: CSP blocked ${event.blockedURI || 'an inline resource'} (${event.violatedDirective}).`);
});

const vscode = acquireVsCodeApi();
const envelope = createEnvelopeFactory();
const viewState = new ViewStateStore(vscode);
let shown: ShowAnalysisBody | null = null;
let sortedRows: TableRow[] = [];
let heatmapMetric: HeatmapMetric = 'meanMs';
const charts = new Map<ChartId, { chart: Chart<'line', Array<{ x: number; y: number }>>; spec: ChartSpec }>();

function saveState(patch: Partial<ResultsViewState>): void {
  viewState.save(patch);
}

function post(body: FromWebviewBody, inReplyTo?: number): void {
  vscode.postMessage(envelope(body, inReplyTo));
}

const app = document.getElementById('app') as HTMLElement;
const statusLine = el('p', { id: 'status', role: 'status', 'aria-live': 'polite' });
const announcer = el('p', { class: 'visually-hidden', 'aria-live': 'polite', id: 'announcer' });
const runInfo = el('p', { id: 'run-info', class: 'run-info' });
const notices = new Notices();
const archSelect = el('select', { id: 'filter-arch' });
const strategySelect = el('select', { id: 'filter-strategy' });
// A run that sent several payloads is analysed one payload at a time; the host filters, this picks.
const payloadSelect = el('select', { id: 'filter-payload' });
const payloadFilter = el('span', { class: 'filter', id: 'payload-filter', hidden: '' }, el('label', { for: 'filter-payload' }, 'Payload'), payloadSelect);
// The same for the compared run, which may have sent several payloads too.
const comparePayloadSelect = el('select', { id: 'filter-compare-payload' });
const comparePayloadFilter = el(
  'span',
  { class: 'filter', id: 'compare-payload-filter', hidden: '' },
  el('label', { for: 'filter-compare-payload' }, 'Payload (compared run)'),
  comparePayloadSelect,
);
const compareButton = button('Compare with…', () => post({ type: FromWebview.PickCompareRun }), {
  id: 'compare-button',
  title: 'Overlay a second run (for example x86_64 vs arm64, or pool vs batch)',
});
const clearCompareButton = button('Stop comparing', () => post({ type: FromWebview.ClearCompare }), { id: 'clear-compare-button', class: 'secondary' });
const toolbar = el(
  'div',
  { class: 'toolbar', role: 'toolbar', 'aria-label': 'Results actions' },
  button('Pick run…', () => post({ type: FromWebview.PickRun }), { id: 'pick-run-button' }),
  button('Import files…', () => post({ type: FromWebview.ImportFiles }), {
    id: 'import-button',
    class: 'secondary',
    title: 'Import the study\u2019s CSV files or a folder of them',
  }),
  compareButton,
  clearCompareButton,
  el('span', { class: 'filter' }, el('label', { for: 'filter-arch' }, 'Architecture'), archSelect),
  el('span', { class: 'filter' }, el('label', { for: 'filter-strategy' }, 'Strategy'), strategySelect),
  payloadFilter,
  comparePayloadFilter,
);
const findingsSection = el('section', { id: 'findings', 'aria-labelledby': 'findings-heading' });
const chartsSection = el('section', { id: 'charts', 'aria-labelledby': 'charts-heading' });
const heatmapSection = el('section', { id: 'heatmap', 'aria-labelledby': 'heatmap-heading' });
const tableSection = el('section', { id: 'table', 'aria-labelledby': 'table-heading' });
const warningsSection = el('section', { id: 'warnings', 'aria-labelledby': 'warnings-heading' });
const content = el('div', { id: 'content' });
app.replaceChildren(el('header', {}, el('h1', {}, 'Lambda Lab results'), runInfo, notices.element, toolbar, statusLine, announcer), content);
archSelect.addEventListener('change', () => onFiltersChanged());
strategySelect.addEventListener('change', () => onFiltersChanged());
payloadSelect.addEventListener('change', () => {
  if (shown?.primary.payload && payloadSelect.value !== shown.primary.payload.shown) {
    showStatus('info', `Analysing payload ${payloadSelect.value}…`);
    post({ type: FromWebview.SelectPayload, payload: payloadSelect.value });
  }
});
comparePayloadSelect.addEventListener('change', () => {
  if (shown?.compareWith?.payload && comparePayloadSelect.value !== shown.compareWith.payload.shown) {
    showStatus('info', `Analysing payload ${comparePayloadSelect.value} of the compared run…`);
    post({ type: FromWebview.SelectPayload, payload: comparePayloadSelect.value, slot: 'compare' });
  }
});

function filters(): ChartFilters {
  return viewState.current.filters ?? { arch: 'all', strategy: 'all' };
}

function onFiltersChanged(): void {
  saveState({ filters: { arch: archSelect.value, strategy: strategySelect.value } });
  if (shown) renderCharts(chartRuns(shown));
}

function setOptions(select: HTMLSelectElement, values: string[], selected: string, label: (value: string) => string = (value) => value): void {
  const options = ['all', ...values];
  select.replaceChildren(...options.map((v) => el('option', { value: v }, v === 'all' ? 'All' : label(v))));
  select.value = options.includes(selected) ? selected : 'all';
  select.disabled = values.length <= 1;
}

function chartRuns(body: ShowAnalysisBody): ChartRun[] {
  const runs: ChartRun[] = [{ tag: 'A', label: body.primary.runLabel, analysis: body.primary.analysis }];
  if (body.compareWith) {
    // Two runs can carry the same label (same run id in two folders); keep them apart.
    const label = body.compareWith.runLabel === body.primary.runLabel ? `${body.compareWith.runLabel} (B)` : body.compareWith.runLabel;
    runs.push({ tag: 'B', label, analysis: body.compareWith.analysis });
  }
  return runs;
}

function safeFileStem(text: string): string {
  return (
    text
      .replace(/[^\w.-]+/g, '-')
      .replace(/^-+|-+$/g, '')
      .slice(0, 80) || 'results'
  );
}

function renderAll(body: ShowAnalysisBody, messageId?: number): void {
  shown = body;
  const runs = chartRuns(body);
  const comparing = runs.length > 1;
  saveState({ source: body.primary.source, compareSource: body.compareWith?.source });
  const describe = (run: ShowAnalysisBody['primary']): string =>
    `${run.runLabel}: ${run.analysis.configs.length} configurations from ${run.recordCount} records${run.live ? ' — live, updating while the sweep runs' : ''} (analysed ${new Date(run.analysedAt).toLocaleTimeString()})`;
  runInfo.textContent = [describe(body.primary), ...(body.compareWith ? [`compared with ${describe(body.compareWith)}`] : [])].join('; ');
  renderPayloadChoice(body);
  clearCompareButton.hidden = !comparing;
  compareButton.textContent = comparing ? 'Compare with another…' : 'Compare with…';

  const allConfigs = runs.flatMap((r) => r.analysis.configs);
  const f = filters();
  setOptions(archSelect, [...new Set(allConfigs.map((c) => c.arch))].sort(), f.arch);
  setOptions(strategySelect, [...new Set(allConfigs.map((c) => c.strategy))].sort(), f.strategy, (strategy) => strategyOptionLabel(strategy, runs));

  findingsSection.replaceChildren(el('h2', { id: 'findings-heading' }, 'Recommendations and the knee'));
  const recs = el('div', { id: 'recommendations' });
  const knee = el('div', { id: 'knee' });
  const predictions = el('div', { id: 'predictions' });
  findingsSection.append(recs, knee, predictions);
  renderRecommendations(recs, runs);
  renderKneeTable(knee, runs);
  renderPredictions(predictions, runs);

  const tableHost = el('div', {});
  tableSection.replaceChildren(
    el(
      'div',
      { class: 'section-heading' },
      el('h2', { id: 'table-heading' }, 'Summary table'),
      button('Export CSV', () => exportCsv(), { id: 'export-csv-button', class: 'secondary' }),
    ),
    tableHost,
  );
  const payloads = [body.primary.payload?.shown, body.compareWith?.payload?.shown];
  const rows: TableRow[] = runs.flatMap((run, index) =>
    run.analysis.configs.map((config) => ({
      runLabel: run.label,
      config,
      ...(run.analysis.ownFunction ? { ownFunction: true } : {}),
      ...(payloads[index] !== undefined ? { payload: payloads[index] } : {}),
    })),
  );
  sortedRows = renderSummaryTable(tableHost, {
    rows,
    comparing,
    sort: viewState.current.sort,
    onSortChange: (sort: SortState, nextRows) => {
      sortedRows = nextRows;
      saveState({ sort });
    },
    announce: (text) => (announcer.textContent = text),
  });

  const warnings = runs.flatMap((run) => run.analysis.warnings.map((w) => (comparing ? `${run.label}: ${w}` : w)));
  // Every warning is listed; past the first 50 they fold away so a pile of bad files does not bury the page.
  warningsSection.replaceChildren(
    ...(warnings.length
      ? [
          el('h2', { id: 'warnings-heading', tabindex: '-1' }, `Input warnings (${warnings.length})`),
          el('ul', {}, ...warnings.slice(0, 50).map((w) => el('li', {}, w))),
          warnings.length > 50
            ? el('details', {}, el('summary', {}, `Show ${warnings.length - 50} more`), el('ul', {}, ...warnings.slice(50).map((w) => el('li', {}, w))))
            : '',
        ]
      : []),
  );
  notices.render(body, comparing, warnings.length);
  content.replaceChildren(findingsSection, chartsSection, heatmapSection, tableSection, warningsSection);
  renderCharts(runs);
  document.body.dataset.renderedRows = String(rows.length);
  // Answers the ShowAnalysis message, so the host knows which analysis was drawn.
  post({ type: FromWebview.Rendered, tableRows: rows.length, charts: [...charts.keys(), 'heatmap'] }, messageId);
}

/**
 * The Payload selects and the lines saying which payload is shown, one for each run (the shown run
 * and the compared one) that sent several; hidden for runs with one payload or none.
 */
function renderPayloadChoice(body: ShowAnalysisBody): void {
  for (const id of ['payload-info', 'compare-payload-info']) document.getElementById(id)?.remove();
  if (statusLine.textContent?.startsWith('Analysing payload ')) showStatus('info', '');
  let after: HTMLElement = runInfo;
  const slots = [
    { run: body.primary, select: payloadSelect, filter: payloadFilter, infoId: 'payload-info', whose: 'the run’s', where: 'Payload' },
    {
      run: body.compareWith,
      select: comparePayloadSelect,
      filter: comparePayloadFilter,
      infoId: 'compare-payload-info',
      whose: '',
      where: 'Payload (compared run)',
    },
  ];
  for (const { run, select, filter, infoId, whose, where } of slots) {
    const selection = run?.payload;
    filter.hidden = !selection;
    if (!run || !selection) {
      select.replaceChildren();
      continue;
    }
    select.replaceChildren(...selection.names.map((name) => el('option', { value: name }, name)));
    select.value = selection.shown;
    select.disabled = false;
    const position = `${selection.names.indexOf(selection.shown) + 1} of ${whose || `${run.runLabel}’s`} ${selection.names.length} payloads`;
    const info = el(
      'p',
      { id: infoId, class: 'run-info' },
      `${whose ? '' : `Compared run ${run.runLabel}: `}Payload ${selection.shown} (${position}): ` +
        `only its invocations are analysed, since different payloads are different workloads. Choose another under ${where}.`,
    );
    after.after(info);
    after = info;
  }
}

let theme: ThemeColors = readThemeColors();

function renderCharts(runs: ChartRun[]): void {
  theme = readThemeColors();
  for (const { chart } of charts.values()) chart.destroy();
  charts.clear();
  const groups = configGroups(runs, filters());
  const specs = [timeVsMemoryChart(groups), speedupChart(groups), costVsTimeChart(groups)];
  const grid = el('div', { class: 'chart-grid' });
  chartsSection.replaceChildren(el('h2', { id: 'charts-heading' }, 'Charts'), grid);
  for (const spec of specs) {
    const canvas = el(
      'canvas',
      { id: `chart-${spec.id}`, role: 'img', 'aria-label': `${spec.title}. ${spec.description}` },
      `${spec.description} The summary table has the numbers.`,
    );
    const figure = el(
      'figure',
      { class: 'chart', 'data-chart': spec.id },
      el('div', { class: 'section-heading' }, el('h3', {}, spec.title), exportButtons(spec.id, spec.title)),
      el('div', { class: 'chart-box' }, canvas),
      el('figcaption', {}, spec.description, spec.note ? ` ${spec.note}` : ''),
    );
    grid.append(figure);
    // Long legends (Compare mode, many groups) would squeeze the plot: give the box room for them.
    const legendRows = Math.ceil(spec.series.filter((s) => !s.label.includes('(95% CI')).length / 2);
    if (legendRows > 4) (figure.querySelector('.chart-box') as HTMLElement).style.height = `${380 + (legendRows - 4) * 22}px`;
    charts.set(spec.id, { chart: renderChart(canvas, spec, theme), spec });
  }
  renderHeatmapSection(runs);
}

function heatmapFormat(metric: HeatmapMetric): (v: number) => string {
  if (metric === 'meanMs') return (v) => formatMs(v);
  if (metric === 'costPerInvocationUsd') return (v) => formatUsd(v);
  return (v) => v.toFixed(2);
}

function renderHeatmapSection(runs: ChartRun[]): void {
  const metricSelect = el('select', { id: 'heatmap-metric' }, ...HEATMAP_METRICS.map((m) => el('option', { value: m.id }, m.label)));
  metricSelect.value = heatmapMetric;
  metricSelect.addEventListener('change', () => {
    heatmapMetric = metricSelect.value as HeatmapMetric;
    renderHeatmapSection(runs);
    (document.getElementById('heatmap-metric') as HTMLSelectElement | null)?.focus();
  });
  const host = el('div', { id: 'heatmap-grids' });
  heatmapSection.replaceChildren(
    el(
      'div',
      { class: 'section-heading' },
      el('h2', { id: 'heatmap-heading' }, 'Memory × threads heatmap'),
      el('label', { for: 'heatmap-metric' }, 'Show'),
      metricSelect,
      exportButtons('heatmap', 'Memory × threads heatmap'),
    ),
    host,
  );
  const metric = HEATMAP_METRICS.find((m) => m.id === heatmapMetric) ?? HEATMAP_METRICS[0];
  renderHeatmaps(host, {
    grids: heatmapGrids(configGroups(runs, filters()), metric.id),
    theme,
    lowerIsBetter: metric.lowerIsBetter,
    logarithmic: metric.logarithmic,
    metricLabel: metric.label,
    format: heatmapFormat(metric.id),
  });
}

function heatmapSvg(): string {
  const metric = HEATMAP_METRICS.find((m) => m.id === heatmapMetric) ?? HEATMAP_METRICS[0];
  const grids = shown ? heatmapGrids(configGroups(chartRuns(shown), filters()), metric.id) : [];
  return heatmapToSvg(grids, {
    theme,
    best: theme.best,
    worst: theme.worst,
    lowerIsBetter: metric.lowerIsBetter,
    logarithmic: metric.logarithmic,
    metricLabel: metric.label,
    format: heatmapFormat(metric.id),
  });
}

function runStem(): string {
  if (!shown) return 'results';
  const payload = (run: ShowAnalysisBody['primary']): string => (run.payload ? `-payload-${run.payload.shown}` : '');
  return safeFileStem(
    shown.compareWith
      ? `${shown.primary.runLabel}${payload(shown.primary)}-vs-${shown.compareWith.runLabel}${payload(shown.compareWith)}`
      : `${shown.primary.runLabel}${payload(shown.primary)}`,
  );
}

const { exportButtons, exportCsv } = createExports({
  post: (body) => post(body),
  showError: (text) => showStatus('error', text),
  runStem,
  chart: (id) => charts.get(id),
  heatmapSvg,
  theme: () => theme,
  sortedRows: () => sortedRows,
  comparing: () => Boolean(shown?.compareWith),
});

function showStatus(level: 'info' | 'error', text: string): void {
  statusLine.textContent = text;
  statusLine.classList.toggle('error', level === 'error');
}

// An error the host sent about loading (e.g. a run whose invocations.jsonl was still empty when the
// view opened) is about the data shown before; data that arrives later replaces it, or the page
// would show a stale "no usable record" beside the records. Export errors stay until the next action.
let loadErrorShown = false;

function showEmpty(message: string): void {
  shown = null;
  for (const { chart } of charts.values()) chart.destroy();
  charts.clear();
  runInfo.textContent = '';
  notices.clear();
  clearCompareButton.hidden = true;
  archSelect.disabled = strategySelect.disabled = true;
  payloadFilter.hidden = comparePayloadFilter.hidden = true;
  for (const id of ['payload-info', 'compare-payload-info']) document.getElementById(id)?.remove();
  content.replaceChildren(
    el('div', { class: 'empty-state' }, el('p', {}, message), el('p', {}, 'Pick a sweep run from this workspace, or import the study\u2019s CSV files.')),
  );
}

window.addEventListener('message', (event: MessageEvent) => {
  const message = event.data;
  if (!isToWebviewMessage(message)) return;
  const body = message.body;
  switch (body.type) {
    case ToWebview.ShowAnalysis:
      if (loadErrorShown) showStatus('info', '');
      loadErrorShown = false;
      renderAll(body, message.messageId);
      break;
    case ToWebview.ShowEmpty:
      showEmpty(body.message);
      break;
    case ToWebview.Status:
      showStatus(body.level, body.text);
      loadErrorShown = body.level === 'error';
      break;
    case ToWebview.ExportDone:
      if (body.outcome === 'saved') showStatus('info', `Saved ${body.path ?? ''}`);
      else if (body.outcome === 'failed') showStatus('error', body.message ?? 'Export failed.');
      break;
  }
});

// VS Code switches themes by changing the body class and the variables on <html>; canvases do not
// follow CSS by themselves, so redraw them when any colour we use changed.
const themeSignature = (colors: ThemeColors): string =>
  JSON.stringify([colors.kind, colors.foreground, colors.background, colors.grid, colors.palette, colors.font]);
const themeObserver = new MutationObserver(() => {
  if (shown && themeSignature(readThemeColors()) !== themeSignature(theme)) renderCharts(chartRuns(shown));
});
themeObserver.observe(document.body, { attributes: true, attributeFilter: ['class'] });
themeObserver.observe(document.documentElement, { attributes: true, attributeFilter: ['style', 'class'] });

showEmpty('Loading results…');
post({ type: FromWebview.Ready });
