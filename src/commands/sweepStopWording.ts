// How VS Code words why a sweep stopped: the engine gives the reason as data (sweepStopReason.ts);
// here the next step names VS Code's own commands and settings, never a CLI flag.
import type { SweepOutcome } from '../sweep/sweepEngine';

/** The next step in VS Code terms for a sweep that stopped early or left errors; '' if none. */
export function vscodeStopAdvice(outcome: Pick<SweepOutcome, 'stopReason' | 'errors'>): string {
  const reason = outcome.stopReason;
  switch (reason?.kind) {
    case 'costCeiling':
      return 'Raise the setting lambdaLab.maxCostUsd (or clear it), then run "Lambda Lab: Run Sweep" and pick this run to resume it.';
    case 'notConfirmed':
      return 'Run "Lambda Lab: Run Sweep" and pick this run to resume it, then confirm the cost.';
    case 'pilotFailedEarlier':
      return 'If that was a passing problem, run "Lambda Lab: Run Sweep" and pick "Resume … and retry failed invocations"; otherwise fix the function, deploy it again and start a new sweep.';
    case 'pilotFailed':
      return 'Fix the function, deploy it again ("Lambda Lab: Deploy Experiment") and start a new sweep.';
    case 'endpointUnreachable':
      return 'Check the target is running and reachable, then run "Lambda Lab: Run Sweep" and pick this run to resume it.';
    case 'cancelled':
    case 'unexpected':
      return 'Run "Lambda Lab: Run Sweep" and pick this run to resume it.';
    case 'functionFailed':
      return 'Check the function works with this payload (invoke it once yourself), then start a new sweep of it.';
    case 'functionNotFound':
      return '';
    case undefined:
      return outcome.errors > 0
        ? `${outcome.errors} invocation(s) ended in an error: run "Lambda Lab: Run Sweep" and pick "Resume … and retry failed invocations" to run them again.`
        : '';
  }
}
