// The message protocol between the results view's host (src/results/resultsPanel.ts) and its page
// (media/results/main.ts). Both sides import this one module, so a renamed field breaks the build
// instead of silently breaking the view. Pure: no DOM, no Node, no vscode.
import type { AnalysisResult } from '../core/analysis/analysisTypes';
import type { CpuLimitSummary } from '../core/analysis/cpuLimitCheck';

export type { CpuLimitSummary };

/** Where a view's data comes from; persisted in the page's state so a reload can restore it. */
export type ResultsSource = { kind: 'run'; runDir: string } | { kind: 'files'; files: string[] };

/** One analysed run (or set of imported files) as the page draws it. */
export interface AnalysedRun {
  /** Short human label, e.g. the run id or "seed-results (492 files)". */
  runLabel: string;
  source: ResultsSource;
  /** Problems met while reading input, including the unthrottled warning, are in `analysis.warnings`. */
  analysis: AnalysisResult;
  /** How the CPU was limited; the page shows a banner when any invocation ran unthrottled. */
  cpuLimit: CpuLimitSummary;
  /** Invocation records (or CSV rows) read, for the status line. */
  recordCount: number;
  /** True while a sweep is still appending to the run. */
  live: boolean;
  /** ISO time the analysis was computed. */
  analysedAt: string;
  /** A run that sent several payloads: which one is shown (only its records are analysed) and all of them, in the run's order. */
  payload?: PayloadSelection;
}

export interface PayloadSelection {
  shown: string;
  names: string[];
}

/** Messages the host sends to the page. */
export enum ToWebview {
  ShowAnalysis = 'showAnalysis',
  ShowEmpty = 'showEmpty',
  Status = 'status',
  ExportDone = 'exportDone',
}

/** Messages the page sends to the host. */
export enum FromWebview {
  Ready = 'ready',
  PickRun = 'pickRun',
  PickCompareRun = 'pickCompareRun',
  ClearCompare = 'clearCompare',
  ImportFiles = 'importFiles',
  ExportCsv = 'exportCsv',
  ExportChart = 'exportChart',
  /** Show another payload of a run that sent several. */
  SelectPayload = 'selectPayload',
  /** The page finished drawing a ShowAnalysis message; lets tests and the host know. */
  Rendered = 'rendered',
}

export interface ShowAnalysisBody {
  type: ToWebview.ShowAnalysis;
  primary: AnalysedRun;
  compareWith?: AnalysedRun;
}

export interface ShowEmptyBody {
  type: ToWebview.ShowEmpty;
  message: string;
}

export interface StatusBody {
  type: ToWebview.Status;
  level: 'info' | 'error';
  text: string;
}

export interface ExportDoneBody {
  type: ToWebview.ExportDone;
  /** 'saved' with the path, 'cancelled' by the user, or 'failed' with a message. */
  outcome: 'saved' | 'cancelled' | 'failed';
  path?: string;
  message?: string;
}

export type ToWebviewBody = ShowAnalysisBody | ShowEmptyBody | StatusBody | ExportDoneBody;

export interface ReadyBody {
  type: FromWebview.Ready;
}
export interface PickRunBody {
  type: FromWebview.PickRun;
}
export interface PickCompareRunBody {
  type: FromWebview.PickCompareRun;
}
export interface ClearCompareBody {
  type: FromWebview.ClearCompare;
}
export interface ImportFilesBody {
  type: FromWebview.ImportFiles;
}
export interface ExportCsvBody {
  type: FromWebview.ExportCsv;
  suggestedName: string;
  csv: string;
}
export type ChartId = 'timeVsMemory' | 'speedupVsThreads' | 'costVsTime' | 'heatmap';
export const CHART_IDS: readonly ChartId[] = ['timeVsMemory', 'speedupVsThreads', 'costVsTime', 'heatmap'];

export interface ExportChartBody {
  type: FromWebview.ExportChart;
  chartId: ChartId;
  format: 'png' | 'svg';
  suggestedName: string;
  /** PNG: a `data:image/png;base64,...` URL. SVG: the SVG document text. */
  data: string;
}
export interface SelectPayloadBody {
  type: FromWebview.SelectPayload;
  payload: string;
  /** Whose payload: the compared run's, or (absent) the run shown first. */
  slot?: 'compare';
}
export interface RenderedBody {
  type: FromWebview.Rendered;
  tableRows: number;
  charts: ChartId[];
}

export type FromWebviewBody =
  ReadyBody | PickRunBody | PickCompareRunBody | ClearCompareBody | ImportFilesBody | ExportCsvBody | ExportChartBody | SelectPayloadBody | RenderedBody;

/** Every message travels in this envelope; replies name the message they answer. */
export interface Envelope<Body> {
  messageId: number;
  inReplyTo?: number;
  body: Body;
}

/** What the page keeps with `vscode.setState` and the serializer gets back after a reload. */
export interface ResultsViewState {
  source?: ResultsSource;
  compareSource?: ResultsSource;
  sort?: { column: string; direction: 'ascending' | 'descending' };
  filters?: { arch: string; strategy: string };
}

