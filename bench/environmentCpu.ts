// What an execution environment of the built-in endpoint actually got from the kernel during one
// invocation: CPU time of its threads (/proc/<pid>/task/<tid>/schedstat), its cgroup's throttling
// counters (cpu.stat) and the host's steal time (/proc/stat), so a cell's delivered CPU share
// (CPU used / wall) can be set beside its quota. Linux with the cgroup v1 or v2 limiter only; null
// elsewhere. Read-only: the endpoint's cgroups are found by their names, not changed.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';

export interface EnvironmentCgroup {
  pid: number;
  cgroupDir: string;
  quotaCpus: number;
}

interface Snapshot {
  atMs: number;
  threadRunNs: Map<string, number>;
  /** Time each thread was runnable but waited for a CPU (schedstat's second field). */
  threadWaitNs: Map<string, number>;
  throttle: { periods: number; throttled: number; throttledNs: number };
  /** Host CPU ticks (USER_HZ) of all kinds, and of steal. */
  hostTicks: number;
  stealTicks: number;
}

export interface EnvironmentCpuUse {
  wallMs: number;
  /** CPU ms of every thread of the environment. */
  cpuMs: number;
  /** CPU ms of the busiest thread, and of all the others (main thread, V8 helpers, idle workers). */
  busiestThreadMs: number;
  otherThreadsMs: number;
  /** CPU ms of the threads that used more than 10% of the busiest one (the work threads). */
  workThreadsMs: number;
  /** Run-queue wait of all threads, ms: runnable but not on a CPU (under a quota, throttled time too). */
  waitMs: number;
  /** cpuMs / wallMs, against quotaCpus. */
  deliveredCpus: number;
  quotaCpus: number;
  periods: number;
  throttledPeriods: number;
  throttledMs: number;
  /** Share of the host's CPU time stolen by the hypervisor over the window (0-1). */
  stealShare: number;
}

const CGROUP_ROOTS = ['/sys/fs/cgroup/cpu', '/sys/fs/cgroup'];

/**
 * The cgroup and pid of the (single) live environment of `functionName` started by this process's
 * endpoints. `quota`: 'limited' (the default) looks only at environments with a CPU quota, 'none' only at
 * unthrottled ones (since these have a cgroup for their weight too), so a limited and an unthrottled
 * endpoint of one bench run can hold functions of the same name.
 */
export function findEnvironment(functionName: string, quota: 'limited' | 'none' = 'limited'): EnvironmentCgroup | null {
  for (const root of CGROUP_ROOTS) {
    let bases: string[];
    try {
      bases = fs.readdirSync(root).filter((name) => name.startsWith(`lambda-lab-${process.pid}-`));
    } catch {
      continue;
    }
    for (const base of bases) {
      for (const env of fs.readdirSync(path.join(root, base)).filter((name) => name.startsWith('env-'))) {
        const dir = path.join(root, base, env);
        const pids = readText(path.join(dir, 'cgroup.procs')).split('\n').filter(Boolean).map(Number);
        for (const pid of pids) {
          const environ = readText(`/proc/${pid}/environ`).split('\0');
          if (!environ.includes(`AWS_LAMBDA_FUNCTION_NAME=${functionName}`)) continue;
          const quotaCpus = readQuota(dir);
          if ((quota === 'none') !== (quotaCpus === Number.POSITIVE_INFINITY)) continue;
          return { pid, cgroupDir: dir, quotaCpus };
        }
      }
    }
  }
  return null;
}

function readText(file: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}

function readQuota(dir: string): number {
  const v1 = readText(path.join(dir, 'cpu.cfs_quota_us')).trim();
  if (v1 === '-1') return Number.POSITIVE_INFINITY;
  if (v1) return Number(v1) / Number(readText(path.join(dir, 'cpu.cfs_period_us')).trim());
  const [quota, period] = readText(path.join(dir, 'cpu.max')).trim().split(' ');
  return quota === 'max' ? Number.POSITIVE_INFINITY : Number(quota) / Number(period);
}

function snapshot(env: EnvironmentCgroup): Snapshot {
  const threadRunNs = new Map<string, number>();
  const threadWaitNs = new Map<string, number>();
  let tids: string[] = [];
  try {
    tids = fs.readdirSync(`/proc/${env.pid}/task`);
  } catch {
    // ended
  }
  for (const tid of tids) {
    const text = readText(`/proc/${env.pid}/task/${tid}/schedstat`);
    if (!text) continue;
    const [runNs, waitNs] = text.split(' ').map(Number);
    threadRunNs.set(tid, runNs);
    threadWaitNs.set(tid, waitNs);
  }
  const stat = Object.fromEntries(
    readText(path.join(env.cgroupDir, 'cpu.stat'))
      .split('\n')
      .filter(Boolean)
      .map((line) => line.split(' ') as [string, string])
      .map(([key, value]) => [key, Number(value)]),
  );
  const cpuLine = readText('/proc/stat').split('\n')[0].split(/\s+/).slice(1).map(Number);
  return {
    atMs: performance.now(),
    threadRunNs,
    threadWaitNs,
    throttle: {
      periods: stat.nr_periods ?? 0,
      throttled: stat.nr_throttled ?? 0,
      // v1: throttled_time in ns; v2: throttled_usec.
      throttledNs: stat.throttled_time ?? (stat.throttled_usec ?? 0) * 1000,
    },
    hostTicks: cpuLine.slice(0, 8).reduce((a, b) => a + b, 0),
    stealTicks: cpuLine[7] ?? 0,
  };
}

/** Runs `work` and returns its result with what the environment got meanwhile. */
export async function measureEnvironment<T>(env: EnvironmentCgroup, work: () => Promise<T>): Promise<{ result: T; use: EnvironmentCpuUse }> {
  const before = snapshot(env);
  const result = await work();
  const after = snapshot(env);
  const perThread: number[] = [];
  for (const [tid, ns] of after.threadRunNs) perThread.push((ns - (before.threadRunNs.get(tid) ?? 0)) / 1e6);
  perThread.sort((a, b) => b - a);
  let waitNs = 0;
  for (const [tid, ns] of after.threadWaitNs) waitNs += ns - (before.threadWaitNs.get(tid) ?? 0);
  const cpuMs = perThread.reduce((a, b) => a + b, 0);
  const busiest = perThread[0] ?? 0;
  const workThreadsMs = perThread.filter((ms) => ms > busiest * 0.1).reduce((a, b) => a + b, 0);
  const wallMs = after.atMs - before.atMs;
  const hostTicks = after.hostTicks - before.hostTicks;
  return {
    result,
    use: {
      wallMs,
      cpuMs,
      busiestThreadMs: busiest,
      otherThreadsMs: cpuMs - busiest,
      workThreadsMs,
      waitMs: waitNs / 1e6,
      deliveredCpus: cpuMs / wallMs,
      quotaCpus: env.quotaCpus,
      periods: after.throttle.periods - before.throttle.periods,
      throttledPeriods: after.throttle.throttled - before.throttle.throttled,
      throttledMs: (after.throttle.throttledNs - before.throttle.throttledNs) / 1e6,
      stealShare: hostTicks > 0 ? (after.stealTicks - before.stealTicks) / hostTicks : 0,
    },
  };
}
