// One sweep at a time per run folder: `run.lock`, created with the `wx` flag (fails if it exists),
// holds {pid, hostname, startedAt} of the process sweeping the run. Two terminals or windows that
// resume the same run would otherwise both append the same invocations and fight over run.json.
// A lock whose process is gone (on this host) is stale and taken over: kill -9 leaves one behind.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { isProcessAlive } from '../os/processLiveness';

export const RUN_LOCK_FILE = 'run.lock';

export interface RunLockOwner {
  pid: number;
  hostname: string;
  startedAt: string;
}

export type RunLockState =
  | { state: 'free' }
  /** Held by a live process (or one on another host, which cannot be checked). owner null: unreadable, just being written. */
  | { state: 'held'; owner: RunLockOwner | null }
  /** Left behind by a process that is gone. */
  | { state: 'stale'; owner: RunLockOwner | null };

/** How the lock checks processes; replaceable in tests. */
export interface LockEnvironment {
  pid: number;
  hostname: string;
  isProcessAlive(pid: number): boolean;
  now(): Date;
}

/** A lock file that cannot be parsed is only trusted this long (it is written right after it is created). */
const UNREADABLE_LOCK_GRACE_MS = 10_000;

export const defaultLockEnvironment: LockEnvironment = {
  pid: process.pid,
  hostname: os.hostname(),
  isProcessAlive,
  now: () => new Date(),
};

export class RunLockedError extends Error {
  constructor(
    readonly runDir: string,
    readonly owner: RunLockOwner | null,
    message: string,
  ) {
    super(message);
    this.name = 'RunLockedError';
  }
}

export function lockedMessage(runDir: string, owner: RunLockOwner | null, env: LockEnvironment = defaultLockEnvironment): string {
  const run = path.basename(runDir);
  const lockFile = path.join(runDir, RUN_LOCK_FILE);
  if (!owner) return `Run ${run} is being started by another process (${lockFile} was just created); wait for it or stop it, then resume.`;
  const where = owner.hostname === env.hostname ? '' : ` on host ${owner.hostname}`;
  return (
    `Run ${run} is being swept by process ${owner.pid}${where} (started ${owner.startedAt}); wait for it or stop it, then resume. ` +
    `(If no sweep is running${where ? ' there' : ''}, delete ${lockFile}.)`
  );
}

function parseOwner(text: string): RunLockOwner | null {
  try {
    const value = JSON.parse(text) as Partial<RunLockOwner>;
    if (
      typeof value.pid === 'number' &&
      Number.isInteger(value.pid) &&
      value.pid > 0 &&
      typeof value.hostname === 'string' &&
      typeof value.startedAt === 'string'
    ) {
      return { pid: value.pid, hostname: value.hostname, startedAt: value.startedAt };
    }
  } catch {
    // unreadable: handled by the caller
  }
  return null;
}

/** Whether the run folder is being swept right now (for listing runs; takes nothing). */
export function inspectRunLock(runDir: string, env: LockEnvironment = defaultLockEnvironment): RunLockState {
  const lockFile = path.join(runDir, RUN_LOCK_FILE);
  let text: string;
  let mtimeMs: number;
  try {
    text = fs.readFileSync(lockFile, 'utf8');
    mtimeMs = fs.statSync(lockFile).mtimeMs;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { state: 'free' };
    throw error;
  }
  const owner = parseOwner(text);
  if (!owner) return env.now().getTime() - mtimeMs > UNREADABLE_LOCK_GRACE_MS ? { state: 'stale', owner: null } : { state: 'held', owner: null };
  // A process on another host cannot be checked from here: it counts as alive.
  if (owner.hostname !== env.hostname) return { state: 'held', owner };
  return env.isProcessAlive(owner.pid) ? { state: 'held', owner } : { state: 'stale', owner };
}

export interface RunLock {
  readonly file: string;
  readonly owner: RunLockOwner;
  /** Removes the lock file if it is still ours; safe to call more than once. */
  release(): void;
}

/** Locks held by this process, removed on exit too (e.g. process.exit after a second Ctrl-C). */
const heldLocks = new Set<RunLock>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const lock of [...heldLocks]) lock.release();
  });
}

/**
 * Takes the run folder's lock or throws RunLockedError naming the process that holds it.
 * A stale lock (its process is gone) is removed and taken over, with the previous owner in `tookOverFrom`.
 */
export function acquireRunLock(runDir: string, env: LockEnvironment = defaultLockEnvironment): RunLock & { tookOverFrom: RunLockOwner | null } {
  const lockFile = path.join(runDir, RUN_LOCK_FILE);
  const owner: RunLockOwner = { pid: env.pid, hostname: env.hostname, startedAt: env.now().toISOString() };
  let tookOverFrom: RunLockOwner | null = null;
  // A few rounds: another process may take over the same stale lock between our check and create.
  for (let attempt = 0; attempt < 3; attempt++) {
    let fd: number;
    try {
      fd = fs.openSync(lockFile, 'wx');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const state = inspectRunLock(runDir, env);
      if (state.state === 'held') throw new RunLockedError(runDir, state.owner, lockedMessage(runDir, state.owner, env));
      if (state.state === 'stale') {
        tookOverFrom = state.owner;
        fs.rmSync(lockFile, { force: true });
      }
      continue;
    }
    try {
      fs.writeSync(fd, `${JSON.stringify(owner)}\n`);
    } finally {
      fs.closeSync(fd);
    }
    let released = false;
    const lock: RunLock = {
      file: lockFile,
      owner,
      release() {
        if (released) return;
        released = true;
        heldLocks.delete(lock);
        try {
          // Only our own lock: never remove one a later process took over.
          const current = parseOwner(fs.readFileSync(lockFile, 'utf8'));
          if (current && current.pid === owner.pid && current.hostname === owner.hostname && current.startedAt === owner.startedAt)
            fs.rmSync(lockFile, { force: true });
        } catch {
          // already gone (or the folder was deleted)
        }
      },
    };
    heldLocks.add(lock);
    installExitHook();
    return Object.assign(lock, { tookOverFrom });
  }
  const state = inspectRunLock(runDir, env);
  throw new RunLockedError(runDir, state.state === 'free' ? null : state.owner, lockedMessage(runDir, state.state === 'free' ? null : state.owner, env));
}
