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

function runCli(args: string[], cwd: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [cliJs, ...args], { cwd, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
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
      resolve({ code, stdout, stderr });
    });
  });
}

function lambdaLabCgroups(): string[] {
  const root = '/sys/fs/cgroup/cpu';
  return fs.existsSync(root) ? fs.readdirSync(root).filter((name) => name.startsWith('lambda-lab-')) : [];
}

test('lambda-lab demo scaffolds, deploys, sweeps and reports, then leaves a complete run and nothing running', { timeout: 300_000 }, async () => {
  const cgroupsBefore = new Set(lambdaLabCgroups());
  const memorySizes = [512, 1024, 1769, 3538];
  const threads = [1, 2, 4];
  const { code, stdout, stderr } = await runCli(['demo', '--memory', memorySizes.join(','), '--reps', '1', '--items', '4', '--cost', '6', '--dir', path.join(workDir, 'fn')], workDir);
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
  assert.ok(runDir.startsWith(path.join(fs.realpathSync(workDir), '.lambda-lab', 'runs')) || runDir.startsWith(path.join(workDir, '.lambda-lab', 'runs')), `results outside the working folder: ${runDir}`);
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
  const leftover = lambdaLabCgroups().filter((name) => !cgroupsBefore.has(name));
  assert.deepEqual(leftover, [], 'the demo left CPU cgroups behind');
});
