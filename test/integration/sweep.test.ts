// The sweep against the real built-in endpoint through the real AWS SDK: records, injected
// throttling and server errors, kill -9 of the CLI and resume, and bad inputs.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { createLambdaClient, resolveTarget, type ResolvedTarget } from '../../src/aws/lambdaTarget';
import { BUILT_IN_ENDPOINT_ROLE_ARN } from '../../src/aws/executionRole';
import type { SweepCostEstimate } from '../../src/core/costEstimate';
import type { InvocationRecord } from '../../src/core/invocationRecord';
import { invocationCostUsd } from '../../src/core/pricing';
import { INVOCATIONS_FILE, RUN_FILE, type RunMetadata } from '../../src/core/runFiles';
import { buildSweepPlan, recordKey } from '../../src/core/sweepPlan';
import { deployExperiment } from '../../src/deploy/deployer';
import { packageFunction } from '../../src/deploy/packager';
import { startLocalEndpoint, type LocalEndpointHandle, type LocalEndpointOptions } from '../../src/localEndpoint';
import { SDK_MAX_ATTEMPTS } from '../../src/sweep/sweepEngine';
import { createSeededRandom } from '../../src/core/seededRandom';
import { describeTargetForRun, executeSweep, prepareNewSweep } from '../../src/sweep/sweepSession';

const repoRoot = path.resolve(__dirname, '../../..');
const cliJs = path.join(repoRoot, 'out', 'src', 'cli.js');
const templateDir = path.join(repoRoot, 'lambda-template');
const arch = os.arch() === 'arm64' ? 'arm64' : 'x86_64';

const endpoints: LocalEndpointHandle[] = [];
const children: ChildProcess[] = [];
const tempDirs: string[] = [];
let pkg: Awaited<ReturnType<typeof packageFunction>>;

function tempDir(label: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `llab-sweep-${label}-`));
  tempDirs.push(dir);
  return dir;
}

let sharedClean: Promise<{ handle: LocalEndpointHandle; resolved: ResolvedTarget }> | null = null;

/** One fault-free endpoint shared by the tests (each deploys its own experiment), started on first use. */
function cleanEndpoint(): Promise<{ handle: LocalEndpointHandle; resolved: ResolvedTarget }> {
  sharedClean ??= endpoint();
  return sharedClean;
}

async function endpoint(options: LocalEndpointOptions = {}): Promise<{ handle: LocalEndpointHandle; resolved: ResolvedTarget }> {
  const handle = await startLocalEndpoint({ stateTransitionMs: 20, ...options });
  endpoints.push(handle);
  const resolved = await resolveTarget({ kind: 'local' }, { localEndpoint: handle });
  return { handle, resolved };
}

async function deploy(resolved: ResolvedTarget, experimentId: string, memorySizesMB: number[]): Promise<void> {
  const client = createLambdaClient(resolved);
  try {
    const result = await deployExperiment({ client, experimentId, memorySizesMB, architectures: [arch], role: BUILT_IN_ENDPOINT_ROLE_ARN, package: pkg });
    assert.deepEqual(
      result.failures.map((f) => f.message),
      [],
    );
  } finally {
    client.destroy();
  }
}

function readRecords(runDir: string): { records: InvocationRecord[]; text: string } {
  const text = fs.readFileSync(path.join(runDir, INVOCATIONS_FILE), 'utf8');
  assert.ok(text === '' || text.endsWith('\n'), 'invocations.jsonl ends with a newline');
  return {
    records: text
      .split('\n')
      .filter((l) => l !== '')
      .map((l) => JSON.parse(l) as InvocationRecord),
    text,
  };
}

interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

function cliEnv(handle: LocalEndpointHandle, home: string): NodeJS.ProcessEnv {
  return {
    ...process.env,
    AWS_ACCESS_KEY_ID: handle.accessKeyId,
    AWS_SECRET_ACCESS_KEY: handle.secretAccessKey,
    AWS_REGION: handle.region,
    AWS_PROFILE: '',
    AWS_ENDPOINT_URL_LAMBDA: '',
    LAMBDA_LAB_HOME: home,
    HOME: home,
  };
}

