// The sweep engine's view of a user's own function: each invocation sends the user's payload (with
// the thread field set when the thread count is a payload field), records come from
// recordFromOwnFunction, and the first function error stops the sweep.
import { payloadForThreads } from '../core/ownFunction';
import type { OwnFunctionRun } from '../core/runFiles';
import type { InvocationAdapter } from '../sweep/sweepEngine';
import { FUNCTION_ERROR_PREFIX } from '../sweep/invokeResponse';
import { recordFromOwnFunction } from './ownFunctionRecord';

export const OWN_FUNCTION_TIMING = "the function's processingMs when it returns one, else the REPORT line's Duration (Billed and Init Duration as reported)";

export function ownFunctionAdapter(run: Pick<OwnFunctionRun, 'payload' | 'threads'>): InvocationAdapter {
  return {
    payloadFor: (planned) => payloadForThreads(run.payload, run.threads, planned.threads),
    recordFrom: recordFromOwnFunction,
    stopAfter: (record) => (record.error !== null && record.error.startsWith(FUNCTION_ERROR_PREFIX) ? record.error : null),
  };
}
