// Process hygiene of the code-server harness: code-server and Chromium are spawned as leaders of
// their own process group and session, and everything in those (plus anything whose command line
// names the run's temporary folder) is killed when a session or the run ends, however it ends.
import * as fs from 'node:fs';
import { delay } from './asyncHelpers';
import { detail, log } from './harnessSettings';

/**
 * SIGTERM to everything the leader started, then SIGKILL whatever is still alive after a grace
 * period. "Everything" is its process group plus its session: both children were spawned as
 * session leaders (detached), and some helpers move to a process group of their own (Chromium's
 * crashpad handler does) but stay in the session.
 */
export async function killProcessGroup(leader: number, label: string): Promise<void> {
  if (!treeAlive(leader)) return;
  signalTree(leader, 'SIGTERM');
  const deadline = Date.now() + 5_000;
  while (treeAlive(leader) && Date.now() < deadline) await delay(100);
  if (treeAlive(leader)) {
    detail(`harness: ${label} (process group ${leader}) ignored SIGTERM; sending SIGKILL`);
    signalTree(leader, 'SIGKILL');
    const killDeadline = Date.now() + 5_000;
    while (treeAlive(leader) && Date.now() < killDeadline) await delay(100);
  }
  if (treeAlive(leader))
    log(`harness: WARNING ${label} processes of group/session ${leader} are still alive after SIGKILL: ${sessionMembers(leader).join(', ')}`);
}

/** Pids whose process group or session is `leader` (Linux /proc; empty elsewhere). */
function sessionMembers(leader: number): number[] {
  let entries: string[];
  try {
    entries = fs.readdirSync('/proc');
  } catch {
    return [];
  }
  const members: number[] = [];
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
      // "pid (comm) state ppid pgrp session ..." — comm may contain spaces and parentheses.
      const [state, , pgrp, session] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (state !== 'Z' && (Number(pgrp) === leader || Number(session) === leader)) members.push(Number(entry));
    } catch {
      // the process ended while we looked
    }
  }
  return members;
}

function treeAlive(leader: number): boolean {
  if (sessionMembers(leader).length > 0) return true;
  try {
    process.kill(-leader, 0);
    return true;
  } catch {
    return false;
  }
}

/** Sends `signal` to the leader's process group and every member of its session. */
export function signalTree(leader: number, signal: NodeJS.Signals): void {
  for (const target of [-leader, ...sessionMembers(leader)]) {
    try {
      process.kill(target, signal);
    } catch {
      // already gone
    }
  }
}

/**
 * Safety net after the group kills: anything still running whose command line names `folder`
 * (the run's temporary folder: code-server's and Chromium's helpers all do) is ours and is killed.
 */
export async function killStragglers(folder: string | undefined): Promise<void> {
  let leftovers = processesMentioning(folder);
  if (leftovers.length === 0) return;
  for (const pid of leftovers) signalPid(pid, 'SIGTERM');
  const deadline = Date.now() + 3_000;
  while ((leftovers = processesMentioning(folder)).length > 0 && Date.now() < deadline) await delay(100);
  for (const pid of leftovers) signalPid(pid, 'SIGKILL');
  detail(`harness: stopped processes outside the killed groups that belonged to this run: ${leftovers.join(', ') || '(they exited on SIGTERM)'}`);
}

export function processesMentioning(text: string | undefined): number[] {
  if (!text) return [];
  let entries: string[];
  try {
    entries = fs.readdirSync('/proc');
  } catch {
    return [];
  }
  const found: number[] = [];
  for (const entry of entries) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      if (fs.readFileSync(`/proc/${entry}/cmdline`, 'utf8').includes(text)) found.push(Number(entry));
    } catch {
      // the process ended while we looked
    }
  }
  return found;
}

export function signalPid(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal);
  } catch {
    // already gone
  }
}
