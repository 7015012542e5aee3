// The knee table and the recommendations: the answer the user came for.
import type { KneeEstimate, PredictedConfig, PredictedRecommendation, Recommendation } from '../../src/core/analysis/analysisTypes';
import type { ChartRun } from './chartModels';
import { el } from './dom';
import { strategyLabel } from '../../src/core/analysis/payloads';
import { formatMs, formatUsd } from './tableModel';

export function renderKneeTable(container: HTMLElement, runs: readonly ChartRun[]): void {
  const comparing = runs.length > 1;
  const rows: Array<{ run: ChartRun; knee: KneeEstimate }> = runs.flatMap((run) => run.analysis.knee.map((knee) => ({ run, knee })));
  // By thread count first, so the runs' (or architectures') knees for the same threads sit side by side.
  rows.sort(
    (a, b) =>
      a.knee.threads - b.knee.threads ||
      a.run.tag.localeCompare(b.run.tag) ||
      a.knee.arch.localeCompare(b.knee.arch) ||
      a.knee.strategy.localeCompare(b.knee.strategy),
  );
  if (rows.length === 0) {
    container.replaceChildren(el('p', {}, 'No knee estimate: the run needs at least two memory sizes per thread count.'));
    return;
  }
  const headers = [...(comparing ? ['Run'] : []), 'Arch', 'Strategy', 'Threads', 'Knee (MB)', 'Range (MB)', 'Model: threads × 1769 MB', 'Method'];
  const bodyRows = rows.map(({ run, knee }) =>
    el(
      'tr',
      {},
      ...(comparing ? [el('td', {}, run.label)] : []),
      el('td', {}, knee.arch),
      el('td', {}, strategyLabel(knee.strategy, run.analysis.ownFunction)),
      el('td', { class: 'numeric' }, String(knee.threads)),
      // Time still falling at the largest size: the knee is there or beyond, as analyze's table says.
      el('td', { class: 'numeric' }, `${knee.reachedInRange === false ? '≥ ' : ''}${knee.memoryMB}`),
      el('td', { class: 'numeric' }, knee.reachedInRange === false ? `≥ ${knee.lowMB}` : `${knee.lowMB}–${knee.highMB}`),
      el('td', { class: 'numeric' }, String(knee.modelMB)),
      el('td', { class: 'method' }, knee.method),
    ),
  );
  const table = el(
    'table',
    { class: 'knee-table', id: 'knee-table' },
    el('caption', {}, 'The knee: the smallest memory at which more memory no longer buys a meaningful speed-up'),
    el('thead', {}, el('tr', {}, ...headers.map((h) => el('th', { scope: 'col' }, h)))),
    el('tbody', {}, ...bodyRows),
  );
  container.replaceChildren(el('div', { class: 'table-scroll', tabindex: '0', role: 'region', 'aria-label': 'Knee table, scrolls horizontally' }, table));
}

const KIND_LABELS: Record<Recommendation['kind'], string> = { fastest: 'Fastest', cheapest: 'Cheapest', balanced: 'Balanced' };

export function renderRecommendations(container: HTMLElement, runs: readonly ChartRun[]): void {
  const blocks = runs.map((run) => {
    const recs = [run.analysis.recommendations.fastest, run.analysis.recommendations.cheapest, run.analysis.recommendations.balanced].filter(
      (r): r is Recommendation => r !== null,
    );
    const items = recs.map((r) =>
      el(
        'li',
        { class: `recommendation ${r.kind}` },
        el('strong', {}, `${KIND_LABELS[r.kind]}: `),
        `${r.memoryMB} MB, ${r.threads} thread${r.threads === 1 ? '' : 's'} (${r.arch}, ${strategyLabel(r.strategy, run.analysis.ownFunction)}) — ${formatMs(r.meanMs)} ms, ${formatUsd(r.costPerInvocationUsd)} per invocation. `,
        el('span', { class: 'reason' }, r.reason),
      ),
    );
    const pareto = run.analysis.recommendations.pareto;
    const predicted = run.analysis.recommendations.predicted ?? [];
    return el(
      'div',
      { class: 'recommendation-block' },
      runs.length > 1 ? el('h3', {}, run.label) : '',
      items.length ? el('ul', {}, ...items) : el('p', {}, 'No recommendation: no configuration has data yet.'),
      predicted.length
        ? el('ul', { class: 'predicted-recommendations' }, ...predicted.map((p) => predictedRecommendationItem(p, run.analysis.ownFunction)))
        : '',
      el(
        'p',
        { class: 'pareto-summary' },
        `Pareto front (no configuration is both faster and cheaper): ${pareto.length} configuration${pareto.length === 1 ? '' : 's'}${pareto.length ? ': ' + pareto.map((p) => `${p.memoryMB} MB × ${p.threads}`).join(', ') : ''}.`,
      ),
    );
  });
  container.replaceChildren(...blocks);
}

