// The results webview: one panel that shows a run (or imported files), optionally compared with a
// second; follows a running sweep live; survives a window reload through its serializer.
import { randomBytes } from 'node:crypto';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import * as vscode from 'vscode';
import { inVsCodeWords } from '../commands/vsCodeWording';
import {
  createEnvelopeFactory,
  FromWebview,
  isFromWebviewMessage,
  isResultsSource,
  pngBytesFromDataUrl,
  ToWebview,
  type AnalysedRun,
  type Envelope,
  type FromWebviewBody,
  type RenderedBody,
  type ResultsSource,
  type ResultsViewState,
  type ToWebviewBody,
} from '../shared/resultsProtocol';
import { resultsPageHtml } from './resultsHtml';
import { loadResultsSource, RunLoader, RunNotStartedError } from './resultsLoader';
import { pickImportFiles, pickResultsSource } from './resultsPickers';
import { RunWatcher } from './runWatcher';

export const RESULTS_VIEW_TYPE = 'lambdaLabResults';

type Slot = 'primary' | 'compare';

export class ResultsPanel {
  private static current: ResultsPanel | undefined;
  private static created = 0;

  readonly id: string;
  private readonly envelope = createEnvelopeFactory();
  private readonly disposables: vscode.Disposable[] = [];
  private readonly sources: Record<Slot, ResultsSource | undefined> = { primary: undefined, compare: undefined };
  private readonly runs: Record<Slot, AnalysedRun | undefined> = { primary: undefined, compare: undefined };
  private readonly watchers: Record<Slot, RunWatcher | undefined> = { primary: undefined, compare: undefined };
  /** A run's loader keeps what it parsed, so a live update reads only the records appended since. */
  private readonly loaders: Record<Slot, RunLoader | undefined> = { primary: undefined, compare: undefined };
  private emptyMessage = 'No run chosen yet.';
  private pageReady = false;
  private lastRendered: RenderedBody | undefined;
  /** Id of the last ShowAnalysis posted; only the page's answer to it counts as rendered. */
  private lastShowMessageId: number | undefined;
  private renderWaiters: Array<(body: RenderedBody) => void> = [];
  private disposed = false;

  /** Shows the view (reusing the open one) and, if given, loads the sources into it. */
  static async show(context: vscode.ExtensionContext, source?: ResultsSource, compareSource?: ResultsSource): Promise<ResultsPanel> {
    let view = ResultsPanel.current;
    if (view) view.panel.reveal(undefined, false);
    else {
      const panel = vscode.window.createWebviewPanel(RESULTS_VIEW_TYPE, 'Lambda Lab Results', vscode.ViewColumn.Active, ResultsPanel.webviewOptions(context));
      view = new ResultsPanel(context, panel);
    }
    if (source) view.load(source, compareSource);
    return view;
  }

  /** Called by the serializer after a window reload with the state the page saved. */
  static revive(context: vscode.ExtensionContext, panel: vscode.WebviewPanel, state: unknown): ResultsPanel {
    ResultsPanel.current?.panel.dispose();
    const view = new ResultsPanel(context, panel);
    const saved = (typeof state === 'object' && state !== null ? state : {}) as ResultsViewState;
    if (isResultsSource(saved.source)) view.load(saved.source, isResultsSource(saved.compareSource) ? saved.compareSource : undefined);
    else view.sendCurrent();
    return view;
  }

  private static webviewOptions(context: vscode.ExtensionContext): vscode.WebviewPanelOptions & vscode.WebviewOptions {
    return {
      enableScripts: true,
      enableFindWidget: true,
      localResourceRoots: [vscode.Uri.joinPath(context.extensionUri, 'dist', 'webview'), vscode.Uri.joinPath(context.extensionUri, 'media')],
    };
  }

  private constructor(
    private readonly context: vscode.ExtensionContext,
    private readonly panel: vscode.WebviewPanel,
  ) {
    ResultsPanel.current = this;
    this.id = `results-${++ResultsPanel.created}`;
    const webview = panel.webview;
    webview.options = ResultsPanel.webviewOptions(context);
    webview.html = resultsPageHtml({
      cspSource: webview.cspSource,
      nonce: randomBytes(18).toString('base64'),
      scriptUri: webview.asWebviewUri(vscode.Uri.joinPath(context.extensionUri, 'dist', 'webview', 'results.js')).toString(),
      styleUri: webview.asWebviewUri(vscode.Uri.joinPath(context.extensionUri, 'media', 'results', 'results.css')).toString(),
    });
    this.disposables.push(
      panel.onDidDispose(() => this.dispose()),
      webview.onDidReceiveMessage((message: unknown) => void this.onMessage(message)),
    );
  }

