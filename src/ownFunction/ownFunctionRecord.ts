// Records for a user's own function: its time is its own `processingMs` when it returns one, else
// the platform's REPORT line (Duration; Billed Duration and Init Duration as reported). A function
// error or timeout is recorded as an error, never as a time.
import type { InvokeCommandOutput } from '@aws-sdk/client-lambda';
import type { InvocationRecord } from '../core/invocationRecord';
import { findReportLine, type ReportLine } from '../core/reportLine';
import type { PlannedInvocation } from '../core/sweepPlan';
import { unmeasuredRecord } from '../sweep/invokeResponse';

/** Prefix of the error of a record whose function failed (FunctionError): what stops an own-function sweep. */
export const FUNCTION_ERROR_PREFIX = 'Function error';

export function recordFromOwnFunction(
  runId: string,
  planned: PlannedInvocation,
  response: InvokeCommandOutput,
  retries: number,
  startedAt: string,
): InvocationRecord {
  const payloadText = response.Payload ? new TextDecoder().decode(response.Payload) : '';
  let result: Record<string, unknown> | null = null;
  try {
    const parsed: unknown = payloadText ? JSON.parse(payloadText) : null;
    if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) result = parsed as Record<string, unknown>;
  } catch {
    result = null;
  }
  let report: ReportLine | null = null;
  let error: string | null = null;
  if (response.LogResult) {
    try {
      report = findReportLine(Buffer.from(response.LogResult, 'base64').toString('utf8'));
    } catch (problem) {
      error = `the REPORT line could not be read: ${problem instanceof Error ? problem.message : String(problem)}`;
    }
  }
  if (response.FunctionError) {
    const message =
      typeof result?.errorMessage === 'string'
        ? result.errorMessage
        : typeof result?.errorType === 'string'
          ? result.errorType
          : payloadText.slice(0, 500) || 'no message';
    error = `${FUNCTION_ERROR_PREFIX} (${response.FunctionError}): ${message}`;
  }
  const ownMs = typeof result?.processingMs === 'number' && Number.isFinite(result.processingMs) && result.processingMs >= 0 ? result.processingMs : null;
  const timeSource = ownMs !== null ? 'function' : report ? 'report' : null;
  if (error === null && timeSource === null) {
    error = 'No time: the function returned no processingMs and the response had no REPORT line (the target gave no log tail).';
  }
  if (error === null && report && report.memorySizeMB !== planned.memoryMB) {
    error = `function memory changed during the sweep: planned ${planned.memoryMB} MB, ran at ${report.memorySizeMB} MB`;
  }
  const measured = error === null;
  return {
    ...unmeasuredRecord(runId, planned, error, retries, startedAt),
    coldStart: planned.warmup || (report ? report.coldStart : false),
    processingMs: measured ? (ownMs ?? report!.durationMs) : null,
    durationMs: report?.durationMs ?? null,
    billedMs: report?.billedMs ?? null,
    initMs: report?.initDurationMs ?? null,
    maxMemoryMB: report?.maxMemoryUsedMB ?? null,
    cores: typeof result?.availableParallelism === 'number' ? result.availableParallelism : null,
    cpuModel: typeof result?.cpuModel === 'string' ? result.cpuModel : null,
    cpuLimit: typeof result?.cpuLimit === 'string' ? result.cpuLimit : null,
    ...(measured && timeSource ? { timeSource } : {}),
  };
}
