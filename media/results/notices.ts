// The banners at the top of the results page: a run that ran (partly) unthrottled, how the others
// were CPU-limited, and a pointer to the input warnings — said up front, not only in the list at the bottom.
import type { ShowAnalysisBody } from '../../src/shared/resultsProtocol';
import { describeCpuLimit } from '../../src/core/analysis/cpuLimitCheck';
import { el } from './dom';

type NoticeItem = { kind: 'unthrottled' | 'note' | 'warnings'; tag: string; text: string };

export class Notices {
  readonly element = el('div', { id: 'notices' });
  private signature = '';

  render(body: ShowAnalysisBody, comparing: boolean, warningCount: number): void {
    const items = noticeItems(body, comparing, warningCount);
    // A live run redraws every few seconds: rebuild the banners (and so re-announce them) only when their words change.
    const signature = JSON.stringify(items);
    if (signature === this.signature) return;
    this.signature = signature;
    this.element.replaceChildren(...items.map(noticeElement));
  }

  clear(): void {
    this.element.replaceChildren();
    this.signature = '';
  }
}

function noticeItems(body: ShowAnalysisBody, comparing: boolean, warningCount: number): NoticeItem[] {
  const runs = [{ tag: 'A', run: body.primary }, ...(body.compareWith ? [{ tag: 'B', run: body.compareWith }] : [])];
  const items: NoticeItem[] = [];
  for (const { tag, run } of runs) {
    const prefix = comparing ? `${tag} — ${run.runLabel}: ` : '';
    const { unthrottled, note } = describeCpuLimit(run.cpuLimit);
    if (unthrottled) items.push({ kind: 'unthrottled', tag, text: `${prefix}${unthrottled}` });
    if (note) items.push({ kind: 'note', tag, text: `${prefix}${note}` });
  }
  if (warningCount > 0)
    items.push({
      kind: 'warnings',
      tag: '',
      text: `${warningCount} input warning${warningCount === 1 ? '' : 's'} (corrupt lines, skipped rows or files, unthrottled sources)`,
    });
  return items;
}

function noticeElement(item: NoticeItem): HTMLElement {
  if (item.kind === 'unthrottled') {
    const [label, ...rest] = item.text.split(/(?<=Unthrottled:)/);
    return el('div', { class: 'notice notice-unthrottled', role: 'status', 'data-run': item.tag }, el('strong', {}, label), rest.join(''));
  }
  if (item.kind === 'note') return el('p', { class: 'cpu-limit-note', 'data-run': item.tag }, item.text);
  const link = el('a', { href: '#warnings-heading' }, 'see Input warnings');
  link.addEventListener('click', (event) => {
    event.preventDefault();
    const heading = document.getElementById('warnings-heading');
    heading?.scrollIntoView();
    heading?.focus();
  });
  return el('p', { class: 'notice notice-warnings', role: 'status' }, `${item.text} — `, link, '.');
}
