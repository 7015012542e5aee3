// The sortable summary table: a real <table>, header buttons that sort (keyboard included, since
// they are buttons), aria-sort on the sorted column, and a polite announcement of the new order.
import { el } from './dom';
import { sortRows, tableColumns, type SortDirection, type TableRow } from './tableModel';

export interface SortState {
  column: string;
  direction: SortDirection;
}

export interface SummaryTableOptions {
  rows: readonly TableRow[];
  comparing: boolean;
  sort: SortState | undefined;
  onSortChange(sort: SortState, sortedRows: TableRow[]): void;
  announce(text: string): void;
}

/** Returns the rows in the order shown (for CSV export). */
export function renderSummaryTable(container: HTMLElement, options: SummaryTableOptions): TableRow[] {
  const columns = tableColumns(options.comparing);
  const column = columns.find((c) => c.id === options.sort?.column);
  const sorted = column && options.sort ? sortRows(options.rows, column, options.sort.direction) : sortRows(options.rows, columns[0], 'ascending');
  const effectiveSort: SortState = column && options.sort ? options.sort : { column: columns[0].id, direction: 'ascending' };

  const headerCells = columns.map((c) => {
    const sortedHere = c.id === effectiveSort.column;
    const nextDirection: SortDirection = sortedHere && effectiveSort.direction === 'ascending' ? 'descending' : 'ascending';
    const sortButton = el(
      'button',
      { type: 'button', class: 'sort-button', title: `${c.description}. Sort ${nextDirection}.`, 'data-column': c.id },
      c.label,
      el('span', { class: 'sort-indicator', 'aria-hidden': 'true' }, sortedHere ? (effectiveSort.direction === 'ascending' ? ' ▲' : ' ▼') : ''),
    );
    sortButton.addEventListener('click', () => {
      const next: SortState = { column: c.id, direction: nextDirection };
      const nextRows = renderSummaryTable(container, { ...options, sort: next });
      options.announce(`Table sorted by ${c.label}, ${nextDirection}.`);
      options.onSortChange(next, nextRows);
      (container.querySelector(`button[data-column="${c.id}"]`) as HTMLButtonElement | null)?.focus();
    });
    return el('th', { scope: 'col', class: c.numeric ? 'numeric' : undefined, 'aria-sort': sortedHere ? effectiveSort.direction : undefined }, sortButton);
  });
  const bodyRows = sorted.map((row) => el('tr', {}, ...columns.map((c) => el('td', { class: c.numeric ? 'numeric' : undefined }, c.display(row)))));
  const anyEstimated = options.rows.some((r) => r.config.costBasis === 'processing');
  const table = el(
    'table',
    { class: 'summary-table', id: 'summary-table' },
    el('caption', {}, `Per-configuration statistics (${options.rows.length} configurations). Select a column heading to sort.`),
    el('thead', {}, el('tr', {}, ...headerCells)),
    el('tbody', {}, ...bodyRows),
  );
  container.replaceChildren(
    el('div', { class: 'table-scroll', tabindex: '0', role: 'region', 'aria-label': 'Summary table, scrolls horizontally' }, table),
    anyEstimated
      ? el('p', { class: 'footnote' }, '* Cost estimated from the function\u2019s own processing time: Lambda\u2019s billed duration is not in these files.')
      : '',
  );
  return sorted;
}
