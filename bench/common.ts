// Shared parts of the benchmarks: the machine's state printed beside every number, statistics,
// a registry of things to stop on every exit path, and the shape of one measure's result.
import * as os from 'node:os';
import * as fs from 'node:fs';
import * as path from 'node:path';

export const repoRoot = path.resolve(__dirname, '../..');

export interface MachineState {
  cores: number;
  /** 1, 5 and 15 minute load averages. */
  load: [number, number, number];
  /** How the built-in endpoint limits CPU here (cgroup-v2, cgroup-v1, systemd-run, none), once known. */
  cpuLimit: string;
}

let cpuLimitMethod = 'not started yet';
export function setCpuLimitMethod(method: string): void {
  cpuLimitMethod = method;
}

export function machineState(): MachineState {
  const load = os.loadavg().map((l) => Math.round(l * 100) / 100) as [number, number, number];
  return { cores: typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length, load, cpuLimit: cpuLimitMethod };
}

export function describeMachine(state: MachineState): string {
  return `${state.cores} cores, load ${state.load.join(' ')}, CPU limit ${state.cpuLimit}`;
}

export interface Measure {
  key: string;
  /** null when it could not be taken; `reason` then says why. */
  value: number | null;
  unit: string;
  goal: string;
  /** Whether the goal is met (null: no goal, or no value). */
  met: boolean | null;
  reason?: string;
  command: string;
  machine: MachineState;
  /** Supporting rows (per-configuration numbers) printed under the table. */
  detail?: string[];
  /** Which study data answered it and what that data lacks (measures compared with the study). */
  dataSet?: string;
}

export interface BenchOptions {
  quick: boolean;
  /** `--study <dir>`: the study's CSVs (AggregatedResults.csv and Lambda_<memory>_<threads>_<arch>.csv). */
  study?: string;
}

/** The study publishes 492 configurations (41 sizes × 6 thread counts × 2 architectures), one CSV each. */
const STUDY_CONFIGURATIONS = 492;

export interface StudyData {
  dir: string;
  /** Where it came from: `--study`, LAMBDA_LAB_SEED_DIR, ../shared/data/seed-results or the committed fixture. */
  origin: string;
  /** Per-configuration CSVs (Lambda_*.csv) in the folder, and the thread counts they cover. */
  configurationFiles: number;
  threadCounts: number[];
  /** What the folder lacks of the study, or null when it holds all of it. */
  missing: string | null;
  /** One line for the output: which data, and what is missing. */
  description: string;
}

/**
 * The study's data for the measures compared with it, in this order: `--study <dir>`,
 * $LAMBDA_LAB_SEED_DIR, ../shared/data/seed-results beside the checkout if present, else the subset
 * committed in test/fixtures/seed-results (AggregatedResults.csv whole, 1-thread CSVs only), so a
 * fresh clone measures what it can instead of nothing.
 */
export function studyData(options: Pick<BenchOptions, 'study'>): StudyData {
  const candidates: Array<[string | undefined, string]> = [
    [options.study, '--study'],
    [process.env.LAMBDA_LAB_SEED_DIR, 'LAMBDA_LAB_SEED_DIR'],
    [path.join(repoRoot, '..', 'shared', 'data', 'seed-results'), '../shared/data/seed-results'],
  ];
  let dir = path.join(repoRoot, 'test', 'fixtures', 'seed-results');
  let origin = 'the committed fixture test/fixtures/seed-results';
  for (const [candidate, name] of candidates) {
    if (!candidate) continue;
    // A folder named explicitly must be usable: falling back silently would measure other data.
    if (name !== '../shared/data/seed-results' && !fs.existsSync(path.join(candidate, 'AggregatedResults.csv')))
      throw new Error(`${name} (${candidate}) has no AggregatedResults.csv: it must be a folder of the study's CSV files.`);
    if (fs.existsSync(path.join(candidate, 'AggregatedResults.csv'))) {
      dir = path.resolve(candidate);
      origin =
        name === '--study'
          ? `--study ${candidate}`
          : name === 'LAMBDA_LAB_SEED_DIR'
            ? `LAMBDA_LAB_SEED_DIR=${candidate}`
            : `../shared/data/seed-results (${dir})`;
      break;
    }
  }
  const files = fs.readdirSync(dir).filter((name) => /^Lambda_\d+_\d+_(arm64|x86_64)\.csv$/.test(name));
  const threadCounts = [...new Set(files.map((name) => Number(name.split('_')[2])))].sort((a, b) => a - b);
  const missing =
    files.length >= STUDY_CONFIGURATIONS
      ? null
      : `${STUDY_CONFIGURATIONS - files.length} of the study's ${STUDY_CONFIGURATIONS} per-configuration CSVs (it holds ${files.length}: ` +
        `threads ${threadCounts.join(', ') || 'none'}), so the invocations of the other thread counts (AggregatedResults.csv has their means only)`;
  return {
    dir,
    origin,
    configurationFiles: files.length,
    threadCounts,
    missing,
    description: `study data: ${origin}${missing ? `; missing: ${missing}` : ' (all 492 configurations)'}`,
  };
}

export function commandFor(group: string, quick: boolean): string {
  return `flock /tmp/lab-heavy.lock npm run bench -- --only ${group}${quick ? ' --quick' : ''}`;
}