/** Starts the CLI in its own process group (so the whole tree can be killed). */
function startCli(args: string[], env: NodeJS.ProcessEnv): { child: ChildProcess; done: Promise<CliResult> } {
  const child = spawn(process.execPath, [cliJs, ...args], { env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const done = new Promise<CliResult>((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
  return { child, done };
}

function runCli(args: string[], env: NodeJS.ProcessEnv, timeoutMs = 120_000): Promise<CliResult> {
  const { child, done } = startCli(args, env);
  const timer = setTimeout(() => killGroup(child), timeoutMs);
  return done.finally(() => clearTimeout(timer));
}

function killGroup(child: ChildProcess): void {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  try {
    process.kill(-child.pid, 'SIGKILL');
  } catch {
    // already gone
  }
}

before(async () => {
  pkg = await packageFunction(templateDir);
});

after(async () => {
  for (const child of children) killGroup(child);
  await Promise.all(endpoints.map((e) => e.stop()));
  for (const dir of tempDirs) fs.rmSync(dir, { recursive: true, force: true });
});

test('a sweep of 2 thread counts × 3 repetitions records every planned invocation with the right fields', async () => {
  const { handle, resolved } = await cleanEndpoint();
  await deploy(resolved, 'itsweep', [1769, 3538]);
  const runsDir = tempDir('runs');
  const client = createLambdaClient(resolved, { maxAttempts: SDK_MAX_ATTEMPTS });
  try {
    const prepared = await prepareNewSweep(
      client,
      { experimentId: 'itsweep', threadCounts: [1, 2], strategies: ['pool'], repetitions: 3, items: 4, cost: 6, concurrency: 1, runsDir, seed: 11 },
      describeTargetForRun(resolved),
    );
    const progress: number[] = [];
    const outcome = await executeSweep(prepared, { client, onProgress: (p) => progress.push(p.done) });
    assert.equal(outcome.status, 'completed', outcome.statusReason ?? '');
    const runDir = prepared.store.runDir;
    const { records, text } = readRecords(runDir);
    const plan = buildSweepPlan({ functions: prepared.plan.input.functions, threadCounts: [1, 2], strategies: ['pool'], repetitions: 3, seed: 11 });
    assert.equal(records.length, 2 + 2 * 2 * 3);
    assert.deepEqual(records.map(recordKey).sort(), [...plan.warmups, ...plan.measured].map((p) => p.key).sort());
    for (const r of records) {
      assert.equal(r.error, null, `${recordKey(r)}: ${r.error}`);
      assert.equal(r.arch, arch);
      assert.ok([1769, 3538].includes(r.memoryMB));
      assert.equal(r.functionName, `llab-itsweep-${r.memoryMB}-${arch}`);
      assert.equal(r.strategy, 'pool');
      assert.ok(typeof r.processingMs === 'number' && r.processingMs > 0, 'processingMs from the function');
      assert.ok(typeof r.durationMs === 'number' && r.durationMs >= r.processingMs!, 'Duration from REPORT covers processing');
      assert.ok(typeof r.billedMs === 'number' && r.billedMs >= Math.floor(r.durationMs!), 'Billed Duration from REPORT');
      assert.ok(typeof r.maxMemoryMB === 'number' && r.maxMemoryMB > 0);
      assert.ok(typeof r.cores === 'number' && r.cores >= 1);
      assert.ok(typeof r.cpuModel === 'string');
      assert.equal(r.cpuLimit, handle.cpuLimit, 'the CPU limit the function saw (LAMBDA_LAB_CPU_LIMIT)');
      assert.equal(r.retries, 0, 'the shared endpoint injects no faults, so nothing is retried');
      assert.ok(Date.parse(r.endedAt) >= Date.parse(r.startedAt));
      assert.equal(r.runId, path.basename(runDir));
    }
    const warmups = records.filter((r) => r.warmup);
    assert.equal(warmups.length, 2);
    assert.ok(
      warmups.every((r) => r.coldStart && r.initMs !== null && r.rep === 0),
      'warm-ups are the cold starts, with Init Duration',
    );
    assert.ok(
      records.filter((r) => !r.warmup).every((r) => !r.coldStart && r.initMs === null),
      'with concurrency 1 the measured invocations reuse the warm environment',
    );
    assert.deepEqual(
      progress,
      [...progress].sort((a, b) => a - b),
      'progress only goes forward',
    );
    assert.equal(progress.at(-1), records.length);

    const meta = JSON.parse(fs.readFileSync(path.join(runDir, RUN_FILE), 'utf8')) as RunMetadata;
    assert.equal(meta.status, 'completed');
    assert.equal(meta.seed, 11);
    assert.equal(meta.experimentId, 'itsweep');
    assert.equal(meta.target.kind, 'local');
    assert.equal(meta.target.endpoint, handle.endpoint);
    assert.equal(meta.region, handle.region);
    assert.equal(meta.cpuLimit, handle.cpuLimit);
    assert.equal(meta.templateHash, pkg.codeSha256);
    assert.equal(meta.plan.plannedInvocations, 14);
    assert.ok(meta.estimatedCostUsd !== null && meta.estimatedCostUsd > 0);
    for (const secret of [handle.secretAccessKey, handle.accessKeyId]) {
      assert.ok(!fs.readFileSync(path.join(runDir, RUN_FILE), 'utf8').includes(secret), 'no credentials in run.json');
      assert.ok(!text.includes(secret), 'no credentials in invocations.jsonl');
    }
  } finally {
    client.destroy();
  }
});

test('under 20% injected throttling and 5% server errors the sweep completes, with the retries counted', async () => {
  const { resolved } = await endpoint({ faults: { throttleRate: 0.2, serverErrorRate: 0.05, seed: 3 } });
  await deploy(resolved, 'itfaults', [1769, 3538]);
  const client = createLambdaClient(resolved, { maxAttempts: SDK_MAX_ATTEMPTS });
  try {
    const prepared = await prepareNewSweep(
      client,
      {
        experimentId: 'itfaults',
        threadCounts: [1, 2],
        strategies: ['pool'],
        repetitions: 3,
        items: 4,
        cost: 6,
        concurrency: 1,
        runsDir: tempDir('faults'),
        seed: 12,
      },
      describeTargetForRun(resolved),
    );
    const outcome = await executeSweep(prepared, { client, retry: { baseDelayMs: 20, maxDelayMs: 200 } });
    assert.equal(outcome.status, 'completed', outcome.statusReason ?? '');
    const { records } = readRecords(prepared.store.runDir);
    assert.equal(records.length, 14, 'no gaps');
    assert.equal(new Set(records.map(recordKey)).size, 14, 'no duplicates');
    const retries = records.reduce((sum, r) => sum + r.retries, 0);
    assert.ok(retries > 0, 'faults were met and retried');
    assert.equal(outcome.retries, retries);
    // The endpoint's fault injector rolls its seeded random once per Invoke. Every Invoke sent is one
    // attempt: a record's retries plus its last attempt. Replaying the same seed over that many rolls
    // gives the faults injected; each one was either retried or, the last attempt, left an error record.
    const errorRecords = records.filter((r) => r.error !== null).length;
    const invokesSent = records.length + retries;
    const roll = createSeededRandom(3);
    let faultsInjected = 0;
    for (let i = 0; i < invokesSent; i++) if (roll() < 0.2 + 0.05) faultsInjected++;
    assert.equal(retries + errorRecords, faultsInjected, 'retries (plus exhausted invocations) equal the faults injected');
    for (const r of records) {
      if (r.error !== null) assert.match(r.error, /TooManyRequests|ServiceException/, 'an error record says what failed');
      else assert.ok(r.processingMs !== null && r.billedMs !== null);
    }
    process.stderr.write(
      `[measure] 20% throttling + 5% 500s: ${retries} retries over ${records.length} invocations (${records.filter((r) => r.retries > 0).length} invocations retried, ${records.filter((r) => r.error).length} errors)\n`,
    );
  } finally {
    client.destroy();
  }
});

test('kill -9 of the CLI mid-sweep, then resume: exactly the planned records, no duplicates', async () => {
  const { handle, resolved } = await cleanEndpoint();
  await deploy(resolved, 'itkill', [1769]);
  const home = tempDir('home');
  const out = tempDir('killruns');
  const env = cliEnv(handle, home);
  const args = [
    'sweep',
    '--experiment',
    'itkill',
    '--threads',
    '1,2',
    '--reps',
    '8',
    '--items',
    '6',
    '--cost',
    '7',
    '--endpoint',
    handle.endpoint,
    '--out',
    out,
    '--seed',
    '5',
    '--quiet',
  ];
  const { child, done } = startCli(args, env);
  // Wait for a few records, then kill the process group without warning.
  const deadline = Date.now() + 60_000;
  let runDir = '';
  let lines = 0;
  while (Date.now() < deadline && lines < 5) {
    await new Promise((r) => setTimeout(r, 25));
    const runs = fs.existsSync(out) ? fs.readdirSync(out) : [];
    if (runs.length === 1) {
      runDir = path.join(out, runs[0]);
      const file = path.join(runDir, INVOCATIONS_FILE);
      lines = fs.existsSync(file)
        ? fs
            .readFileSync(file, 'utf8')
            .split('\n')
            .filter((l) => l).length
        : 0;
    }
    if (child.exitCode !== null) break;
  }
  assert.ok(lines >= 5 && lines < 17, `killed mid-sweep after ${lines} records`);
  killGroup(child);
  const killed = await done;
  assert.equal(killed.code, null, 'the CLI died by signal');
  const before = readRecords(runDir).records.length;
  assert.ok(before < 17);
  // A write torn by the crash on top of that.
  fs.appendFileSync(path.join(runDir, INVOCATIONS_FILE), '{"runId":"torn","functionName":"llab-');

  const resumed = await runCli(['sweep', '--resume', runDir, '--endpoint', handle.endpoint, '--json', '--quiet'], env);
  assert.equal(resumed.code, 0, resumed.stderr);
  assert.match(resumed.stderr, /Warning: .*last line is incomplete/);
  const { records } = readRecords(runDir);
  const plan = buildSweepPlan({
    functions: [{ functionName: `llab-itkill-1769-${arch}`, arch, memoryMB: 1769 }],
    threadCounts: [1, 2],
    strategies: ['pool'],
    repetitions: 8,
    seed: 5,
  });
  const keys = records.map(recordKey);
  assert.equal(keys.length, 17);
  assert.equal(new Set(keys).size, 17, 'no duplicates');
  assert.deepEqual([...keys].sort(), [...plan.warmups, ...plan.measured].map((p) => p.key).sort());
  assert.ok(records.every((r) => r.error === null));
  const outcome = JSON.parse(resumed.stdout) as { status: string; done: number; total: number };
  assert.equal(outcome.status, 'completed');
  assert.equal(outcome.done, 17);
  assert.equal((JSON.parse(fs.readFileSync(path.join(runDir, RUN_FILE), 'utf8')) as RunMetadata).status, 'completed');
});

test('bad inputs give one clear error and write nothing', async () => {
  const { handle, resolved } = await cleanEndpoint();
  await deploy(resolved, 'itbad', [1769]);
  const home = tempDir('badhome');
  const env = cliEnv(handle, home);
  const out = path.join(tempDir('bad'), 'runs');
  const cases: Array<{ args: string[]; code: number; message: RegExp }> = [
    {
      args: ['sweep', '--experiment', 'itbad', '--threads', '0', '--reps', '3', '--endpoint', handle.endpoint, '--out', out],
      code: 2,
      message: /thread.*0.*(out of range|1\.\.64|1 to 64)/i,
    },
    {
      args: ['sweep', '--experiment', 'itbad', '--threads', '1', '--reps', '0', '--endpoint', handle.endpoint, '--out', out],
      code: 2,
      message: /repetitions/i,
    },
    {
      args: ['sweep', '--experiment', 'itbad', '--threads', '1', '--reps', '2', '--endpoint', 'http://127.0.0.1:1', '--out', out],
      code: 1,
      message: /127\.0\.0\.1:1/,
    },
    {
      args: ['sweep', '--experiment', 'nothere', '--threads', '1', '--reps', '2', '--endpoint', handle.endpoint, '--out', out],
      code: 1,
      message: /No functions of experiment "nothere"/,
    },
    { args: ['sweep', '--resume', path.join(out, 'missing'), '--endpoint', handle.endpoint], code: 1, message: /No run found/ },
    { args: ['sweep', '--experiment', 'itbad', '--threads', '1', '--reps', '2', '--bogus'], code: 2, message: /bogus/ },
    { args: ['deploy', '--experiment', 'itbad', '--memory', '100', '--endpoint', handle.endpoint], code: 2, message: /100.*(128|out of range)/ },
  ];
  for (const c of cases) {
    const result = await runCli(c.args, env);
    assert.equal(result.code, c.code, `${c.args.join(' ')}: exit ${result.code}\n${result.stderr}`);
    const lines = result.stderr.trim().split('\n');
    assert.equal(lines.length, 1, `one message for ${c.args.join(' ')}:\n${result.stderr}`);
    assert.match(lines[0], c.message);
    assert.ok(!/\n\s+at /.test(result.stderr), 'no stack trace');
  }
  assert.ok(!fs.existsSync(out) || fs.readdirSync(out).length === 0, 'no run folder was written');
  const client = createLambdaClient(resolved);
  try {
    const { GetFunctionCommand } = await import('@aws-sdk/client-lambda');
    await assert.rejects(client.send(new GetFunctionCommand({ FunctionName: `llab-itbad-100-${arch}` })), /ResourceNotFound|not found/i);
  } finally {
    client.destroy();
  }
});

// Sweeps that a test stops with a signal: long enough (2 threads x 500 repetitions + a warm-up) that
// they cannot finish before the signal even when a loaded machine delays the test's own steps.
const LONG_SWEEP_REPS = 500;
const LONG_SWEEP_INVOCATIONS = 2 * LONG_SWEEP_REPS + 1;

test('Ctrl-C (SIGINT) cancels the CLI cleanly: run.json says cancelled and how to resume', async () => {
  const { handle, resolved } = await cleanEndpoint();
  await deploy(resolved, 'itsigint', [1769]);
  const out = tempDir('sigintruns');
  const env = cliEnv(handle, tempDir('siginthome'));
  const { child, done } = startCli(
    [
      'sweep',
      '--experiment',
      'itsigint',
      '--threads',
      '1,2',
      '--reps',
      String(LONG_SWEEP_REPS),
      '--items',
      '6',
      '--cost',
      '7',
      '--endpoint',
      handle.endpoint,
      '--out',
      out,
      '--quiet',
    ],
    env,
  );
  const deadline = Date.now() + 60_000;
  let runDir = '';
  while (Date.now() < deadline && child.exitCode === null) {
    await new Promise((r) => setTimeout(r, 25));
    const runs = fs.existsSync(out) ? fs.readdirSync(out) : [];
    if (runs.length === 1) {
      runDir = path.join(out, runs[0]);
      const file = path.join(runDir, INVOCATIONS_FILE);
      if (
        fs.existsSync(file) &&
        fs
          .readFileSync(file, 'utf8')
          .split('\n')
          .filter((l) => l).length >= 3
      )
        break;
    }
  }
  child.kill('SIGINT');
  const result = await done;
  assert.equal(result.code, 130, result.stderr);
  assert.match(result.stderr, /Cancelling/);
  assert.match(result.stderr, new RegExp(`Resume with: lambda-lab sweep --resume ${runDir.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
  const meta = JSON.parse(fs.readFileSync(path.join(runDir, RUN_FILE), 'utf8')) as RunMetadata;
  assert.equal(meta.status, 'cancelled');
  const { records } = readRecords(runDir);
  assert.ok(records.length >= 3 && records.length < LONG_SWEEP_INVOCATIONS);
  assert.equal(new Set(records.map(recordKey)).size, records.length);
});

test('--max-cost-usd starts no invocation past the limit (only the one in flight may pass it), resumably', async () => {
  const { handle, resolved } = await cleanEndpoint();
  await deploy(resolved, 'itcost', [1769]);
  const out = tempDir('costruns');
  const env = cliEnv(handle, tempDir('costhome'));
  // The cold pilot costs about $0.00001 at 1769 MB; a warm invocation a few millionths.
  const ceiling = 0.00004;
  const result = await runCli(
    [
      'sweep',
      '--experiment',
      'itcost',
      '--threads',
      '1,2',
      '--reps',
      '20',
      '--items',
      '4',
      '--cost',
      '6',
      '--endpoint',
      handle.endpoint,
      '--out',
      out,
      '--max-cost-usd',
      String(ceiling),
      '--json',
      '--quiet',
    ],
    env,
  );
  assert.equal(result.code, 1, result.stderr);
  const outcome = JSON.parse(result.stdout) as { status: string; costUsd: number; done: number; runDir: string; estimate: SweepCostEstimate };
  assert.equal(outcome.status, 'stopped-max-cost');
  assert.ok(outcome.done >= 1 && outcome.done < 41, `${outcome.done} of 41 done`);
  assert.match(result.stderr, /Cost limit reached[^\n]*\n[\s\S]*Resume with a higher limit to finish: lambda-lab sweep --resume \S+ --max-cost-usd/);
  assert.doesNotMatch(result.stderr, /NodeVersionSupportWarning/, 'src/cli.ts silences the AWS SDK notice about Node versions');
  const meta = JSON.parse(fs.readFileSync(path.join(outcome.runDir, RUN_FILE), 'utf8')) as RunMetadata;
  assert.equal(meta.status, 'stopped-max-cost');
  assert.equal(meta.maxCostUsd, ceiling);
  const { records } = readRecords(outcome.runDir);
  assert.equal(records.length, outcome.done);
  // What is guaranteed (not that the total stays under the ceiling: an invocation's real cost is
  // known only when it ends, and on a loaded machine it runs longer than the pilot suggested).
  // One function, so one invocation in flight at a time, recorded in start order. Each measured
  // invocation started only if the spend so far plus its estimate fit; the sweep stopped when the
  // next one's estimate no longer fit. All 40 measured invocations have the same estimate (at
  // 1 vCPU, 1 and 2 threads both get one vCPU).
  const costs = records.map((r) => invocationCostUsd({ billedMs: r.billedMs!, memoryMB: r.memoryMB, arch: r.arch, region: meta.region }));
  const spent = costs.reduce((a, b) => a + b, 0);
  assert.ok(Math.abs(spent - outcome.costUsd) < 1e-12, `${spent} vs ${outcome.costUsd}`);
  const perInvocationEstimate = outcome.estimate.estimatedUsd / outcome.estimate.invocations;
  assert.equal(outcome.estimate.invocations, 40);
  const last = records.length - 1;
  const startedWithinCeiling = last === 0 || spent - costs[last] + perInvocationEstimate <= ceiling + 1e-12;
  assert.ok(startedWithinCeiling, `the last invocation started with ${spent - costs[last]} spent, estimated at ${perInvocationEstimate}`);
  assert.ok(spent + perInvocationEstimate > ceiling - 1e-12, `stopped with ${spent} spent although ${perInvocationEstimate} more fitted under ${ceiling}`);

  // Resumable: a higher limit finishes the run without repeating what was paid for.
  const resumed = await runCli(['sweep', '--resume', outcome.runDir, '--endpoint', handle.endpoint, '--max-cost-usd', '1', '--json', '--quiet'], env);
  assert.equal(resumed.code, 0, resumed.stderr);
  assert.equal((JSON.parse(resumed.stdout) as { status: string }).status, 'completed');
  const all = readRecords(outcome.runDir).records;
  assert.equal(all.length, 41);
  assert.deepEqual(all.slice(0, records.length), records);
});

/** Waits until the run folder under `out` (or `runDir`) holds at least `count` records. */
async function waitForRecords(child: ChildProcess, out: string, count: number, runDir = ''): Promise<string> {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline && child.exitCode === null) {
    await new Promise((r) => setTimeout(r, 25));
    if (!runDir) {
      const runs = fs.existsSync(out) ? fs.readdirSync(out) : [];
      if (runs.length === 1) runDir = path.join(out, runs[0]);
    }
    const file = runDir ? path.join(runDir, INVOCATIONS_FILE) : '';
    if (
      file &&
      fs.existsSync(file) &&
      fs
        .readFileSync(file, 'utf8')
        .split('\n')
        .filter((l) => l).length >= count
    )
      return runDir;
  }
  throw new Error(`no ${count} records under ${runDir || out} in time`);
}

test('a run being swept cannot be resumed by a second process; SIGTERM and SIGHUP cancel resumably and release run.lock', async () => {
  const { handle, resolved } = await cleanEndpoint();
  await deploy(resolved, 'itlock', [1769]);
  const out = tempDir('lockruns');
  const env = cliEnv(handle, tempDir('lockhome'));
  const first = startCli(
    [
      'sweep',
      '--experiment',
      'itlock',
      '--threads',
      '1,2',
      '--reps',
      String(LONG_SWEEP_REPS),
      '--items',
      '6',
      '--cost',
      '7',
      '--endpoint',
      handle.endpoint,
      '--out',
      out,
      '--quiet',
    ],
    env,
  );
  const runDir = await waitForRecords(first.child, out, 3);
  const lockFile = path.join(runDir, 'run.lock');
  const owner = JSON.parse(fs.readFileSync(lockFile, 'utf8')) as { pid: number; hostname: string; startedAt: string };
  assert.equal(owner.pid, first.child.pid);
  assert.equal(owner.hostname, os.hostname());

  const second = await runCli(['sweep', '--resume', runDir, '--endpoint', handle.endpoint, '--quiet'], env);
  assert.equal(second.code, 1, second.stderr);
  const escapedRun = path.basename(runDir).replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  assert.match(
    second.stderr.trim(),
    new RegExp(
      `^lambda-lab sweep: Run ${escapedRun} is being swept by process ${owner.pid} \\(started ${owner.startedAt.replace(/\./g, '\\.')}\\); wait for it or stop it, then resume\\.`,
    ),
  );
  assert.equal(second.stderr.trim().split('\n').length, 1);

  first.child.kill('SIGTERM');
  const terminated = await first.done;
  assert.equal(terminated.code, 128 + 15, terminated.stderr);
  assert.match(terminated.stderr, /Cancelling \(SIGTERM\)/);
  assert.equal((JSON.parse(fs.readFileSync(path.join(runDir, RUN_FILE), 'utf8')) as RunMetadata).status, 'cancelled');
  assert.ok(!fs.existsSync(lockFile), 'SIGTERM released the lock');
  const afterTerm = readRecords(runDir).records.length;

  // Resume (the lock is free again), then hang up on it: same clean cancellation.
  const resumed = startCli(['sweep', '--resume', runDir, '--endpoint', handle.endpoint, '--quiet'], env);
  await waitForRecords(resumed.child, out, afterTerm + 2, runDir);
  assert.equal(JSON.parse(fs.readFileSync(lockFile, 'utf8')).pid, resumed.child.pid);
  resumed.child.kill('SIGHUP');
  const hungUp = await resumed.done;
  assert.equal(hungUp.code, 128 + 1, hungUp.stderr);
  assert.equal((JSON.parse(fs.readFileSync(path.join(runDir, RUN_FILE), 'utf8')) as RunMetadata).status, 'cancelled');
  assert.ok(!fs.existsSync(lockFile), 'SIGHUP released the lock');
  const { records } = readRecords(runDir);
  assert.ok(records.length < LONG_SWEEP_INVOCATIONS, 'cancelled before the end');
  assert.equal(new Set(records.map(recordKey)).size, records.length, 'no duplicates');
});
