// Turns an Invoke response (the function's JSON result and the REPORT line in the log tail) into
// the record written to invocations.jsonl; a response that is not a measurement becomes an error record.
import type { InvokeCommandOutput } from '@aws-sdk/client-lambda';
import type { InvocationRecord } from '../core/invocationRecord';
import { findReportLine, type ReportLine } from '../core/reportLine';
import type { PlannedInvocation } from '../core/sweepPlan';

const utf8 = new TextDecoder();

interface TemplateResult {
  processingMs?: unknown;
  availableParallelism?: unknown;
  cpuModel?: unknown;
  cpuLimit?: unknown;
  coldStart?: unknown;
  error?: unknown;
  errorMessage?: unknown;
  errorType?: unknown;
}

/** Prefix of the error of a record whose function failed (FunctionError). */
export const FUNCTION_ERROR_PREFIX = 'Function error';

/** What any Invoke response says, read once: the payload, its JSON object, the REPORT line, the function's error. */
export interface InvokeResponseParts {
  payloadText: string;
  result: TemplateResult | null;
  report: ReportLine | null;
  /** Why the log tail's REPORT line could not be read, if it could not. */
  reportProblem: string | null;
  /** "Function error (Unhandled): <message>" when the function failed, else null. */
  functionError: string | null;
}

export function readInvokeResponse(response: InvokeCommandOutput): InvokeResponseParts {
  const payloadText = response.Payload ? utf8.decode(response.Payload) : '';
  let result: TemplateResult | null = null;
  try {
    const parsed: unknown = payloadText ? JSON.parse(payloadText) : null;
    if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) result = parsed as TemplateResult;
  } catch {
    result = null;
  }
  let report: ReportLine | null = null;
  let reportProblem: string | null = null;
  if (response.LogResult) {
    try {
      report = findReportLine(Buffer.from(response.LogResult, 'base64').toString('utf8'));
    } catch (error) {
      reportProblem = `the REPORT line could not be read: ${error instanceof Error ? error.message : String(error)}`;
    }
  }
  let functionError: string | null = null;
  if (response.FunctionError) {
    const message =
      typeof result?.errorMessage === 'string'
        ? result.errorMessage
        : typeof result?.errorType === 'string'
          ? result.errorType
          : payloadText.slice(0, 500) || 'no message';
    functionError = `${FUNCTION_ERROR_PREFIX} (${response.FunctionError}): ${message}`;
  }
  return { payloadText, result, report, reportProblem, functionError };
}

export function recordFromResponse(
  runId: string,
  planned: PlannedInvocation,
  response: InvokeCommandOutput,
  retries: number,
  startedAt: string,
): InvocationRecord {
  const { payloadText, result, report, reportProblem, functionError } = readInvokeResponse(response);
  let error: string | null = functionError;
  if (error === null && typeof result?.error === 'string') error = `The function refused the event: ${result.error}`;
  else if (error === null && result === null) error = `The function returned no JSON object: ${payloadText.slice(0, 200) || '(empty payload)'}`;
  const processingMs = typeof result?.processingMs === 'number' ? result.processingMs : null;
  if (error === null && processingMs === null) error = 'The function result has no processingMs; is this the Lambda Lab template?';
  if (error === null && reportProblem) error = reportProblem;
  // Someone changed the function's memory mid-sweep: this measurement is not of the planned configuration.
  if (error === null && report && report.memorySizeMB !== planned.memoryMB) {
    error = `function memory changed during the sweep: planned ${planned.memoryMB} MB, ran at ${report.memorySizeMB} MB`;
  }
  // The unmeasured record filled in place (no spread): records of both kinds keep one object shape,
  // so the code that reads them stays monomorphic.
  const record = unmeasuredRecord(runId, planned, error, retries, startedAt);
  record.coldStart = planned.warmup || (report ? report.coldStart : result?.coldStart === true);
  record.processingMs = processingMs;
  record.durationMs = report?.durationMs ?? null;
  record.billedMs = report?.billedMs ?? null;
  record.initMs = report?.initDurationMs ?? null;
  record.maxMemoryMB = report?.maxMemoryUsedMB ?? null;
  record.cores = typeof result?.availableParallelism === 'number' ? result.availableParallelism : null;
  record.cpuModel = typeof result?.cpuModel === 'string' ? result.cpuModel : null;
  record.cpuLimit = typeof result?.cpuLimit === 'string' ? result.cpuLimit : null;
  return record;
}

/** The planned invocation's identity with nothing measured: all an invocation without a response leaves. */
export function unmeasuredRecord(runId: string, planned: PlannedInvocation, error: string | null, retries: number, startedAt: string): InvocationRecord {
  return {
    runId,
    functionName: planned.functionName,
    arch: planned.arch,
    memoryMB: planned.memoryMB,
    threads: planned.threads,
    strategy: planned.strategy,
    rep: planned.rep,
    warmup: planned.warmup,
    coldStart: planned.warmup,
    processingMs: null,
    durationMs: null,
    billedMs: null,
    initMs: null,
    maxMemoryMB: null,
    cores: null,
    cpuModel: null,
    cpuLimit: null,
    error,
    retries,
    startedAt,
    endedAt: new Date().toISOString(),
  };
}