const PREDICTED_KIND_LABELS: Record<PredictedRecommendation['kind'], string> = {
  fastest: 'Possibly faster (predicted)',
  cheapest: 'Possibly cheaper (predicted)',
};

/** A predicted configuration is never a recommendation by itself: it says so, and which measurement would confirm it (in the reason). */
function predictedRecommendationItem(p: PredictedRecommendation, ownFunction: boolean | undefined): HTMLElement {
  return el(
    'li',
    { class: `predicted-recommendation ${p.kind}` },
    el('strong', {}, `${PREDICTED_KIND_LABELS[p.kind]}: `),
    el('span', { class: 'predicted-badge' }, 'predicted'),
    ` ${p.memoryMB} MB, ${p.threads} thread${p.threads === 1 ? '' : 's'} (${p.arch}, ${strategyLabel(p.strategy, ownFunction)}) — about ${formatMs(p.predictedMs)} ms (95% prediction interval ${formatMs(p.lowMs)}–${formatMs(p.highMs)}), ${formatUsd(p.costUsd)} per invocation. `,
    el('span', { class: 'reason' }, p.reason),
  );
}

/**
 * Predicted configurations: the scaling model's time and cost where nothing was measured, each row
 * marked "predicted" with its 95% prediction interval, apart from the measured summary table.
 */
export function renderPredictions(container: HTMLElement, runs: readonly ChartRun[]): void {
  const comparing = runs.length > 1;
  const rows: Array<{ run: ChartRun; p: PredictedConfig }> = runs.flatMap((run) => (run.analysis.predictions ?? []).map((p) => ({ run, p })));
  if (rows.length === 0) {
    container.replaceChildren();
    return;
  }
  rows.sort(
    (a, b) =>
      a.run.tag.localeCompare(b.run.tag) ||
      a.p.arch.localeCompare(b.p.arch) ||
      a.p.strategy.localeCompare(b.p.strategy) ||
      a.p.memoryMB - b.p.memoryMB ||
      a.p.threads - b.p.threads,
  );
  const headers = [
    ...(comparing ? ['Run'] : []),
    'Arch',
    'Strategy',
    'Memory (MB)',
    'Threads',
    'Predicted (ms)',
    '95% prediction interval (ms)',
    'Cost / invocation',
    '',
  ];
  const bodyRows = rows.map(({ run, p }) =>
    el(
      'tr',
      { class: 'predicted' },
      ...(comparing ? [el('td', {}, run.label)] : []),
      el('td', {}, p.arch),
      el('td', {}, strategyLabel(p.strategy, run.analysis.ownFunction)),
      el('td', { class: 'numeric' }, String(p.memoryMB)),
      el('td', { class: 'numeric' }, String(p.threads)),
      el('td', { class: 'numeric' }, formatMs(p.predictedMs)),
      el('td', { class: 'numeric' }, `${formatMs(p.lowMs)}–${formatMs(p.highMs)}`),
      el('td', { class: 'numeric' }, formatUsd(p.costUsd)),
      el('td', {}, el('span', { class: 'predicted-badge' }, 'predicted')),
    ),
  );
  const table = el(
    'table',
    { class: 'prediction-table', id: 'prediction-table' },
    el(
      'caption',
      {},
      `Predicted, NOT measured (${rows.length} configurations): the scaling model fitted per architecture and strategy across memory and threads, with 95% prediction intervals. Measure a configuration to confirm it.`,
    ),
    el('thead', {}, el('tr', {}, ...headers.map((h) => el('th', { scope: 'col' }, h)))),
    el('tbody', {}, ...bodyRows),
  );
  container.replaceChildren(
    el('h3', { id: 'predictions-heading' }, 'Predicted configurations'),
    el('div', { class: 'table-scroll', tabindex: '0', role: 'region', 'aria-label': 'Predicted configurations, scrolls horizontally' }, table),
  );
}
