// Gives each execution environment Lambda's CPU: a quota of memory/1769 CPUs and the visible-core
// band. Detects what this machine allows instead of assuming: cgroup v2 (`cpu.max`), cgroup v1
// (`cpu.cfs_quota_us`), or `systemd-run --scope -p CPUQuota=` (how non-root users get a quota on
// systemd desktops); visible cores through CPU affinity with `taskset`. Where nothing works the
// method is 'none' and every result says so.
//
// Every environment also gets a high CPU weight, the quota'd ones and, when CPU limiting is switched
// off, the unthrottled ones (a cgroup with the weight and no quota): Lambda gives a function its CPU
// whatever else runs on the host, and an "unthrottled" result should mean "as fast as this machine's
// cores", not "as fast as the other processes here leave it" (at normal weight, two busy threads of an
// unthrottled environment waited for a CPU 21-82% of their runnable time on a loaded 2-core machine,
// against ~2% with the weight; BENCHMARKS.md "Template scaling").
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
  /** The environment's own cgroup folder (removed by release), or null where none is made. */
  cgroupDir: string | null;
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
  if (process.platform !== 'linux') {
    reasons.push(`CPU quotas and weights need Linux cgroups; this is ${process.platform}`);
    const detail = `unthrottled: ${reasons.join('; ')}; ${NORMAL_WEIGHT}`;
    log(`CPU limit: none — ${detail}`);
    return new Limiter('none', null, null, affinity, allowedCores, detail);
  }
  if (preference === 'none') return weightOnlyLimiter(affinity, allowedCores, reasons, log);
  const candidates: CpuLimitMethod[] = preference === 'auto' ? ['cgroup-v2', 'cgroup-v1', 'systemd-run'] : [preference];
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
  const detail = `unthrottled: no CPU limit could be applied (${reasons.join('; ')}); ${NORMAL_WEIGHT}`;
  log(`CPU limit: none — ${detail}`);
  return new Limiter('none', null, null, affinity, allowedCores, detail);
}

/** What an environment gets where no cgroup can be made: said in every 'none' detail, so results are read right. */
const NORMAL_WEIGHT = 'environments run at the normal CPU weight of any process here, so other load on this machine slows them';

/** The cgroup weight of every environment: cgroup v1 `cpu.shares` (default 1024), v2 `cpu.weight` (default 100), systemd `CPUWeight`. */
const HIGH_WEIGHT = { 'cgroup-v1': { file: 'cpu.shares', value: '262144' }, 'cgroup-v2': { file: 'cpu.weight', value: '10000' }, systemd: 'CPUWeight=10000' };

/**
 * CPU limiting switched off: no quota, but the same high weight as limited environments where a
 * cgroup can be made (cgroup v2, v1, then systemd-run); otherwise the normal weight, and the detail says so.
 */
