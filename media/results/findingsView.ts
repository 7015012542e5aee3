// The knee table and the recommendations: the answer the user came for.
import type { KneeEstimate, Recommendation } from '../../src/core/analysis/analysisTypes';
import type { ChartRun } from './chartModels';
import { el } from './dom';
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
      el('td', {}, knee.strategy),
      el('td', { class: 'numeric' }, String(knee.threads)),
      el('td', { class: 'numeric' }, String(knee.memoryMB)),
      el('td', { class: 'numeric' }, `${knee.lowMB}–${knee.highMB}`),
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
        `${r.memoryMB} MB, ${r.threads} thread${r.threads === 1 ? '' : 's'} (${r.arch}, ${r.strategy}) — ${formatMs(r.meanMs)} ms, ${formatUsd(r.costPerInvocationUsd)} per invocation. `,
        el('span', { class: 'reason' }, r.reason),
      ),
    );
    const pareto = run.analysis.recommendations.pareto;
    return el(
      'div',
      { class: 'recommendation-block' },
      runs.length > 1 ? el('h3', {}, run.label) : '',
      items.length ? el('ul', {}, ...items) : el('p', {}, 'No recommendation: no configuration has data yet.'),
      el(
        'p',
        { class: 'pareto-summary' },
        `Pareto front (no configuration is both faster and cheaper): ${pareto.length} configuration${pareto.length === 1 ? '' : 's'}${pareto.length ? ': ' + pareto.map((p) => `${p.memoryMB} MB × ${p.threads}`).join(', ') : ''}.`,
      ),
    );
  });
  container.replaceChildren(...blocks);
}
