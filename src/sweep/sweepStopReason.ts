// Why a sweep stopped, as data. The engine decides what happened; each caller words the next step
// in its own terms (the CLI names flags, VS Code names settings and commands). describeStopReason
// gives the neutral sentence stored in run.json's statusReason, which both show as it is.
import { formatUsd } from '../core/costEstimate';

export type SweepStopReason =
  | { kind: 'cancelled' }
  | { kind: 'notConfirmed'; estimatedUsd: number }
  /** The next invocation (the pilot, if beforePilot) would take the cost past the ceiling. */
  | { kind: 'costCeiling'; limitUsd: number; spentUsd: number; inFlight: boolean; beforePilot: boolean }
  /** The pilot's record is an error from an earlier session (resume). */
  | { kind: 'pilotFailedEarlier'; functionName: string; error: string }
  | { kind: 'pilotFailed'; functionName: string; error: string }
  /** The function failed on the payload (a user's own function): the rest of the plan would fail alike. */
  | { kind: 'functionFailed'; functionName: string; threads: number; error: string }
  | { kind: 'functionNotFound'; functionName: string }
  | { kind: 'endpointUnreachable'; detail: string }
  | { kind: 'unexpected'; message: string };

/** What happened, with no caller-specific remedy (no flags, no buttons). */
export function describeStopReason(reason: SweepStopReason): string {
  switch (reason.kind) {
    case 'cancelled':
      return 'Cancelled by the user; the run can be resumed.';
    case 'notConfirmed':
      return `Not confirmed: the sweep would cost about ${formatUsd(reason.estimatedUsd)}. Nothing more was run; the run can be resumed.`;
    // At AWS prices on every target: on the built-in endpoint nothing is billed, so "spent" would be wrong.
    case 'costCeiling':
      return reason.beforePilot
        ? `Cost limit reached: the invocations so far come to ${formatUsd(reason.spentUsd)} at AWS Lambda prices, and even the pilot invocation would pass the limit of ${formatUsd(reason.limitUsd)}.`
        : `Cost limit reached: the invocations so far come to ${formatUsd(reason.spentUsd)} at AWS Lambda prices${reason.inFlight ? ' (plus invocations in flight)' : ''}, and the next invocation would pass the limit of ${formatUsd(reason.limitUsd)}.`;
    case 'pilotFailedEarlier':
      return `The pilot invocation of ${reason.functionName} failed earlier (${reason.error}); nothing else was run.`;
    case 'pilotFailed':
      return `The pilot invocation of ${reason.functionName} failed: ${reason.error}. Nothing else was run.`;
    case 'functionFailed':
      return `${reason.functionName} failed on the payload (threads ${reason.threads}): ${reason.error}. The sweep stopped at this first function error instead of spending the rest of the plan.`;
    case 'functionNotFound':
      return `Function ${reason.functionName} was not found on the target (deleted, or the built-in endpoint was restarted); this run cannot be finished with a new function: deploy the experiment again and start a new sweep.`;
    case 'endpointUnreachable':
      return `The endpoint stopped answering (${reason.detail}).`;
    case 'unexpected':
      return reason.message;
  }
}
