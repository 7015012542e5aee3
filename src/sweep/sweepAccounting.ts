// Accounting for one sweep session: cost spent (from billed durations), errors, retries, and the
// ETA from the pace of the invocations done in this session.
import type { InvocationRecord } from '../core/invocationRecord';
import { invocationCostUsd } from '../core/pricing';

export class SweepAccounting {
  costUsd = 0;
  errors = 0;
  retries = 0;
  doneInSession = 0;
  /** The ETA is measured from here (reset after the cost confirmation, which may wait on the user). */
  private etaStartMs = Date.now();
  private etaDoneBase = 0;

  constructor(private readonly region: string) {}

  account(record: InvocationRecord, inSession: boolean): void {
    if (record.error !== null) this.errors++;
    this.retries += record.retries;
    this.addCost(record);
    if (inSession) this.doneInSession++;
  }

  addCost(record: InvocationRecord): void {
    if (record.billedMs !== null) {
      this.costUsd += invocationCostUsd({ billedMs: record.billedMs, memoryMB: record.memoryMB, arch: record.arch, region: this.region });
    }
  }

  restartEta(): void {
    this.etaStartMs = Date.now();
    this.etaDoneBase = this.doneInSession;
  }

  /** Estimated ms until `remaining` more invocations end, at this session's pace; null before any ended. */
  etaMs(remaining: number): number | null {
    const doneSinceStart = this.doneInSession - this.etaDoneBase;
    if (doneSinceStart <= 0) return null;
    return Math.round(((Date.now() - this.etaStartMs) / doneSinceStart) * Math.max(0, remaining));
  }
}
