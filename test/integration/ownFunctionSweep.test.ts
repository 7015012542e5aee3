// Sweeping a user's own function (one of ours that is not the template) end to end through the
// CLI against the built-in endpoint: copies per memory size (and thread count), the original's
// configuration and CodeSha256 unchanged and the original never invoked, the thread count reaching
// the function through the payload or the environment, times from the REPORT line, cleanup
// deleting only the copies, and bad inputs answered plainly.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { GetFunctionCommand, ListFunctionsCommand, ListTagsCommand, type LambdaClient } from '@aws-sdk/client-lambda';
import type { InvocationRecord } from '../../src/core/invocationRecord';
import { INVOCATIONS_FILE, RUN_FILE, type RunMetadata } from '../../src/core/runFiles';
import { TAG_COPY_OF } from '../../src/core/ownFunction';
import type { LocalEndpointHandle } from '../../src/localEndpoint';
import { CopyRefusedError, describeOriginal, downloadCode } from '../../src/ownFunction/copyFunction';
import { createActiveFunction, startTestEndpoint, zipOf } from '../support/localEndpointFixture';

const repoRoot = path.resolve(__dirname, '../../..');
const cliJs = path.join(repoRoot, 'out', 'src', 'cli.js');
const fixtureSource = fs.readFileSync(path.join(repoRoot, 'test', 'fixtures', 'own-function', 'index.mjs'), 'utf8');

let handle: LocalEndpointHandle;
let client: LambdaClient;
let work: string;
let invocationLog: string;

interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

function runCli(args: string[]): Promise<CliResult> {
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
  const child = spawn(process.execPath, [cliJs, ...args, '--endpoint', handle.endpoint], { env, cwd: work, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), 240_000);
  return new Promise((resolve) =>
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    }),
  );
}

function writePayload(name: string, text: string): string {
  const file = path.join(work, name);
  fs.writeFileSync(file, text);
  return file;
}

function records(runDir: string): InvocationRecord[] {
  return fs
    .readFileSync(path.join(runDir, INVOCATIONS_FILE), 'utf8')
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as InvocationRecord);
}

/** "name threads" per invocation, as the fixture logged it. */
function invocations(): string[] {
  return fs.existsSync(invocationLog) ? fs.readFileSync(invocationLog, 'utf8').split('\n').filter(Boolean) : [];
}

function invokedNames(): string[] {
  return invocations().map((line) => line.split(' ')[0]);
}

async function snapshot(name: string): Promise<string> {
  const got = await client.send(new GetFunctionCommand({ FunctionName: name }));
  const c = got.Configuration!;
  return JSON.stringify([c.CodeSha256, c.RevisionId, c.LastModified, c.MemorySize, c.Timeout, c.Handler, c.Runtime, c.Environment, got.Tags ?? {}]);
}

async function functionNames(): Promise<string[]> {
  return ((await client.send(new ListFunctionsCommand({}))).Functions ?? []).map((f) => f.FunctionName!).sort();
}

before(async () => {
  ({ handle, client } = await startTestEndpoint({ cpuLimit: 'none' }));
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'llab-own-'));
  invocationLog = path.join(work, 'invoked.log');
  await createActiveFunction(client, {
    FunctionName: 'my-hasher',
    zip: zipOf({ 'index.mjs': fixtureSource }),
    MemorySize: 512,
    Timeout: 60,
    Environment: { Variables: { OWN_FIXTURE_LOG: invocationLog, GREETING: 'kept' } },
  });
});

after(async () => {
  client?.destroy();
  await handle?.stop();
  if (work) fs.rmSync(work, { recursive: true, force: true });
});

