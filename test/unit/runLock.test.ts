// run.lock: one sweep per run folder. Acquire, refuse while held, take over a stale lock, release
// (also on process exit), and RunStore / prepareResume refusing a run another process sweeps.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { RUN_FORMAT_VERSION, type RunMetadata } from '../../src/core/runFiles';
import { RUN_LOCK_FILE, RunLockedError, acquireRunLock, inspectRunLock, type LockEnvironment } from '../../src/sweep/runLock';
import { isProcessAlive } from '../../src/os/processLiveness';
import { RunStore } from '../../src/sweep/runStore';
import { prepareResume } from '../../src/sweep/sweepSession';

const repoRoot = path.resolve(__dirname, '../../..');
const created: string[] = [];
after(() => {
  for (const dir of created) fs.rmSync(dir, { recursive: true, force: true });
});

function tempDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'llab-runlock-'));
  created.push(dir);
  return dir;
}

/** A process on this host with the given pid, alive or not. */
function env(pid: number, alive: Set<number>, hostname = 'this-host'): LockEnvironment {
  return { pid, hostname, isProcessAlive: (p) => alive.has(p), now: () => new Date('2026-11-27T07:00:00.000Z') };
}

function meta(runId: string): RunMetadata {
  return {
    formatVersion: RUN_FORMAT_VERSION,
    runId,
    experimentId: 'test',
    target: { kind: 'local', endpoint: 'http://127.0.0.1:1' },
    region: 'us-east-1',
    plan: {
      functions: [{ functionName: 'f', arch: 'x86_64', memoryMB: 512 }],
      threadCounts: [1],
      strategies: ['pool'],
      repetitions: 1,
      seed: 1,
      items: 4,
      cost: 6,
      concurrency: 1,
      plannedInvocations: 2,
    },
    seed: 1,
    adaptive: null,
    maxCostUsd: null,
    templateHash: null,
    extensionVersion: '0',
    cpuLimit: 'none',
    startedAt: new Date().toISOString(),
    updatedAt: new Date().toISOString(),
    status: 'cancelled',
    statusReason: null,
    estimatedCostUsd: null,
    costSoFarUsd: 0,
    configStops: [],
  };
}

test('the lock file is created with pid, hostname and start time, and refuses a second owner while the first lives', () => {
  const dir = tempDir();
  const alive = new Set([100, 200]);
  const first = acquireRunLock(dir, env(100, alive));
  assert.deepEqual(JSON.parse(fs.readFileSync(path.join(dir, RUN_LOCK_FILE), 'utf8')), {
    pid: 100,
    hostname: 'this-host',
    startedAt: '2026-11-27T07:00:00.000Z',
  });
  assert.equal(first.tookOverFrom, null);
  assert.deepEqual(inspectRunLock(dir, env(200, alive)), { state: 'held', owner: first.owner });
  assert.throws(
    () => acquireRunLock(dir, env(200, alive)),
    (error: unknown) =>
      error instanceof RunLockedError &&
      error.owner?.pid === 100 &&
      error.message.startsWith(
        `Run ${path.basename(dir)} is being swept by process 100 (started 2026-11-27T07:00:00.000Z); wait for it or stop it, then resume.`,
      ),
  );
  first.release();
  assert.ok(!fs.existsSync(path.join(dir, RUN_LOCK_FILE)), 'released');
  assert.deepEqual(inspectRunLock(dir, env(200, alive)), { state: 'free' });
  const second = acquireRunLock(dir, env(200, alive));
  assert.equal(second.owner.pid, 200);
  first.release(); // a second release of the old lock must not remove the new owner's lock
  assert.ok(fs.existsSync(path.join(dir, RUN_LOCK_FILE)));
  second.release();
});

test('a lock whose process is dead (on this host) is stale and taken over', () => {
  const dir = tempDir();
  acquireRunLock(dir, env(100, new Set([100])));
  // Process 100 died without releasing (kill -9).
  const alive = new Set([200]);
  assert.equal(inspectRunLock(dir, env(200, alive)).state, 'stale');
  const lock = acquireRunLock(dir, env(200, alive));
  assert.equal(lock.tookOverFrom?.pid, 100);
  assert.equal(JSON.parse(fs.readFileSync(lock.file, 'utf8')).pid, 200);
  lock.release();
});

