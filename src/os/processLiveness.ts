// Whether a process id still names a running process, for stale lock, state-file, cgroup and
// temp-folder cleanup. One definition so every owner check agrees.

/**
 * True while `pid` names a running process (also one of another user: EPERM means it exists).
 * Non-positive or non-integer ids are never alive: `kill(0)` and `kill(-1)` address process
 * groups, so a corrupt owner file must not read as "alive".
 */
export function isProcessAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
