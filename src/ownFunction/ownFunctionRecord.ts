// Records for a user's own function: its time is its own `processingMs` when it returns one, else
// the platform's REPORT line (Duration; Billed Duration and Init Duration as reported). A function
// error or timeout is recorded as an error, never as a time.
import type { InvokeCommandOutput } from '@aws-sdk/client-lambda';
import type { InvocationRecord } from '../core/invocationRecord';
import type { PlannedInvocation } from '../core/sweepPlan';
import { readInvokeResponse, unmeasuredRecord } from '../sweep/invokeResponse';

export function recordFromOwnFunction(
  runId: string,
  planned: PlannedInvocation,
  response: InvokeCommandOutput,
  retries: number,
  startedAt: string,
): InvocationRecord {
  const { result, report, reportProblem, functionError } = readInvokeResponse(response);
  let error = functionError ?? reportProblem;
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