describe('own function on the built-in endpoint', () => {
  test('thread count in a payload field: one copy per memory size, the original untouched and never invoked', async () => {
    const before = await snapshot('my-hasher');
    const payload = writePayload('payload.json', JSON.stringify({ job: { rounds: 20000, threads: 1 } }));
    const result = await runCli([
      'sweep',
      '--function',
      'my-hasher',
      '--memory',
      '256,512',
      '--payload',
      payload,
      '--threads',
      '1,2',
      '--threads-field',
      'job.threads',
      '--reps',
      '2',
      '--json',
    ]);
    process.stdout.write(result.stderr.replace(/^/gm, '    | '));
    assert.equal(result.code, 0, result.stderr);
    const outcome = JSON.parse(result.stdout) as { runDir: string; experimentId: string; status: string; done: number; total: number };
    assert.equal(outcome.experimentId, 'own-my-hasher');
    assert.equal(outcome.status, 'completed');
    assert.match(result.stderr, /Original my-hasher: unchanged \(CodeSha256 /);
    // Log lines name your function, not the template's strategy.
    assert.match(result.stderr, /threads=\d+ your function rep \d+:/);
    assert.doesNotMatch(result.stderr, /threads=\d+ pool /);

    const meta = JSON.parse(fs.readFileSync(path.join(outcome.runDir, RUN_FILE), 'utf8')) as RunMetadata;
    assert.equal(meta.ownFunction?.original.functionName, 'my-hasher');
    assert.deepEqual(meta.ownFunction?.threads, { kind: 'field', path: 'job.threads' });
    const rows = records(outcome.runDir);
    const copies = ['llab-own-my-hasher-256-' + meta.plan.functions[0].arch, 'llab-own-my-hasher-512-' + meta.plan.functions[0].arch];
    assert.deepEqual([...new Set(rows.map((r) => r.functionName))].sort(), copies);
    assert.equal(rows.length, 2 + 2 * 2 * 2, 'one warm-up per copy, then 2 memories × 2 thread counts × 2 reps');
    for (const r of rows) {
      assert.equal(r.error, null);
      assert.equal(r.timeSource, 'report', 'the fixture returns no processingMs: timed from the REPORT line');
      assert.equal(r.processingMs, r.durationMs);
      assert.ok(r.billedMs !== null && r.billedMs >= Math.floor(r.durationMs!));
    }
    assert.ok(
      rows.some((r) => r.warmup && r.initMs !== null),
      'a cold start reports its Init Duration',
    );

    assert.equal(await snapshot('my-hasher'), before, 'configuration, CodeSha256, RevisionId and tags unchanged');
    const invoked = invokedNames();
    assert.ok(!invoked.includes('my-hasher'), 'the original was never invoked');
    assert.deepEqual([...new Set(invoked)].sort(), copies);
    assert.deepEqual([...new Set(invocations().map((l) => l.split(' ')[1]))].sort(), ['1', '2'], 'the thread count reached the function through the payload');
    for (const name of copies) {
      const copy = await client.send(new GetFunctionCommand({ FunctionName: name }));
      assert.equal(copy.Configuration!.CodeSha256, JSON.parse(before)[0]);
      assert.equal(copy.Configuration!.Environment?.Variables?.GREETING, 'kept');
      assert.equal(copy.Configuration!.Timeout, 60);
      assert.equal(copy.Tags?.[TAG_COPY_OF], 'my-hasher');
    }

    const cleanup = await runCli(['cleanup', '--experiment', 'own-my-hasher']);
    assert.equal(cleanup.code, 0, cleanup.stderr);
    assert.deepEqual(await functionNames(), ['my-hasher'], 'cleanup deleted the copies and only them');
    assert.equal(await snapshot('my-hasher'), before);
  });

  test('thread count in an environment variable: one copy per memory size and thread count', async () => {
    fs.rmSync(invocationLog, { force: true });
    const payload = writePayload('payload-env.json', JSON.stringify({ job: { rounds: 20000 } }));
    const result = await runCli([
      'sweep',
      '--function',
      'my-hasher',
      '--experiment',
      'envt',
      '--memory',
      '256',
      '--payload',
      payload,
      '--threads',
      '1,2',
      '--threads-env',
      'THREADS',
      '--reps',
      '1',
      '--json',
    ]);
    assert.equal(result.code, 0, result.stderr);
    const outcome = JSON.parse(result.stdout) as { runDir: string };
    const rows = records(outcome.runDir);
    const byName = new Map(rows.map((r) => [r.functionName, r.threads]));
    assert.equal(byName.size, 2);
    for (const [name, threads] of byName) {
      assert.match(name, new RegExp(`^llab-envt-256-.*-t${threads}$`));
      const copy = await client.send(new GetFunctionCommand({ FunctionName: name }));
      assert.equal(copy.Configuration!.Environment?.Variables?.THREADS, String(threads));
      const tags = await client.send(new ListTagsCommand({ Resource: copy.Configuration!.FunctionArn! }));
      assert.equal(tags.Tags?.['lambda-parallel-lab:threads'], String(threads));
    }
    assert.equal(rows.filter((r) => r.error === null).length, rows.length);
    for (const line of invocations())
      assert.match(line, / (\d+)$/.exec(line)![1] === '1' ? /-t1 1$/ : /-t2 2$/, 'each copy ran with the thread count of its environment');
    assert.ok(!invokedNames().includes('my-hasher'));
    assert.equal((await runCli(['cleanup', '--experiment', 'envt'])).code, 0);
    assert.deepEqual(await functionNames(), ['my-hasher']);
  });
});

describe('own function: bad inputs get one clear message', () => {
  const cases: Array<{ name: string; args: () => string[]; setup?: () => Promise<void>; code: number; message: RegExp }> = [
    { name: 'payload that is not JSON', args: () => ['--payload', writePayload('bad.json', '{"job": {rounds: 1}')], code: 2, message: /is not JSON/ },
    {
      name: 'thread field absent from the payload',
      args: () => ['--payload', writePayload('nofield.json', '{"job":{"rounds":10}}'), '--threads', '1,2', '--threads-field', 'job.workers'],
      code: 2,
      message: /has no workers in job/,
    },
    {
      name: 'function that does not exist',
      args: () => ['--function', 'nobody-here', '--payload', writePayload('p.json', '{"job":{"rounds":10}}')],
      code: 2,
      message: /nobody-here was not found/,
    },
    {
      name: '--threads without a way to pass it',
      args: () => ['--payload', writePayload('p2.json', '{"job":{"rounds":10}}'), '--threads', '1,2'],
      code: 2,
      message: /--threads-field <json.path>/,
    },
  ];
  for (const c of cases) {
    test(c.name, async () => {
      const before = await functionNames();
      const args = ['sweep', '--function', 'my-hasher', '--memory', '256', '--reps', '1', ...c.args()];
      const result = await runCli(args);
      assert.equal(result.code, c.code, result.stderr);
      assert.match(result.stderr, c.message);
      assert.ok(!/\n\s+at /.test(result.stderr), 'no stack trace');
      assert.deepEqual(await functionNames(), before, 'nothing created');
    });
  }

  test('a function failing on the payload stops the sweep after the first error', async () => {
    fs.rmSync(invocationLog, { force: true });
    const payload = writePayload('fail.json', JSON.stringify({ job: { rounds: 10, threads: 1, fail: 'on purpose' } }));
    const result = await runCli([
      'sweep',
      '--function',
      'my-hasher',
      '--experiment',
      'failing',
      '--memory',
      '256,512',
      '--payload',
      payload,
      '--threads',
      '1,2',
      '--threads-field',
      'job.threads',
      '--reps',
      '3',
      '--json',
    ]);
    assert.equal(result.code, 1, result.stderr);
    assert.match(result.stderr, /failed on the payload \(threads 1\): Function error \(Unhandled\): asked to fail: on purpose/);
    const outcome = JSON.parse(result.stdout) as { runDir: string; status: string };
    assert.equal(outcome.status, 'failed');
    assert.equal(records(outcome.runDir).length, 1, 'nothing ran after the first function error');
    assert.equal(invokedNames().length, 1);
    assert.equal((await runCli(['cleanup', '--experiment', 'failing'])).code, 0);
  });

  test('a code location that cannot be downloaded is refused, naming its host and status, never its token', async () => {
    const original = await describeOriginal(client, 'my-hasher', { copyVpc: false });
    const tampered = { ...original, codeLocation: original.codeLocation.replace(/code\/(\d+)-/, 'code/$1-0') };
    await assert.rejects(downloadCode(tampered), (error: Error) => {
      assert.ok(error instanceof CopyRefusedError);
      assert.match(error.message, /code location of my-hasher \(127\.0\.0\.1:\d+\) answered HTTP 403: its code cannot be downloaded/);
      assert.ok(!error.message.includes('/lambda-lab/code/'), 'the presigned path is not printed');
      return true;
    });
    const altered = { ...original, configuration: { ...original.configuration, CodeSha256: 'AAAA' } };
    await assert.rejects(downloadCode(altered), /does not match its CodeSha256/);
  });
});
