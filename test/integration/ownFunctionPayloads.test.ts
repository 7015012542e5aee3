// Several payloads for a sweep of your own function, against the built-in endpoint through the CLI:
// files used in turn and weighted, a typed payload, each record naming its payload, analysis
// refusing to average payloads together; no payload value (a "password") in any file of the run
// folder; and a killed sweep resumed without repeating recorded invocations, refused when a
// payload or the original's code changed.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { UpdateFunctionCodeCommand, UpdateFunctionConfigurationCommand, waitUntilFunctionUpdatedV2, type LambdaClient } from '@aws-sdk/client-lambda';
import type { InvocationRecord } from '../../src/core/invocationRecord';
import { INVOCATIONS_FILE, RUN_FILE, type RunMetadata } from '../../src/core/runFiles';
import { recordKey } from '../../src/core/sweepPlan';
import type { LocalEndpointHandle } from '../../src/localEndpoint';
import { createActiveFunction, startTestEndpoint, zipOf } from '../support/localEndpointFixture';

const repoRoot = path.resolve(__dirname, '../../..');
const cliJs = path.join(repoRoot, 'out', 'src', 'cli.js');
const fixtureSource = fs.readFileSync(path.join(repoRoot, 'test', 'fixtures', 'own-function', 'index.mjs'), 'utf8');
const SECRET = 'hunter2-never-on-disk';

let handle: LocalEndpointHandle;
let client: LambdaClient;
let work: string;
let invocationLog: string;

interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

function startCli(args: string[]): { child: ChildProcess; done: Promise<CliResult> } {
  const env = {
    ...process.env,
    AWS_ACCESS_KEY_ID: handle.accessKeyId,
    AWS_SECRET_ACCESS_KEY: handle.secretAccessKey,
    AWS_REGION: handle.region,
    AWS_PROFILE: '',
    AWS_ENDPOINT_URL_LAMBDA: '',
    LAMBDA_LAB_HOME: work,
    HOME: work,
  };
  const child = spawn(process.execPath, [cliJs, ...args, ...(args[0] === 'analyze' ? [] : ['--endpoint', handle.endpoint])], {
    env,
    cwd: work,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), 240_000);
  const done = new Promise<CliResult>((resolve) =>
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    }),
  );
  return { child, done };
}

const runCli = (args: string[]) => startCli(args).done;

function records(runDir: string): InvocationRecord[] {
  const file = path.join(runDir, INVOCATIONS_FILE);
  if (!fs.existsSync(file)) return [];
  return fs
    .readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.endsWith('}'))
    .map((l) => JSON.parse(l) as InvocationRecord);
}

function invocationCount(): number {
  return fs.existsSync(invocationLog) ? fs.readFileSync(invocationLog, 'utf8').split('\n').filter(Boolean).length : 0;
}

function filesUnder(dir: string): string[] {
  return fs
    .readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => path.join(e.parentPath, e.name));
}

