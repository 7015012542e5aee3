// `lambda-lab demo`, the README's main command, run as a user runs it: a subprocess in an empty
// folder. It must scaffold, deploy, sweep and report in one go, leave a complete run on disk and
// leave nothing running behind it.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { InvocationRecord } from '../../src/core/invocationRecord';
import { INVOCATIONS_FILE, RUN_FILE, type RunMetadata } from '../../src/core/runFiles';

const repoRoot = path.resolve(__dirname, '../../..');
const cliJs = path.join(repoRoot, 'out', 'src', 'cli.js');
const workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'llab-demo-test-'));

after(() => fs.rmSync(workDir, { recursive: true, force: true }));

function runCli(args: string[], cwd: string, env: NodeJS.ProcessEnv): Promise<{ code: number | null; stdout: string; stderr: string; pid: number }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [cliJs, ...args], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    // A hung demo must not hang the suite: kill its whole process group.
    const timer = setTimeout(() => {
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        /* already gone */
      }
    }, 240_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, pid: child.pid! });
    });
  });
}

/** Every cgroup (v1 or v2, any mount, a few levels deep) named after the endpoint process `pid`. */
function cgroupsOfProcess(pid: number): string[] {
  if (!fs.existsSync('/proc/self/mountinfo')) return [];
  const mounts = fs
    .readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .filter((line) => / - cgroup2? /.test(line))
    .map((line) => line.split(' ')[4]);
  const found: string[] = [];
  const walk = (dir: string, depth: number): void => {
    let names: fs.Dirent[];
    try {
      names = fs.readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const entry of names) {
      if (!entry.isDirectory()) continue;
      const full = path.join(dir, entry.name);
      if (entry.name.startsWith(`lambda-lab-${pid}-`)) found.push(full);
      else if (depth > 0) walk(full, depth - 1);
    }
  };
  for (const mount of mounts) walk(mount, 3);
  return found;
}

/** Processes whose working folder is inside `dir` (execution environments run in their code folder). */
function processesInside(dir: string): string[] {
  const real = fs.realpathSync(dir);
  const found: string[] = [];
  for (const pid of fs.readdirSync('/proc').filter((name) => /^\d+$/.test(name))) {
    try {
      const cwd = fs.readlinkSync(`/proc/${pid}/cwd`);
      if (cwd.startsWith(real)) found.push(`${pid} (${cwd})`);
    } catch {
      // gone, or not ours to read
    }
  }
  return found;
}

test('lambda-lab demo scaffolds, deploys, sweeps and reports, then leaves a complete run and nothing running', { timeout: 300_000 }, async () => {
  const memorySizes = [512, 1024, 1769, 3538];
  const threads = [1, 2, 4];
  // The endpoint's code folders and store go inside workDir, so processes left running in them can be found.
  const scratch = path.join(workDir, 'scratch');
  fs.mkdirSync(scratch);
  const env = { ...process.env, TMPDIR: scratch, XDG_STATE_HOME: scratch };
  // The leftover check must be able to fail: a process working in scratch is seen.
  const probe = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)'], { cwd: scratch, stdio: 'ignore' });
  await new Promise((resolve) => probe.once('spawn', resolve));
  assert.ok(
    processesInside(workDir).some((line) => line.startsWith(`${probe.pid} `)),
    'the leftover-process check cannot see a process in the folder',
  );
  probe.kill('SIGKILL');
  await new Promise((resolve) => probe.once('exit', resolve));
  const { code, stdout, stderr, pid } = await runCli(
    ['demo', '--memory', memorySizes.join(','), '--reps', '1', '--items', '4', '--cost', '6', '--dir', path.join(workDir, 'fn')],
    workDir,
    env,
  );
  assert.equal(code, 0, `demo failed:\n${stderr}\n${stdout}`);

  // The scaffolded function is the user's copy, in the folder asked for.
  assert.ok(fs.existsSync(path.join(workDir, 'fn', 'index.mjs')), 'the template was not scaffolded into --dir');

  // The printed summary: one row per (memory, threads), the knee table and the recommendations.
  for (const memory of memorySizes) {
    for (const t of threads) assert.match(stdout, new RegExp(`^${memory}\\s+${t}\\s+1\\s`, 'm'), `no summary row for ${memory} MB × ${t} threads`);
  }
  assert.match(stdout, /Knee \(smallest memory/);
  assert.match(stdout, /fastest\s+\S+ \d+ MB, \d threads? \(pool\)/);
  assert.doesNotMatch(stdout + stderr, /NodeVersionSupportWarning/);

  // The run on disk: every planned invocation (one warm-up per function + 12 measured) exactly once.
  // Progress and the closing pointers go to stderr, the summary to stdout.
  const resultsLine = /^Results: (.+)$/m.exec(stderr);
  assert.ok(resultsLine, 'the demo did not say where the results are');
  const runDir = resultsLine[1].trim();
  assert.ok(
    runDir.startsWith(path.join(fs.realpathSync(workDir), '.lambda-lab', 'runs')) || runDir.startsWith(path.join(workDir, '.lambda-lab', 'runs')),
    `results outside the working folder: ${runDir}`,
  );
  const records = fs
    .readFileSync(path.join(runDir, INVOCATIONS_FILE), 'utf8')
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as InvocationRecord);
  assert.equal(records.filter((r) => r.warmup).length, memorySizes.length);
  const measured = records.filter((r) => !r.warmup);
  assert.equal(measured.length, memorySizes.length * threads.length);
  const keys = new Set(measured.map((r) => `${r.memoryMB}/${r.threads}/${r.rep}`));
  assert.equal(keys.size, measured.length, 'a measured invocation is duplicated');
  for (const r of records) {
    assert.equal(r.error, null, `invocation failed: ${r.error}`);
    assert.ok(typeof r.processingMs === 'number' && r.processingMs > 0, 'processingMs missing');
    assert.ok(typeof r.billedMs === 'number' && r.billedMs >= Math.floor(r.durationMs ?? 0), 'billedMs missing or below Duration');
  }
  const run = JSON.parse(fs.readFileSync(path.join(runDir, RUN_FILE), 'utf8')) as RunMetadata;
  assert.equal(run.status, 'completed');
  const everything = fs.readFileSync(path.join(runDir, RUN_FILE), 'utf8') + fs.readFileSync(path.join(runDir, INVOCATIONS_FILE), 'utf8') + stdout + stderr;
  assert.doesNotMatch(everything, /secretAccessKey|AWS_SECRET_ACCESS_KEY/i, 'a credential reached the output or the run files');

  // The endpoint and its execution environments are gone with the demo.
  assert.deepEqual(cgroupsOfProcess(pid), [], 'the demo left CPU cgroups behind');
  assert.deepEqual(processesInside(workDir), [], 'the demo left processes running');
});
