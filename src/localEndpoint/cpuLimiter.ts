// Gives each execution environment Lambda's CPU: a quota of memory/1769 CPUs and the visible-core
// band. Detects what this machine allows instead of assuming: cgroup v2 (`cpu.max`), cgroup v1
// (`cpu.cfs_quota_us`), or `systemd-run --scope -p CPUQuota=` (how non-root users get a quota on
// systemd desktops); visible cores through CPU affinity with `taskset`. Where nothing works the
// method is 'none' and every result says so.
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, readdir, readFile, rmdir, writeFile } from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import type { CpuLimitMethod } from './index';
import { cfsQuota, DEFAULT_CFS_PERIOD_US, lambdaCpuShare, parseCpuList, pickCores } from './lambdaCpuModel';
import { isProcessAlive } from '../os/processLiveness';

/** Where one environment runs: a command prefix, a hook once its pid is known, and cleanup. */
export interface CpuPlacement {
  commandPrefix: string[];
  attach(pid: number): Promise<void>;
  release(): Promise<void>;
  /** e.g. "cgroup-v1 quota 0.50 CPU, cores 0,1 (taskset)" */
  description: string;
  quotaCpus: number | null;
  cores: number[] | null;
}

export interface CpuLimiter {
  method: CpuLimitMethod;
  /** Whether visible cores are limited (taskset found and working). */
  affinity: boolean;
  /** Human-readable: what is applied, or why nothing is. */
  detail: string;
  hostCores: number;
  place(memoryMB: number): Promise<CpuPlacement>;
  close(): Promise<void>;
}

const PROBE_TIMEOUT_MS = 10_000;

