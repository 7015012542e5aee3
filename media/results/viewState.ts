// The page's persisted state (VS Code keeps it across reloads and while the view is hidden): which
// run and comparison are shown, the table's sort and the chart filters. Anything else in a stored
// state is dropped, so an older or damaged state cannot break the page.
import { isResultsSource, type ResultsViewState } from '../../src/shared/resultsProtocol';

export interface StateStorage {
  getState(): ResultsViewState | undefined;
  setState(state: ResultsViewState): void;
}

export function sanitizeState(state: ResultsViewState | undefined): ResultsViewState {
  if (!state || typeof state !== 'object') return {};
  return {
    source: isResultsSource(state.source) ? state.source : undefined,
    compareSource: isResultsSource(state.compareSource) ? state.compareSource : undefined,
    sort:
      state.sort && typeof state.sort.column === 'string' && (state.sort.direction === 'ascending' || state.sort.direction === 'descending')
        ? state.sort
        : undefined,
    filters: state.filters && typeof state.filters.arch === 'string' && typeof state.filters.strategy === 'string' ? state.filters : undefined,
  };
}

export class ViewStateStore {
  private state: ResultsViewState;

  constructor(private readonly storage: StateStorage) {
    this.state = sanitizeState(storage.getState());
  }

  get current(): ResultsViewState {
    return this.state;
  }

  save(patch: Partial<ResultsViewState>): void {
    this.state = { ...this.state, ...patch };
    this.storage.setState(this.state);
  }
}