/** Counter-based message ids, one sequence per side. */
export function createEnvelopeFactory(): <Body>(body: Body, inReplyTo?: number) => Envelope<Body> {
  let next = 1;
  return (body, inReplyTo) => (inReplyTo === undefined ? { messageId: next++, body } : { messageId: next++, inReplyTo, body });
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isEnvelopeShape(value: unknown): value is { messageId: number; inReplyTo?: unknown; body: Record<string, unknown> } {
  return (
    isRecord(value) &&
    typeof value.messageId === 'number' &&
    Number.isInteger(value.messageId) &&
    (value.inReplyTo === undefined || typeof value.inReplyTo === 'number') &&
    isRecord(value.body) &&
    typeof value.body.type === 'string'
  );
}

export function isResultsSource(value: unknown): value is ResultsSource {
  if (!isRecord(value)) return false;
  if (value.kind === 'run') return typeof value.runDir === 'string' && value.runDir.length > 0;
  if (value.kind === 'files') {
    return Array.isArray(value.files) && value.files.length > 0 && value.files.every((f) => typeof f === 'string' && f.length > 0);
  }
  return false;
}

function isCpuLimitSummary(value: unknown): value is CpuLimitSummary {
  return (
    isRecord(value) &&
    (value.method === null || typeof value.method === 'string') &&
    typeof value.unthrottledInvocations === 'number' &&
    typeof value.totalInvocations === 'number'
  );
}

function isAnalysedRun(value: unknown): value is AnalysedRun {
  return (
    isRecord(value) &&
    typeof value.runLabel === 'string' &&
    isResultsSource(value.source) &&
    isRecord(value.analysis) &&
    Array.isArray(value.analysis.configs) &&
    Array.isArray(value.analysis.knee) &&
    isRecord(value.analysis.recommendations) &&
    Array.isArray(value.analysis.warnings) &&
    (value.analysis.predictions === undefined || Array.isArray(value.analysis.predictions)) &&
    isCpuLimitSummary(value.cpuLimit) &&
    typeof value.recordCount === 'number' &&
    typeof value.live === 'boolean' &&
    typeof value.analysedAt === 'string' &&
    (value.payload === undefined ||
      (isRecord(value.payload) &&
        typeof value.payload.shown === 'string' &&
        Array.isArray(value.payload.names) &&
        value.payload.names.every((n) => typeof n === 'string')))
  );
}

/** Checks a message the page received; anything else (other extensions' noise, stale pages) is ignored. */
export function isToWebviewMessage(value: unknown): value is Envelope<ToWebviewBody> {
  if (!isEnvelopeShape(value)) return false;
  const body = value.body;
  switch (body.type) {
    case ToWebview.ShowAnalysis:
      return isAnalysedRun(body.primary) && (body.compareWith === undefined || isAnalysedRun(body.compareWith));
    case ToWebview.ShowEmpty:
      return typeof body.message === 'string';
    case ToWebview.Status:
      return (body.level === 'info' || body.level === 'error') && typeof body.text === 'string';
    case ToWebview.ExportDone:
      return body.outcome === 'saved' || body.outcome === 'cancelled' || body.outcome === 'failed';
    default:
      return false;
  }
}

const SAFE_FILE_NAME = /^[\w.\- ()]{1,120}$/;

/** Checks a message the host received from the page. The page is ours, but it renders data, so stay strict. */
export function isFromWebviewMessage(value: unknown): value is Envelope<FromWebviewBody> {
  if (!isEnvelopeShape(value)) return false;
  const body = value.body;
  switch (body.type) {
    case FromWebview.Ready:
    case FromWebview.PickRun:
    case FromWebview.PickCompareRun:
    case FromWebview.ClearCompare:
    case FromWebview.ImportFiles:
      return true;
    case FromWebview.ExportCsv:
      return typeof body.csv === 'string' && typeof body.suggestedName === 'string' && SAFE_FILE_NAME.test(body.suggestedName);
    case FromWebview.ExportChart:
      return (
        (CHART_IDS as readonly unknown[]).includes(body.chartId) &&
        typeof body.suggestedName === 'string' &&
        SAFE_FILE_NAME.test(body.suggestedName) &&
        ((body.format === 'png' && typeof body.data === 'string' && body.data.startsWith('data:image/png;base64,')) ||
          (body.format === 'svg' && typeof body.data === 'string' && body.data.trimStart().startsWith('<svg')))
      );
    case FromWebview.SelectPayload:
      return typeof body.payload === 'string' && body.payload.length > 0 && body.payload.length <= 1000 && (body.slot === undefined || body.slot === 'compare');
    case FromWebview.Rendered:
      return typeof body.tableRows === 'number' && Array.isArray(body.charts);
    default:
      return false;
  }
}

/** Decodes the PNG data URL the page sends into bytes to write. Throws if it is not one. */
export function pngBytesFromDataUrl(dataUrl: string): Uint8Array {
  const prefix = 'data:image/png;base64,';
  if (!dataUrl.startsWith(prefix)) throw new Error('The chart export is not a PNG data URL; try exporting again.');
  const base64 = dataUrl.slice(prefix.length);
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(base64)) throw new Error('The chart export contains characters that are not base64; try exporting again.');
  // atob exists in browsers and in Node >= 16, so this stays free of Node's Buffer.
  const binary = atob(base64);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}