export async function detectCpuLimiter(
  preference: CpuLimitMethod | 'auto',
  log: (line: string) => void,
  cfsPeriodUs = DEFAULT_CFS_PERIOD_US,
): Promise<CpuLimiter> {
  if (!Number.isInteger(cfsPeriodUs) || cfsPeriodUs < 1000 || cfsPeriodUs > 1_000_000) {
    throw new RangeError(`cfsPeriodUs must be an integer from 1000 to 1000000 (the kernel's limits), got ${cfsPeriodUs}`);
  }
  const allowedCores = readAllowedCores();
  const affinity = process.platform === 'linux' && probeTaskset(allowedCores);
  const reasons: string[] = [];
  if (!affinity)
    reasons.push(
      process.platform === 'linux'
        ? 'taskset (util-linux) not found or not working, visible cores not limited'
        : `visible cores not limited on ${process.platform}`,
    );
  const candidates: CpuLimitMethod[] = preference === 'auto' ? ['cgroup-v2', 'cgroup-v1', 'systemd-run'] : preference === 'none' ? [] : [preference];
  if (process.platform !== 'linux') {
    reasons.push(`CPU quotas need Linux cgroups; this is ${process.platform}`);
    return new Limiter('none', null, null, affinity, allowedCores, `unthrottled: ${reasons.join('; ')}`);
  }
  for (const method of candidates) {
    try {
      if (method === 'cgroup-v2' || method === 'cgroup-v1') {
        const base = await prepareCgroupBase(method);
        log(`CPU limit: ${method} in ${base}${affinity ? ', visible cores by taskset' : ''}`);
        return new Limiter(method, base, null, affinity, allowedCores, `${method} at ${base}`, cfsPeriodUs);
      }
      const systemdArgs = probeSystemdRun();
      log(`CPU limit: systemd-run ${systemdArgs.join(' ')}${affinity ? ', visible cores by taskset' : ''}`);
      return new Limiter('systemd-run', null, systemdArgs, affinity, allowedCores, `systemd-run ${systemdArgs.join(' ')} -p CPUQuota=`);
    } catch (error) {
      reasons.push(`${method}: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  const detail =
    preference === 'none' ? 'unthrottled: CPU limiting switched off by option' : `unthrottled: no CPU limit could be applied (${reasons.join('; ')})`;
  log(`CPU limit: none — ${detail}`);
  return new Limiter('none', null, null, affinity, allowedCores, detail);
}

class Limiter implements CpuLimiter {
  private counter = 0;
  private readonly liveDirs = new Set<string>();

  constructor(
    readonly method: CpuLimitMethod,
    private readonly cgroupBase: string | null,
    private readonly systemdArgs: string[] | null,
    readonly affinity: boolean,
    private readonly allowedCores: number[],
    readonly detail: string,
    private readonly cfsPeriodUs = DEFAULT_CFS_PERIOD_US,
  ) {}

  get hostCores(): number {
    return this.allowedCores.length;
  }

  async place(memoryMB: number): Promise<CpuPlacement> {
    const share = lambdaCpuShare(memoryMB, this.hostCores);
    const n = this.counter++;
    const cores = this.affinity ? pickCores(this.allowedCores, share.visibleCores, n) : null;
    const prefix = cores ? ['taskset', '-c', cores.join(',')] : [];
    const coresText = cores ? `, cores ${cores.join(',')} (taskset)` : ', visible cores not limited';
    if (this.method === 'systemd-run' && this.systemdArgs) {
      const percent = Math.max(1, Math.round(share.quotaCpus * 100));
      return {
        commandPrefix: [...this.systemdArgs, '-p', `CPUQuota=${percent}%`, '-p', 'CPUWeight=10000', '--', ...prefix],
        attach: async () => {},
        release: async () => {},
        description: `systemd-run CPUQuota=${percent}%${coresText}`,
        quotaCpus: share.quotaCpus,
        cores,
      };
    }
    if ((this.method === 'cgroup-v1' || this.method === 'cgroup-v2') && this.cgroupBase) {
      const dir = path.join(this.cgroupBase, `env-${n}`);
      await mkdir(dir);
      this.liveDirs.add(dir);
      const { quotaUs, periodUs } = cfsQuota(share.quotaCpus, this.cfsPeriodUs);
      if (this.method === 'cgroup-v1') {
        await writeFile(path.join(dir, 'cpu.cfs_period_us'), String(periodUs));
        await writeFile(path.join(dir, 'cpu.cfs_quota_us'), String(quotaUs));
      } else {
        await writeFile(path.join(dir, 'cpu.max'), `${quotaUs} ${periodUs}`);
      }
      return {
        commandPrefix: prefix,
        attach: (pid) => writeFile(path.join(dir, 'cgroup.procs'), String(pid)),
        release: async () => {
          await removeCgroup(dir);
          this.liveDirs.delete(dir);
        },
        description: `${this.method} quota ${(quotaUs / periodUs).toFixed(3)} CPU${coresText}`,
        quotaCpus: quotaUs / periodUs,
        cores,
      };
    }
    return {
      commandPrefix: prefix,
      attach: async () => {},
      release: async () => {},
      description: `no CPU quota (unthrottled)${coresText}`,
      quotaCpus: null,
      cores,
    };
  }

  async close(): Promise<void> {
    for (const dir of [...this.liveDirs]) await removeCgroup(dir).catch(() => {});
    this.liveDirs.clear();
    if (this.cgroupBase) await removeCgroup(this.cgroupBase).catch(() => {});
  }
}

function readAllowedCores(): number[] {
  try {
    const status = readFileSync('/proc/self/status', 'utf8');
    const match = /^Cpus_allowed_list:\s*(\S+)/m.exec(status);
    if (match) return parseCpuList(match[1]);
  } catch {
    // not Linux
  }
  return Array.from({ length: os.availableParallelism() }, (_, i) => i);
}

function probeTaskset(allowedCores: number[]): boolean {
  const result = spawnSync('taskset', ['-c', String(allowedCores[0] ?? 0), process.execPath, '-e', '0'], {
    stdio: 'ignore',
    timeout: PROBE_TIMEOUT_MS,
    env: { ...process.env, ELECTRON_RUN_AS_NODE: '1' },
  });
  return result.status === 0;
}

/** Finds the mount of the requested cgroup version that has the cpu controller. */
function findCgroupMount(version: 'cgroup-v1' | 'cgroup-v2'): string {
  const mountinfo = readFileSync('/proc/self/mountinfo', 'utf8');
  for (const line of mountinfo.split('\n')) {
    const [left, right] = line.split(' - ');
    if (!right) continue;
    const mountPoint = left.split(' ')[4];
    const [fsType, , superOptions = ''] = right.split(' ');
    if (version === 'cgroup-v1' && fsType === 'cgroup' && superOptions.split(',').includes('cpu')) return unescapeMount(mountPoint);
    if (version === 'cgroup-v2' && fsType === 'cgroup2') {
      const point = unescapeMount(mountPoint);
      const controllers = readFileSync(path.join(point, 'cgroup.controllers'), 'utf8').trim().split(/\s+/);
      if (!controllers.includes('cpu')) throw new Error(`the cgroup2 hierarchy at ${point} has no cpu controller (it is bound to cgroup v1 here)`);
      return point;
    }
  }
  throw new Error(version === 'cgroup-v1' ? 'no cgroup v1 cpu hierarchy is mounted' : 'no cgroup2 hierarchy is mounted');
}

function unescapeMount(text: string): string {
  return text.replace(/\\(\d{3})/g, (_, octal: string) => String.fromCharCode(Number.parseInt(octal, 8)));
}

/** Creates our own cgroup folder and proves a process can be moved into a child with a quota. */
async function prepareCgroupBase(method: 'cgroup-v1' | 'cgroup-v2'): Promise<string> {
  const mount = findCgroupMount(method);
  let parent = mount;
  if (method === 'cgroup-v1') {
    // Nest under our own cgroup in this hierarchy (in a container that is its root).
    const own = /^\d+:([^:]*):(.*)$/m;
    for (const line of readFileSync('/proc/self/cgroup', 'utf8').split('\n')) {
      const match = own.exec(line);
      if (match && match[1].split(',').includes('cpu')) parent = path.join(mount, match[2]);
    }
  }
  await removeStaleCgroups(parent);
  const base = path.join(parent, `lambda-lab-${process.pid}-${randomBytes(3).toString('hex')}`);
  try {
    if (method === 'cgroup-v2') {
      const rootControl = readFileSync(path.join(parent, 'cgroup.subtree_control'), 'utf8');
      if (!rootControl.split(/\s+/).includes('cpu')) await writeFile(path.join(parent, 'cgroup.subtree_control'), '+cpu');
    }
    await mkdir(base);
    if (method === 'cgroup-v2') await writeFile(path.join(base, 'cgroup.subtree_control'), '+cpu');
    // Lambda guarantees a function its share whatever its neighbours do. A high weight makes a
    // busy host give our environments their quota first; the quota still caps what they take.
    await writeFile(path.join(base, method === 'cgroup-v1' ? 'cpu.shares' : 'cpu.weight'), method === 'cgroup-v1' ? '262144' : '10000').catch(() => {});
  } catch (error) {
    await rmdir(base).catch(() => {});
    throw new Error(`cannot create a cgroup under ${parent} (${(error as NodeJS.ErrnoException).code ?? String(error)}); run as root or use systemd-run`, {
      cause: error,
    });
  }
  const probeDir = path.join(base, 'probe');
  const child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 10000)'], { stdio: 'ignore', env: { ELECTRON_RUN_AS_NODE: '1' } });
  try {
    await mkdir(probeDir);
    if (method === 'cgroup-v1') await writeFile(path.join(probeDir, 'cpu.cfs_quota_us'), '50000');
    else await writeFile(path.join(probeDir, 'cpu.max'), '50000 100000');
    if (!child.pid) throw new Error('could not start a probe process');
    await writeFile(path.join(probeDir, 'cgroup.procs'), String(child.pid));
    const membership = await readFile(`/proc/${child.pid}/cgroup`, 'utf8');
    if (!membership.includes(path.basename(base))) throw new Error('the probe process did not join the cgroup');
  } catch (error) {
    child.kill('SIGKILL');
    await waitForExit(child);
    await removeCgroup(probeDir).catch(() => {});
    await removeCgroup(base).catch(() => {});
    throw error instanceof Error && !(error as NodeJS.ErrnoException).code
      ? error
      : new Error(`cannot apply a quota in ${base} (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
  }
  child.kill('SIGKILL');
  await waitForExit(child);
  await removeCgroup(probeDir);
  return base;
}

function waitForExit(child: ReturnType<typeof spawn>): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

/** Removes a cgroup folder, retrying briefly while the kernel still counts exiting processes. */
async function removeCgroup(dir: string): Promise<void> {
  if (!existsSync(dir)) return;
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    if (entry.isDirectory()) await removeCgroup(path.join(dir, entry.name));
  }
  for (let attempt = 0; ; attempt++) {
    try {
      await rmdir(dir);
      return;
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') return;
      if (code !== 'EBUSY' || attempt >= 50) throw error;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }
}

/** Cgroups left by an endpoint that died without cleaning up (its pid is gone). */
async function removeStaleCgroups(parent: string): Promise<void> {
  let entries: string[];
  try {
    entries = await readdir(parent);
  } catch {
    return;
  }
  for (const name of entries) {
    const match = /^lambda-lab-(\d+)-[0-9a-f]+$/.exec(name);
    if (!match || isProcessAlive(Number(match[1]))) continue;
    await removeCgroup(path.join(parent, name)).catch(() => {});
  }
}

/** `systemd-run --user --scope` for non-root users, `systemd-run --scope` for root: probe once. */
function probeSystemdRun(): string[] {
  const args = ['systemd-run', ...(process.getuid?.() === 0 ? [] : ['--user']), '--scope', '--quiet', '--collect'];
  const result = spawnSync(args[0], [...args.slice(1), '-p', 'CPUQuota=50%', '--', process.execPath, '-e', '0'], {
    encoding: 'utf8',
    timeout: PROBE_TIMEOUT_MS,
    env: { ...process.env, ELECTRON_RUN_AS_NODE: '1' },
  });
  if (result.error) throw new Error(`${args.join(' ')} is not available (${(result.error as NodeJS.ErrnoException).code ?? result.error.message})`);
  if (result.status !== 0) throw new Error(`${args.join(' ')} failed: ${(result.stderr || '').trim().split('\n')[0] || `exit ${result.status}`}`);
  return args;
}
