// What Run Sweep shows before it starts: how many invocations the choices make, roughly how long
// they take, and what they would cost on AWS — before any pilot call, from a rule of thumb for the
// scaffolded function's work. No vscode import. (Once running, the engine's pilot-based estimate
// is what the cost confirmation on AWS uses.)
import { estimateSweepCost, formatUsd, type PlannedConfigCount } from '../core/costEstimate';
import type { Strategy } from '../core/experimentConfig';
import type { ExperimentFunctionIdentity } from '../core/experimentNaming';
import { lambdaVcpus, MB_PER_VCPU } from '../core/lambdaModel';

/**
 * One bcrypt hash at cost 10 on one full vCPU, ms (bcryptjs on an x86_64 server core; the
 * Lambda hardware the study measured is in the same range). Each cost step doubles it.
 */
export const HASH_MS_AT_COST_10 = 54;
/** Per-invocation time outside the hashing: the handler, starting threads, the call itself. */
const OVERHEAD_MS = 40;

export interface SweepPreviewInput {
  functions: readonly ExperimentFunctionIdentity[];
  threadCounts: readonly number[];
  strategies: readonly Strategy[];
  /** Fixed repetitions, or the most an adaptive sweep may take. */
  repetitions: number;
  adaptive: boolean;
  items: number;
  cost: number;
  /** Invocations in flight at once. */
  concurrency: number;
  region: string;
}

export interface SweepPreview {
  /** Measured invocations plus one warm-up per function (at most, when adaptive). */
  invocations: number;
  estimatedMinutes: number;
  estimatedUsd: number;
  maxUsd: number;
  lines: string[];
}

export function previewSweep(input: SweepPreviewInput): SweepPreview {
  const hashMs = HASH_MS_AT_COST_10 * 2 ** (input.cost - 10);
  const processingMs = input.items * hashMs;
  const pilot = {
    memoryMB: MB_PER_VCPU,
    threads: 1,
    processingMs,
    durationMs: processingMs + OVERHEAD_MS,
    billedMs: Math.ceil(processingMs + OVERHEAD_MS),
    initMs: null,
  };
  const configs: PlannedConfigCount[] = [];
  for (const fn of input.functions) {
    configs.push({ arch: fn.arch, memoryMB: fn.memoryMB, threads: input.threadCounts[0] ?? 1, invocations: 1, coldStarts: 1 });
    for (const threads of input.threadCounts) {
      for (let s = 0; s < input.strategies.length; s++) configs.push({ arch: fn.arch, memoryMB: fn.memoryMB, threads, invocations: input.repetitions });
    }
  }
  const estimate = estimateSweepCost({ pilot, configs, region: input.region });
  const estimatedMinutes = estimate.estimatedBilledMs / Math.max(1, input.concurrency) / 60_000;
  const sizes = input.functions.map((f) => `${f.memoryMB} MB ${f.arch} (${formatVcpus(lambdaVcpus(f.memoryMB))} vCPU)`).join(', ');
  const atMost = input.adaptive ? 'at most ' : '';
  const lines = [
    `${atMost}${estimate.invocations} invocations: ${input.functions.length} function(s) × ${input.threadCounts.length} thread count(s) × ${input.strategies.length} strategy(ies) × ${input.repetitions} repetition(s), plus ${input.functions.length} warm-up(s)`,
    `functions: ${sizes}`,
    `about ${formatMinutes(estimatedMinutes)} (${input.concurrency} at a time)`,
    `on AWS (${input.region}) this would cost about ${formatUsd(estimate.estimatedUsd)}, ${atMost || 'at most '}${formatUsd(estimate.maxUsd)}${input.adaptive ? '' : ' if threads bring no speed-up'}`,
  ];
  return { invocations: estimate.invocations, estimatedMinutes, estimatedUsd: estimate.estimatedUsd, maxUsd: estimate.maxUsd, lines };
}

function formatVcpus(vcpus: number): string {
  return vcpus >= 1 ? String(Math.round(vcpus * 10) / 10) : vcpus.toFixed(2);
}

function formatMinutes(minutes: number): string {
  if (minutes < 1) return `${Math.max(1, Math.round(minutes * 60))} s`;
  if (minutes < 90) return `${Math.round(minutes)} min`;
  return `${(minutes / 60).toFixed(1)} h`;
}
