// The sweep engine's view of a user's own function: each invocation sends one of the user's
// payloads (chosen by its repetition: in turn, or by weight), with the thread field set when the
// thread count is a payload field; records come from recordFromOwnFunction and name the payload
// they sent; the first function error stops the sweep.
import { payloadForThreads, payloadIndexFor, payloadSchedule, type SweepPayload, type ThreadDimension } from '../core/ownFunction';
import type { PlannedInvocation } from '../core/sweepPlan';
import type { InvocationAdapter } from '../sweep/sweepEngine';
import { FUNCTION_ERROR_PREFIX, unmeasuredRecord } from '../sweep/invokeResponse';
import { recordFromOwnFunction } from './ownFunctionRecord';

export const OWN_FUNCTION_TIMING = "the function's processingMs when it returns one, else the REPORT line's Duration (Billed and Init Duration as reported)";

/**
 * `nameRecords`: write each payload's name into the records (false only when resuming a run from
 * before payloads were named, so its records stay alike).
 */
export function ownFunctionAdapter(payloads: readonly SweepPayload[], threads: ThreadDimension, nameRecords = true): InvocationAdapter {
  if (payloads.length === 0) throw new Error('A sweep of your own function needs at least one payload.');
  const schedule = payloadSchedule(payloads.map((p) => p.weight));
  const pick = (planned: PlannedInvocation) => payloads[payloadIndexFor(planned, schedule)];
  const named = (planned: PlannedInvocation) => (nameRecords ? { payload: pick(planned).name } : {});
  return {
    payloadFor: (planned) => payloadForThreads(pick(planned).value, threads, planned.threads),
    recordFrom: (runId, planned, response, retries, startedAt) => ({
      ...recordFromOwnFunction(runId, planned, response, retries, startedAt),
      ...named(planned),
    }),
    unmeasuredFrom: (runId, planned, error, retries, startedAt) => ({ ...unmeasuredRecord(runId, planned, error, retries, startedAt), ...named(planned) }),
    stopAfter: (record) =>
      record.error !== null && record.error.startsWith(FUNCTION_ERROR_PREFIX)
        ? `${record.error}${nameRecords && payloads.length > 1 && record.payload ? ` (payload ${record.payload})` : ''}`
        : null,
  };
}