async function weightOnlyLimiter(affinity: boolean, allowedCores: number[], reasons: string[], log: (line: string) => void): Promise<CpuLimiter> {
  const prefix = 'unthrottled: CPU limiting switched off by option';
  for (const method of ['cgroup-v2', 'cgroup-v1'] as const) {
    try {
      const base = await prepareCgroupBase(method, true);
      const { file, value } = HIGH_WEIGHT[method];
      const detail = `${prefix}; environments have no CPU quota but a high CPU weight (${method} ${file} ${value} at ${base}), as limited ones do`;
      log(`CPU limit: none — ${detail}`);
      return new Limiter('none', base, null, affinity, allowedCores, detail, DEFAULT_CFS_PERIOD_US, method);
    } catch (error) {
      reasons.push(`${method}: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  try {
    const systemdArgs = probeSystemdRun();
    const detail = `${prefix}; environments have no CPU quota but a high CPU weight (${systemdArgs.join(' ')} -p ${HIGH_WEIGHT.systemd}), as limited ones do`;
    log(`CPU limit: none — ${detail}`);
    return new Limiter('none', null, systemdArgs, affinity, allowedCores, detail);
  } catch (error) {
    reasons.push(`systemd-run: ${error instanceof Error ? error.message : String(error)}`);
  }
  const detail = `${prefix}; ${NORMAL_WEIGHT} (no cgroup for a higher weight: ${reasons.join('; ')})`;
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
    /** Set when CPU limiting is off but environments still get the high weight in cgroups of this version (no quota). */
    private readonly weightOnlyCgroup: 'cgroup-v1' | 'cgroup-v2' | null = null,
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
    if (this.method === 'none' && this.weightOnlyCgroup && this.cgroupBase) {
      // No quota file is written: a new cgroup has none (v1 cfs_quota_us -1, v2 cpu.max "max"); the
      // weight is the base folder's, shared by all environments as for limited ones.
      const dir = await this.makeEnvironmentCgroup(n);
      const { file, value } = HIGH_WEIGHT[this.weightOnlyCgroup];
      return {
        commandPrefix: prefix,
        attach: (pid) => writeFile(path.join(dir, 'cgroup.procs'), String(pid)),
        release: () => this.removeEnvironmentCgroup(dir),
        description: `no CPU quota (unthrottled), ${this.weightOnlyCgroup} ${file} ${value}${coresText}`,
        quotaCpus: null,
        cores,
        cgroupDir: dir,
      };
    }
    if (this.method === 'none' && this.systemdArgs) {
      return {
        commandPrefix: [...this.systemdArgs, '-p', HIGH_WEIGHT.systemd, '--', ...prefix],
        attach: async () => {},
        release: async () => {},
        description: `no CPU quota (unthrottled), systemd-run ${HIGH_WEIGHT.systemd}${coresText}`,
        quotaCpus: null,
        cores,
        cgroupDir: null,
      };
    }
    if (this.method === 'systemd-run' && this.systemdArgs) {
      const percent = Math.max(1, Math.round(share.quotaCpus * 100));
      return {
        commandPrefix: [...this.systemdArgs, '-p', `CPUQuota=${percent}%`, '-p', HIGH_WEIGHT.systemd, '--', ...prefix],
        attach: async () => {},
        release: async () => {},
        description: `systemd-run CPUQuota=${percent}%${coresText}`,
        quotaCpus: share.quotaCpus,
        cores,
        cgroupDir: null,
      };
    }
    if ((this.method === 'cgroup-v1' || this.method === 'cgroup-v2') && this.cgroupBase) {
      const dir = await this.makeEnvironmentCgroup(n);
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
        release: () => this.removeEnvironmentCgroup(dir),
        description: `${this.method} quota ${(quotaUs / periodUs).toFixed(3)} CPU${coresText}`,
        quotaCpus: quotaUs / periodUs,
        cores,
        cgroupDir: dir,
      };
    }
    return {
      commandPrefix: prefix,
      attach: async () => {},
      release: async () => {},
      description: `no CPU quota (unthrottled), normal CPU weight${coresText}`,
      quotaCpus: null,
      cores,
      cgroupDir: null,
    };
  }

  private async makeEnvironmentCgroup(n: number): Promise<string> {
    const dir = path.join(this.cgroupBase!, `env-${n}`);
    await mkdir(dir);
    this.liveDirs.add(dir);
    return dir;
  }

  private async removeEnvironmentCgroup(dir: string): Promise<void> {
    await removeCgroup(dir);
    this.liveDirs.delete(dir);
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
async function prepareCgroupBase(method: 'cgroup-v1' | 'cgroup-v2', weightRequired = false): Promise<string> {
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
    // Without a quota the weight is all the cgroup is for, so failing to set it is then an error.
    const weight = writeFile(path.join(base, HIGH_WEIGHT[method].file), HIGH_WEIGHT[method].value);
    if (weightRequired) await weight;
    else await weight.catch(() => {});
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