  get runLabel(): string | undefined {
    return this.runs.primary?.runLabel;
  }

  /** Rows the table shows: both runs' configurations when comparing. */
  get tableRows(): number {
    return (this.runs.primary?.analysis.configs.length ?? 0) + (this.runs.primary ? (this.runs.compare?.analysis.configs.length ?? 0) : 0);
  }

  get hasAnalysis(): boolean {
    return this.runs.primary !== undefined;
  }

  load(source: ResultsSource, compareSource?: ResultsSource): void {
    this.sources.primary = source;
    this.sources.compare = compareSource;
    for (const slot of ['primary', 'compare'] as const) {
      this.watchers[slot]?.dispose();
      this.watchers[slot] = undefined;
      this.runs[slot] = undefined;
      this.loaders[slot] = undefined;
      const slotSource = this.sources[slot];
      if (slotSource?.kind === 'run') {
        this.loaders[slot] = new RunLoader(slotSource.runDir);
        this.watchers[slot] = new RunWatcher(slotSource.runDir, () => this.reload(slot, false));
      }
      this.readSlot(slot, true);
    }
    this.afterRead();
  }

  /** Re-reads one slot's files and posts the new analysis. */
  private reload(slot: Slot, announceErrors: boolean): void {
    if (this.disposed) return;
    this.readSlot(slot, announceErrors);
    this.afterRead();
  }

  /** Reads one slot's source. `announceErrors`: on the first load, not on every live update. */
  private readSlot(slot: Slot, announceErrors: boolean): void {
    const source = this.sources[slot];
    if (!source) {
      this.runs[slot] = undefined;
      if (slot === 'primary') this.emptyMessage = 'Choose a run to show.';
      return;
    }
    try {
      const loader = this.loaders[slot];
      this.runs[slot] = loader ? loader.load() : loadResultsSource(source);
    } catch (error) {
      this.runs[slot] = undefined;
      const message = error instanceof Error ? error.message : String(error);
      if (error instanceof RunNotStartedError) {
        if (slot === 'primary') this.emptyMessage = message;
      } else {
        if (slot === 'primary') this.emptyMessage = `Could not read the results: ${message}`;
        if (announceErrors) void vscode.window.showErrorMessage(`Lambda Lab: could not read the results. ${inVsCodeWords(message)}`);
        this.postToPage({ type: ToWebview.Status, level: 'error', text: message });
      }
    }
  }

  private afterRead(): void {
    const primary = this.runs.primary;
    const compare = this.runs.compare;
    this.panel.title = primary ? `Results: ${primary.runLabel}${compare ? ` vs ${compare.runLabel}` : ''}` : 'Lambda Lab Results';
    this.sendCurrent();
  }

  private sendCurrent(): void {
    if (!this.pageReady) return;
    const primary = this.runs.primary;
    if (primary) {
      this.lastRendered = undefined;
      this.lastShowMessageId = this.postToPage({ type: ToWebview.ShowAnalysis, primary, ...(this.runs.compare ? { compareWith: this.runs.compare } : {}) });
    } else {
      this.postToPage({ type: ToWebview.ShowEmpty, message: this.emptyMessage });
    }
  }

  private postToPage(body: ToWebviewBody, inReplyTo?: number): number | undefined {
    if (this.disposed) return undefined;
    const message = this.envelope(body, inReplyTo);
    void this.panel.webview.postMessage(message);
    return message.messageId;
  }