async function waitFor(check: () => boolean, what: string): Promise<void> {
  // No time limit of its own (the test's timeout applies): the machine may be slow, never wrong.
  for (;;) {
    if (check()) return;
    if (!fs.existsSync(work)) throw new Error(`gave up waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

before(async () => {
  ({ handle, client } = await startTestEndpoint({ cpuLimit: 'none' }));
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'llab-own-payloads-'));
  invocationLog = path.join(work, 'invoked.log');
  await createActiveFunction(client, {
    FunctionName: 'my-hasher',
    zip: zipOf({ 'index.mjs': fixtureSource }),
    MemorySize: 512,
    Timeout: 60,
    Environment: { Variables: { OWN_FIXTURE_LOG: invocationLog } },
  });
  fs.writeFileSync(path.join(work, 'small.json'), JSON.stringify({ user: 'ann', password: SECRET, job: { rounds: 2000, threads: 1 } }));
  fs.writeFileSync(path.join(work, 'big.json'), JSON.stringify({ job: { rounds: 40000, threads: 1 } }, null, 2));
});

after(async () => {
  client?.destroy();
  await handle?.stop();
  if (work) fs.rmSync(work, { recursive: true, force: true });
});

describe('own function: several payloads', () => {
  test('two files weighted and one typed payload: each record names its payload, no value reaches the run folder, analysis one payload at a time', async () => {
    const typed = JSON.stringify({ job: { rounds: 1000, threads: 1, token: SECRET } });
    const result = await runCli([
      'sweep',
      '--function',
      'my-hasher',
      '--experiment',
      'mix',
      '--memory',
      '256,512',
      '--payload',
      'small.json:2,big.json',
      '--payload-json',
      typed,
      '--threads',
      '1,2',
      '--threads-field',
      'job.threads',
      '--reps',
      '4',
      '--json',
    ]);
    process.stdout.write(result.stderr.replace(/^/gm, '    | '));
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stderr, /Payloads, per configuration \(4 repetitions\): small\.json ×2, big\.json ×1, json#1 ×1; warm-ups send small\.json/);
    const { runDir } = JSON.parse(result.stdout) as { runDir: string };

    const rows = records(runDir);
    assert.equal(rows.length, 2 + 2 * 2 * 4);
    for (const r of rows) {
      assert.equal(r.error, null);
      const expected = r.warmup ? 'small.json' : ['small.json', 'small.json', 'big.json', 'json#1'][r.rep - 1];
      assert.equal(r.payload, expected, `rep ${r.rep} sends ${expected}`);
    }
    const meta = JSON.parse(fs.readFileSync(path.join(runDir, RUN_FILE), 'utf8')) as RunMetadata;
    const summaries = meta.ownFunction!.payloads!;
    assert.deepEqual(
      summaries.map((p) => [p.name, p.file, p.weight, p.type]),
      [
        ['small.json', 'small.json', 2, 'object'],
        ['big.json', 'big.json', 1, 'object'],
        ['json#1', null, 1, 'object'],
      ],
    );
    assert.deepEqual(summaries[0].topLevelKeys, ['user', 'password', 'job']);
    for (const s of summaries) assert.match(s.sha256, /^[0-9a-f]{64}$/);
    assert.equal('payload' in meta.ownFunction!, false, 'no payload value in run.json');
    assert.equal('payloadFile' in meta.ownFunction!, false);
    for (const file of filesUnder(runDir)) {
      const text = fs.readFileSync(file, 'utf8');
      assert.ok(!text.includes(SECRET), `${path.relative(runDir, file)} holds no payload value`);
      assert.ok(!text.includes('"ann"'), `${path.relative(runDir, file)} holds no payload value`);
    }

    const mixed = await runCli(['analyze', runDir]);
    assert.equal(mixed.code, 1, mixed.stderr);
    assert.match(mixed.stderr, /3 different payloads \(small\.json: \d+, big\.json: 4, json#1: 4\).*lambda-lab analyze <run> --payload small\.json/);
    const big = await runCli(['analyze', runDir, '--payload', 'big.json', '--json']);
    assert.equal(big.code, 0, big.stderr);
    const analysis = JSON.parse(big.stdout) as { configs: Array<{ n: number }> };
    assert.equal(analysis.configs.length, 4, '2 memory sizes × 2 thread counts');
    for (const c of analysis.configs) assert.equal(c.n, 1, 'only the big.json repetition of each configuration');
    const unknown = await runCli(['analyze', runDir, '--payload', 'nope.json']);
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /no invocation in .* sent that payload; its payloads: small\.json, big\.json, json#1/);
    assert.equal((await runCli(['cleanup', '--experiment', 'mix'])).code, 0);
  });

  test('a killed sweep resumes without repeating recorded invocations; refused when a payload or the original changed', async () => {
    const typed = JSON.stringify({ job: { rounds: 1000, threads: 1 } });
    // The copies inherit this: from the 5th invocation on, the function waits for <log>.go.
    fs.rmSync(invocationLog, { force: true });
    await client.send(
      new UpdateFunctionConfigurationCommand({
        FunctionName: 'my-hasher',
        Environment: { Variables: { OWN_FIXTURE_LOG: invocationLog, OWN_FIXTURE_HOLD_AFTER: '5' } },
      }),
    );
    await waitUntilFunctionUpdatedV2({ client, maxWaitTime: 60 }, { FunctionName: 'my-hasher' });
    const args = [
      'sweep',
      '--function',
      'my-hasher',
      '--experiment',
      'resumed',
      '--memory',
      '256',
      '--payload',
      'small.json,big.json',
      '--payload-json',
      typed,
      '--threads',
      '1,2',
      '--threads-field',
      'job.threads',
      '--reps',
      '3',
      '--out',
      'resume-runs',
      '--json',
    ];
    const first = startCli(args);
    let runDir = '';
    await waitFor(() => {
      const runs = path.join(work, 'resume-runs');
      const folder = fs.existsSync(runs) ? fs.readdirSync(runs) : [];
      if (folder.length === 1) runDir = path.join(runs, folder[0]);
      return runDir !== '' && records(runDir).length >= 4 && invocationCount() >= 5;
    }, 'four recorded invocations and a fifth held');
    first.child.kill('SIGKILL');
    const killed = await first.done;
    assert.equal(killed.signal, 'SIGKILL');
    fs.writeFileSync(`${invocationLog}.go`, '');
    const recordedBefore = records(runDir);
    assert.equal(recordedBefore.length, 4);
    const planned = (JSON.parse(fs.readFileSync(path.join(runDir, RUN_FILE), 'utf8')) as RunMetadata).plan.plannedInvocations;
    assert.equal(planned, 1 + 2 * 3);

    // The typed payload must be given again: run.json keeps only its digest.
    const noTyped = await runCli(['sweep', '--resume', runDir]);
    assert.equal(noTyped.code, 2, noTyped.stderr);
    assert.match(noTyped.stderr, /json#1 was typed \(--payload-json\) and run\.json keeps no payload values: give it again/);
    // A payload file that changed is refused, naming it.
    const bigFile = path.join(work, 'big.json');
    const bigText = fs.readFileSync(bigFile, 'utf8');
    fs.writeFileSync(bigFile, JSON.stringify({ job: { rounds: 99, threads: 1 } }));
    const changed = await runCli(['sweep', '--resume', runDir, '--payload-json', typed]);
    assert.equal(changed.code, 2, changed.stderr);
    assert.match(changed.stderr, /big\.json changed since the run started \(SHA-256 was [0-9a-f]{16}…, now [0-9a-f]{16}…\)/);
    // Reformatting the file is not a change: the digest is of the JSON as sent.
    fs.writeFileSync(bigFile, JSON.stringify(JSON.parse(bigText)));
    const wrongTyped = await runCli(['sweep', '--resume', runDir, '--payload-json', '{"job":{"rounds":5,"threads":1}}']);
    assert.equal(wrongTyped.code, 2);
    assert.match(wrongTyped.stderr, /json#1 is not one of this run's payloads|json#1 was typed/);
    assert.equal(records(runDir).length, 4, 'nothing ran while refusing');

    const resumed = await runCli(['sweep', '--resume', runDir, '--payload-json', typed, '--json']);
    process.stdout.write(resumed.stderr.replace(/^/gm, '    | '));
    assert.equal(resumed.code, 0, resumed.stderr);
    assert.match(resumed.stderr, /Resuming .* \(4 of 7 invocations already recorded\)/);
    const after = records(runDir);
    assert.equal(after.length, planned);
    assert.equal(new Set(after.map(recordKey)).size, planned, 'no invocation recorded twice');
    assert.deepEqual(after.slice(0, 4), recordedBefore, 'the recorded invocations are kept as they were');
    for (const r of after) assert.equal(r.payload, r.warmup ? 'small.json' : ['small.json', 'big.json', 'json#1'][r.rep - 1]);
    // 4 recorded + the one in flight when killed (run again) + the 2 left = 7 invocations + 1.
    assert.equal(invocationCount(), planned + 1, 'only the invocation in flight at the kill ran twice');

    // The original's code changes: resuming again is refused (the copies hold the old code).
    await client.send(new UpdateFunctionCodeCommand({ FunctionName: 'my-hasher', ZipFile: zipOf({ 'index.mjs': `${fixtureSource}\n// changed\n` }) }));
    await waitUntilFunctionUpdatedV2({ client, maxWaitTime: 60 }, { FunctionName: 'my-hasher' });
    const codeChanged = await runCli(['sweep', '--resume', runDir, '--payload-json', typed]);
    assert.equal(codeChanged.code, 2, codeChanged.stderr);
    assert.match(codeChanged.stderr, /Cannot resume this sweep of my-hasher: its code changed since the run started \(CodeSha256 was .+, now .+\)/);
    assert.equal((await runCli(['cleanup', '--experiment', 'resumed'])).code, 0);
  });
});
