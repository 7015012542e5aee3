// Progress of the sweeps running in this window, by run folder, so the Lambda Lab view can show
// "12/40" on a run's node while Run Sweep reports to its notification. In memory only: a sweep
// run by another process shows up through its run.json (status "running") instead.
import * as vscode from 'vscode';

export interface SweepProgressSnapshot {
  done: number;
  total: number;
  errors: number;
}

class SweepProgressRegistry {
  private readonly byRunDir = new Map<string, SweepProgressSnapshot>();
  private readonly changed = new vscode.EventEmitter<string>();
  /** Fires with the run folder whose progress changed (or ended). */
  readonly onDidChange = this.changed.event;

  report(runDir: string, snapshot: SweepProgressSnapshot): void {
    this.byRunDir.set(runDir, snapshot);
    this.changed.fire(runDir);
  }

  finish(runDir: string): void {
    if (this.byRunDir.delete(runDir)) this.changed.fire(runDir);
  }

  get(runDir: string): SweepProgressSnapshot | undefined {
    return this.byRunDir.get(runDir);
  }
}

export const sweepProgress = new SweepProgressRegistry();
