import test from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { detectCpuLimiter, type CpuLimiter, type CpuPlacement } from '../../src/localEndpoint/cpuLimiter';

test('with CPU limiting switched off the limiter says so and applies no quota', async () => {
  const lines: string[] = [];
  const limiter = await detectCpuLimiter('none', (line) => lines.push(line));
  try {
    assert.equal(limiter.method, 'none');
    assert.match(limiter.detail, /^unthrottled: /);
    // Whichever way it went, the detail says what the environments get: the high weight or the normal one.
    assert.match(limiter.detail, /high CPU weight|normal CPU weight/);
    assert.ok(lines.some((line) => line.includes('CPU limit: none')));
    const placement = await limiter.place(885);
    try {
      assert.equal(placement.quotaCpus, null);
      assert.match(placement.description, /unthrottled/);
      if (limiter.affinity) assert.ok(placement.commandPrefix.includes('taskset'));
      else if (!limiter.detail.includes('systemd-run')) assert.deepEqual(placement.commandPrefix, []);
    } finally {
      await placement.release();
    }
  } finally {
    await limiter.close();
  }
});

/** Why this machine cannot show a cgroup weight, or null when it can. */
function weightSkipReason(limiter: CpuLimiter, placement: CpuPlacement): string | null {
  if (process.platform !== 'linux') return `cgroups are Linux only; this is ${process.platform} (${limiter.detail})`;
  if (!placement.cgroupDir) return `no cgroup of its own for the environment here: ${limiter.detail}`;
  return null;
}

/** Starts a sleeping process, puts it in the placement's cgroup, and returns what the kernel says about it. */
async function placedProcess(placement: CpuPlacement): Promise<{ weight: string; quota: string; member: boolean; stop: () => Promise<void> }> {
  const child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 30000)'], { stdio: 'ignore' });
  await new Promise((resolve) => child.once('spawn', resolve));
  await placement.attach(child.pid!);
  const dir = placement.cgroupDir!;
  const v1 = existsSync(path.join(dir, 'cpu.cfs_quota_us'));
  const read = (file: string) => readFileSync(file, 'utf8').trim();
  return {
    // The weight is set on the limiter's folder, the parent every environment's cgroup shares.
    weight: read(path.join(path.dirname(dir), v1 ? 'cpu.shares' : 'cpu.weight')),
    quota: v1 ? read(path.join(dir, 'cpu.cfs_quota_us')) : read(path.join(dir, 'cpu.max')).split(' ')[0],
    member: read(path.join(dir, 'cgroup.procs')).split('\n').includes(String(child.pid)),
    stop: async () => {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGKILL');
      await exited;
    },
  };
}

test('an unthrottled environment gets the same high CPU weight as a limited one, and no quota', async (t) => {
  const unthrottled = await detectCpuLimiter('none', () => {});
  const limited = await detectCpuLimiter('auto', () => {});
  try {
    const free = await unthrottled.place(3538);
    const capped = await limited.place(885);
    const reason =
      weightSkipReason(unthrottled, free) ?? (limited.method === 'none' ? `no CPU limit here: ${limited.detail}` : weightSkipReason(limited, capped));
    if (reason) {
      await free.release();
      await capped.release();
      return t.skip(reason);
    }
    const a = await placedProcess(free);
    const b = await placedProcess(capped);
    try {
      assert.ok(a.member && b.member, 'both processes joined their environment cgroups');
      assert.equal(a.weight, b.weight);
      assert.ok(a.weight === '262144' || a.weight === '10000', `high weight, got ${a.weight}`);
      assert.ok(a.quota === '-1' || a.quota === 'max', `no quota for the unthrottled environment, got ${a.quota}`);
      assert.ok(Number(b.quota) > 0, `a quota for the limited environment, got ${b.quota}`);
      assert.match(unthrottled.detail, /high CPU weight/);
      assert.match(free.description, /no CPU quota \(unthrottled\), cgroup-v[12] cpu\.(shares|weight)/);
    } finally {
      await a.stop();
      await b.stop();
      await free.release();
      await capped.release();
    }
    assert.equal(existsSync(free.cgroupDir!), false, 'the environment cgroup is removed on release');
    assert.equal(existsSync(capped.cgroupDir!), false);
  } finally {
    await unthrottled.close();
    await limited.close();
  }
});

test('closing the limiter removes every cgroup it made, also of environments never released', async (t) => {
  const limiter = await detectCpuLimiter('none', () => {});
  const placements: CpuPlacement[] = [];
  try {
    for (let i = 0; i < 20; i++) placements.push(await limiter.place(i % 2 ? 512 : 3538));
  } finally {
    await limiter.close();
  }
  const dirs = placements.map((p) => p.cgroupDir).filter((dir): dir is string => dir !== null);
  if (dirs.length === 0) return t.skip(`no cgroups are made here: ${limiter.detail}`);
  assert.equal(dirs.length, 20);
  assert.deepEqual(
    dirs.filter((dir) => existsSync(dir)),
    [],
  );
  assert.equal(existsSync(path.dirname(dirs[0])), false, 'the limiter folder is removed too');
});