  /** Resolves when the page reports it drew the current analysis, or null after the timeout. */
  waitForRender(timeoutMs: number): Promise<RenderedBody | null> {
    if (this.lastRendered) return Promise.resolve(this.lastRendered);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.renderWaiters = this.renderWaiters.filter((w) => w !== waiter);
        resolve(null);
      }, timeoutMs);
      const waiter = (body: RenderedBody): void => {
        clearTimeout(timer);
        resolve(body);
      };
      this.renderWaiters.push(waiter);
    });
  }

  private async onMessage(raw: unknown): Promise<void> {
    if (!isFromWebviewMessage(raw)) return;
    const message = raw as Envelope<FromWebviewBody>;
    const body = message.body;
    switch (body.type) {
      case FromWebview.Ready:
        // Also sent again when VS Code recreates a hidden page: resend what it should show.
        this.pageReady = true;
        this.sendCurrent();
        break;
      case FromWebview.Rendered: {
        // An answer to an analysis replaced since then is stale.
        if (message.inReplyTo !== this.lastShowMessageId) break;
        this.lastRendered = body;
        const waiters = this.renderWaiters;
        this.renderWaiters = [];
        for (const waiter of waiters) waiter(body);
        break;
      }
      case FromWebview.PickRun: {
        const source = await pickResultsSource('show');
        if (source) this.load(source, this.sources.compare);
        break;
      }
      case FromWebview.PickCompareRun: {
        if (!this.sources.primary) {
          this.postToPage({ type: ToWebview.Status, level: 'error', text: 'Pick a run first, then a second run to compare it with.' }, message.messageId);
          break;
        }
        const source = await pickResultsSource('compare');
        if (source) this.load(this.sources.primary, source);
        break;
      }
      case FromWebview.ClearCompare:
        if (this.sources.primary) this.load(this.sources.primary, undefined);
        break;
      case FromWebview.ImportFiles: {
        const source = await pickImportFiles();
        if (source) this.load(source, this.sources.compare);
        break;
      }
      case FromWebview.SelectPayload: {
        // The loader keeps the choice, so the live follow goes on showing this payload.
        const slot = body.slot ?? 'primary';
        const loader = this.loaders[slot];
        if (!loader) break;
        loader.payload = body.payload;
        this.reload(slot, true);
        break;
      }
      case FromWebview.ExportCsv:
        await this.saveExport(message.messageId, body.suggestedName, { CSV: ['csv'] }, new TextEncoder().encode(body.csv));
        break;
      case FromWebview.ExportChart: {
        let bytes: Uint8Array;
        try {
          bytes = body.format === 'png' ? pngBytesFromDataUrl(body.data) : new TextEncoder().encode(body.data);
        } catch (error) {
          this.postToPage(
            { type: ToWebview.ExportDone, outcome: 'failed', message: error instanceof Error ? error.message : String(error) },
            message.messageId,
          );
          break;
        }
        await this.saveExport(message.messageId, body.suggestedName, body.format === 'png' ? { 'PNG image': ['png'] } : { 'SVG image': ['svg'] }, bytes);
        break;
      }
    }
  }

  /** Where save dialogs start: the run's folder, else the first workspace folder, else home. */
  private defaultExportDirectory(): string {
    const source = this.sources.primary;
    if (source?.kind === 'run') return source.runDir;
    if (source?.kind === 'files') return dirname(source.files[0]);
    return vscode.workspace.workspaceFolders?.[0]?.uri.fsPath ?? homedir();
  }

  private async saveExport(replyTo: number, suggestedName: string, filters: Record<string, string[]>, bytes: Uint8Array): Promise<void> {
    const target = await vscode.window.showSaveDialog({
      defaultUri: vscode.Uri.file(join(this.defaultExportDirectory(), suggestedName)),
      filters,
      title: 'Lambda Lab: export results',
    });
    if (!target) {
      this.postToPage({ type: ToWebview.ExportDone, outcome: 'cancelled' }, replyTo);
      return;
    }
    try {
      await vscode.workspace.fs.writeFile(target, bytes);
      this.postToPage({ type: ToWebview.ExportDone, outcome: 'saved', path: target.fsPath }, replyTo);
    } catch (error) {
      const text = `Could not save ${target.fsPath}: ${error instanceof Error ? error.message : String(error)}. Choose a folder you can write to.`;
      void vscode.window.showErrorMessage(`Lambda Lab: ${text}`);
      this.postToPage({ type: ToWebview.ExportDone, outcome: 'failed', message: text }, replyTo);
    }
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    if (ResultsPanel.current === this) ResultsPanel.current = undefined;
    for (const slot of ['primary', 'compare'] as const) this.watchers[slot]?.dispose();
    for (const waiter of this.renderWaiters) waiter({ type: FromWebview.Rendered, tableRows: 0, charts: [] });
    this.renderWaiters = [];
    for (const d of this.disposables) d.dispose();
    this.panel.dispose();
  }
}

/** Restores the view after a window reload (activation event `onWebviewPanel:lambdaLabResults`). */
export function registerResultsPanelSerializer(context: vscode.ExtensionContext): void {
  context.subscriptions.push(
    vscode.window.registerWebviewPanelSerializer(RESULTS_VIEW_TYPE, {
      async deserializeWebviewPanel(panel: vscode.WebviewPanel, state: unknown): Promise<void> {
        ResultsPanel.revive(context, panel, state);
      },
    }),
  );
}
