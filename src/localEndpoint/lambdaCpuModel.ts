// Lambda's CPU allocation as published by AWS and seen in the seed data: CPU time in proportion
// to memory (1,769 MB = one vCPU) and a number of visible cores that rises in bands.
// Pure: no I/O, so the numbers can be unit-tested and reused by the limiter. The Lambda facts
// themselves live in core/lambdaModel.ts; this adds the host's cores and cgroup numbers.
import { MB_PER_VCPU, lambdaVisibleCores } from '../core/lambdaModel';

export interface CpuShare {
  /** CPU time per wall-clock second (e.g. 0.5 = half of one core), capped by the host's cores. */
  quotaCpus: number;
  /** Cores the function can see (CPU affinity), capped by the host's cores. */
  visibleCores: number;
  /** Uncapped values, so results can say when the host was the limit. */
  lambdaQuotaCpus: number;
  lambdaVisibleCores: number;
}

/** The CPU share a function with this much memory gets, limited by what the host has. */
export function lambdaCpuShare(memoryMB: number, hostCores: number): CpuShare {
  if (!Number.isFinite(memoryMB) || memoryMB <= 0) throw new RangeError(`memoryMB must be a positive number, got ${memoryMB}`);
  if (!Number.isInteger(hostCores) || hostCores < 1) throw new RangeError(`hostCores must be a positive integer, got ${hostCores}`);
  const lambdaQuotaCpus = memoryMB / MB_PER_VCPU;
  const lambdaVisible = lambdaVisibleCores(memoryMB);
  const visibleCores = Math.min(lambdaVisible, hostCores);
  return {
    quotaCpus: Math.min(lambdaQuotaCpus, visibleCores),
    visibleCores,
    lambdaQuotaCpus,
    lambdaVisibleCores: lambdaVisible,
  };
}

/** Expected speed-up of `workers` CPU-bound threads over one thread at full speed. */
export function modelParallelSpeed(workers: number, memoryMB: number, hostCores: number): number {
  const share = lambdaCpuShare(memoryMB, hostCores);
  return Math.min(workers, share.quotaCpus, share.visibleCores);
}

/**
 * CFS period for execution environments' quotas, µs (the kernel's default). Shorter periods were
 * measured twice. With threads started inside the timed part (test/support/cfsPeriodStudy.ts) they
 * made throttled invocations 10-40% slower than the model. With warm threads (bench/cpuShareStudy.ts,
 * CPU got / quota over ~1 s invocations) 100 ms gave 1.005-1.042, 50 ms 0.983-1.019, 20 ms 0.986-0.991,
 * the shorter periods with a steadier CPU got, but neither lowered the template's CV below the host's
 * own spread of work per CPU ms (3-5% under load); see BENCHMARKS.md "Noise floor".
 */
export const DEFAULT_CFS_PERIOD_US = 100_000;

/** cgroup CFS numbers for a quota: quota at least the kernel's 1 ms minimum. */
export function cfsQuota(quotaCpus: number, periodUs = DEFAULT_CFS_PERIOD_US): { quotaUs: number; periodUs: number } {
  return { quotaUs: Math.max(1000, Math.round(quotaCpus * periodUs)), periodUs };
}

/** Parses a Linux CPU list such as "0-3,8,10-11" into core ids. */
export function parseCpuList(text: string): number[] {
  const cores: number[] = [];
  for (const part of text.trim().split(',')) {
    if (!part) continue;
    const [from, to] = part.split('-').map((n) => Number.parseInt(n, 10));
    if (!Number.isInteger(from) || (to !== undefined && !Number.isInteger(to))) throw new Error(`not a CPU list: "${text}"`);
    for (let id = from; id <= (to ?? from); id++) cores.push(id);
  }
  return cores;
}

/** Picks `count` of the allowed cores, rotating the start so environments spread over the host. */
export function pickCores(allowed: number[], count: number, rotation: number): number[] {
  const n = Math.min(count, allowed.length);
  const start = allowed.length ? rotation % allowed.length : 0;
  return Array.from({ length: n }, (_, i) => allowed[(start + i) % allowed.length]).sort((a, b) => a - b);
}