export function unavailable(key: string, unit: string, goal: string, reason: string, command: string): Measure {
  return { key, value: null, unit, goal, met: null, reason, command, machine: machineState() };
}

export function measured(key: string, value: number, unit: string, goal: string, met: boolean | null, command: string, detail?: string[]): Measure {
  return { key, value, unit, goal, met, command, machine: machineState(), detail };
}

/** One Markdown table row. */
export function tableRow(cells: ReadonlyArray<string | number>): string {
  return `| ${cells.join(' | ')} |`;
}

/** A percentage with one decimal, e.g. 0.0123 -> '1.2%'. */
export function percent(share: number): string {
  return `${(share * 100).toFixed(1)}%`;
}

export function mean(values: readonly number[]): number {
  return values.reduce((sum, v) => sum + v, 0) / values.length;
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** Sample coefficient of variation (stdev / mean). */
export function cv(values: readonly number[]): number {
  if (values.length < 2) return Number.NaN;
  const m = mean(values);
  const variance = values.reduce((sum, v) => sum + (v - m) ** 2, 0) / (values.length - 1);
  return Math.sqrt(variance) / m;
}

export function round(value: number, digits = 3): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

/** Things to stop (endpoints, browsers, clients) on every exit path, newest first. */
const cleanups: Array<() => Promise<unknown> | unknown> = [];
export function onCleanup(stop: () => Promise<unknown> | unknown): void {
  cleanups.push(stop);
}
export async function cleanupAll(): Promise<void> {
  while (cleanups.length > 0) {
    const stop = cleanups.pop()!;
    try {
      await stop();
    } catch (error) {
      process.stderr.write(`cleanup failed: ${error instanceof Error ? error.message : String(error)}\n`);
    }
  }
}

/** Every descendant process of `rootPid`, from /proc; empty off Linux. */
export function descendantPids(rootPid = process.pid): number[] {
  const parents = new Map<number, number>();
  let entries: string[];
  try {
    entries = fs.readdirSync('/proc').filter((name) => /^\d+$/.test(name));
  } catch {
    return [];
  }
  for (const name of entries) {
    try {
      const stat = fs.readFileSync(`/proc/${name}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      parents.set(Number(name), Number(fields[1]));
    } catch {
      // the process ended meanwhile
    }
  }
  const isDescendant = (pid: number): boolean => {
    for (let p = parents.get(pid), hops = 0; p !== undefined && hops < 64; p = parents.get(p), hops++) if (p === rootPid) return true;
    return false;
  };
  return [...parents.keys()].filter(isDescendant);
}

/** Resident memory (KiB) of every descendant process of `rootPid`, from /proc; empty off Linux. */
export function descendantRssKiB(rootPid = process.pid): Map<number, number> {
  const result = new Map<number, number>();
  for (const pid of descendantPids(rootPid)) {
    try {
      const match = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
      if (match) result.set(pid, Number(match[1]));
    } catch {
      // ended meanwhile
    }
  }
  return result;
}

/**
 * Scheduler time of every thread of every descendant process (/proc/<pid>/task/<tid>/schedstat):
 * ns on a CPU and ns runnable but waiting for one (run-queue wait), per "pid/tid". Empty off Linux.
 */
export function descendantSchedstat(rootPid = process.pid): Map<string, { runNs: number; waitNs: number }> {
  const result = new Map<string, { runNs: number; waitNs: number }>();
  for (const pid of descendantPids(rootPid)) {
    let tids: string[];
    try {
      tids = fs.readdirSync(`/proc/${pid}/task`);
    } catch {
      continue;
    }
    for (const tid of tids) {
      try {
        const [run, wait] = fs.readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').split(' ').map(Number);
        result.set(`${pid}/${tid}`, { runNs: run, waitNs: wait });
      } catch {
        // the thread ended meanwhile
      }
    }
  }
  return result;
}

/** Run and run-queue wait ms of the threads alive at `after`, since `before` (threads started since count from 0). */
export function schedstatDelta(
  before: Map<string, { runNs: number; waitNs: number }>,
  after: Map<string, { runNs: number; waitNs: number }>,
): { runMs: number; waitMs: number } {
  let runNs = 0;
  let waitNs = 0;
  for (const [key, value] of after) {
    const earlier = before.get(key);
    runNs += value.runNs - (earlier?.runNs ?? 0);
    waitNs += value.waitNs - (earlier?.waitNs ?? 0);
  }
  return { runMs: runNs / 1e6, waitMs: waitNs / 1e6 };
}

/** The whole machine's CPU time from /proc/stat's first line, in clock ticks; null off Linux. */
export function machineCpuTicks(): { steal: number; total: number } | null {
  try {
    const line = fs.readFileSync('/proc/stat', 'utf8').split('\n', 1)[0];
    // cpu user nice system idle iowait irq softirq steal guest guest_nice (guest time is also counted in user)
    const [user, nice, system, idle, iowait, irq, softirq, steal] = line.trim().split(/\s+/).slice(1, 9).map(Number);
    return { steal, total: user + nice + system + idle + iowait + irq + softirq + steal };
  } catch {
    return null;
  }
}