test('a lock held on another host cannot be checked, so it counts as held and the message names the host', () => {
  const dir = tempDir();
  acquireRunLock(dir, env(100, new Set(), 'other-host'));
  assert.throws(() => acquireRunLock(dir, env(200, new Set([200]))), /being swept by process 100 on host other-host .*delete .*run\.lock/);
});

test('isProcessAlive tells a live process from a dead one (ESRCH)', async () => {
  assert.equal(isProcessAlive(process.pid), true);
  const child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)'], { stdio: 'ignore' });
  await new Promise((resolve) => child.once('spawn', resolve));
  assert.equal(isProcessAlive(child.pid!), true);
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGKILL');
  await exited;
  assert.equal(isProcessAlive(child.pid!), false);
  // kill(0) and kill(-1) address process groups: a corrupt owner id must never read as alive.
  for (const bad of [0, -1, 1.5, Number.NaN]) assert.equal(isProcessAlive(bad), false, String(bad));
});

test('a process that exits without releasing (process.exit) still removes its lock', () => {
  const dir = tempDir();
  const script = `const { acquireRunLock } = require(${JSON.stringify(path.join(repoRoot, 'out/src/sweep/runLock.js'))}); acquireRunLock(${JSON.stringify(dir)}); process.exit(3);`;
  const result = spawnSync(process.execPath, ['-e', script]);
  assert.equal(result.status, 3, result.stderr.toString());
  assert.ok(!fs.existsSync(path.join(dir, RUN_LOCK_FILE)));
});

test('a process killed with SIGKILL leaves a stale lock that the next resume takes over', () => {
  const dir = tempDir();
  RunStore.create(dir, meta('r1')).close();
  const script = `const { acquireRunLock } = require(${JSON.stringify(path.join(repoRoot, 'out/src/sweep/runLock.js'))}); acquireRunLock(${JSON.stringify(dir)}); process.kill(process.pid, 'SIGKILL');`;
  spawnSync(process.execPath, ['-e', script]);
  assert.ok(fs.existsSync(path.join(dir, RUN_LOCK_FILE)), 'left behind');
  const prepared = prepareResume(dir);
  assert.equal(JSON.parse(fs.readFileSync(path.join(dir, RUN_LOCK_FILE), 'utf8')).pid, process.pid);
  prepared.store.close();
  assert.ok(!fs.existsSync(path.join(dir, RUN_LOCK_FILE)));
});

test('RunStore: create and open take the lock; a second open is refused until close; readOnly opens take none', () => {
  const dir = tempDir();
  const store = RunStore.create(dir, meta('r1'));
  assert.ok(store.locked);
  assert.throws(() => RunStore.open(dir), /is being swept by process \d+/);
  assert.throws(
    () => prepareResume(dir),
    new RegExp(`Run ${path.basename(dir)} is being swept by process ${process.pid} \\(started .*\\); wait for it or stop it, then resume`),
  );
  const reader = RunStore.open(dir, { readOnly: true });
  assert.equal(reader.meta.runId, 'r1');
  assert.throws(() => reader.updateMetadata({ status: 'failed' }), /read-only/);
  store.close();
  assert.throws(() => store.updateMetadata({ status: 'failed' }), /closed/);
  const resumed = RunStore.open(dir);
  assert.ok(resumed.locked);
  resumed.close();
  assert.ok(!fs.existsSync(path.join(dir, RUN_LOCK_FILE)));
});

test('a failed open (bad run.json) does not leave the lock behind', () => {
  const dir = tempDir();
  fs.writeFileSync(path.join(dir, 'run.json'), '{ not json');
  assert.throws(() => RunStore.open(dir), /not valid JSON/);
  assert.ok(!fs.existsSync(path.join(dir, RUN_LOCK_FILE)));
});
