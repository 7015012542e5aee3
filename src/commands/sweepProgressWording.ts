// The progress notification's text while a sweep runs in VS Code. On a target that does not bill
// (the built-in endpoint, an endpoint on this machine) the cost is what the same invocations would
// cost on AWS, never "so far" as if billed. No vscode import.
import { runningCost } from '../core/usdFormat';
import type { SweepProgress } from '../sweep/sweepEngine';

type Progress = Pick<SweepProgress, 'done' | 'total' | 'etaMs' | 'costUsd' | 'errors'>;

/** "12/40 · ETA 1m05s · $0.0012 on AWS · 1 errors" (Run Sweep). */
export function sweepProgressMessage(p: Progress, bills: boolean): string {
  const eta = p.etaMs === null ? '' : ` · ETA ${formatEta(p.etaMs)}`;
  return `${p.done}/${p.total}${eta} · ${runningCost(p.costUsd, bills)}${p.errors ? ` · ${p.errors} errors` : ''}`;
}

/** "12 invocations · $0.0012 on AWS" (a memory-refining sweep, whose total is not known ahead). */
export function refineProgressMessage(p: Pick<Progress, 'done' | 'costUsd'>, bills: boolean): string {
  return `${p.done} invocations · ${runningCost(p.costUsd, bills)}`;
}

function formatEta(ms: number): string {
  const s = Math.round(ms / 1000);
  return s < 60 ? `${s}s` : `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
}
