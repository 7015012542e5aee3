// The Lambda Lab view's listing of a target's experiment functions: the template's functions
// (`llab-<experiment>-<memory>-<arch>`) and the copies of a user's own function, including the
// per-thread-count copies made when the thread count is an environment variable (`…-t<n>`);
// functions that are not ours are left out; copies say which function they copy (from its tag).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { LambdaClient, ListFunctionsCommand, ListTagsCommand, type FunctionConfiguration } from '@aws-sdk/client-lambda';
import { TAG_EXPERIMENT } from '../../src/core/experimentNaming';
import { planCopies, TAG_COPY_OF } from '../../src/core/ownFunction';
import {
  diffRuns,
  joinExperiments,
  listDeployedFunctions,
  readRuns,
  redrawBetween,
  sameFunctionListing,
  type ExperimentFunctionInfo,
  type InvocationCounts,
  type CopyTags,
  type RunInfo,
} from '../../src/views/experimentsModel';
import { appendFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * A client whose ListFunctions answers `functions` (one page) and ListTags answers a copy-of tag for
 * the functions whose names start with `copiesOf`; the paginator needs a real LambdaClient.
 */
function clientListing(functions: FunctionConfiguration[], copiesOf: Record<string, string> = {}): { client: LambdaClient; tagged: string[] } {
  const client = new LambdaClient({ region: 'us-east-1', credentials: { accessKeyId: 'AKIATEST', secretAccessKey: 'secret' } });
  const tagged: string[] = [];
  client.send = (async (command: ListTagsCommand | ListFunctionsCommand) => {
    if (!(command instanceof ListTagsCommand)) return { Functions: functions };
    const arn = command.input.Resource!;
    tagged.push(arn);
    const prefix = Object.keys(copiesOf).find((p) => arn.includes(`:function:${p}`));
    return { Tags: { [TAG_EXPERIMENT]: 'x', ...(prefix ? { [TAG_COPY_OF]: copiesOf[prefix] } : {}) } };
  }) as unknown as LambdaClient['send'];
  return { client, tagged };
}

const fn = (name: string, memory: number): FunctionConfiguration => ({
  FunctionName: name,
  FunctionArn: `arn:aws:lambda:us-east-1:123456789012:function:${name}`,
  MemorySize: memory,
  Architectures: ['x86_64'],
  State: 'Active',
});

/** A listed function row of the view's model. */
const functionInfo = (experimentId: string, memoryMB: number, state = 'Active'): ExperimentFunctionInfo => ({
  experimentId,
  functionName: `llab-${experimentId}-${memoryMB}-x86_64`,
  memoryMB,
  arch: 'x86_64',
  state,
});

/** A run as the view reads it: completed, 14 of 14, unless overridden. */
const runInfo = (experimentId: string, runDir: string, overrides: Partial<RunInfo> = {}): RunInfo => ({
  runDir,
  runId: runDir,
  experimentId,
  status: 'completed',
  startedAt: `2026-12-02T07:00:0${runDir.length % 10}Z`,
  done: 14,
  planned: 14,
  costUsd: 0.001,
  targetKind: 'local',
  ...overrides,
});

describe('listDeployedFunctions', () => {
  it('keeps the last copy-of tag when ListTags fails, so a copy of your function does not turn into a template experiment', async () => {
    const functions = [fn('llab-own-my-hasher-512-x86_64', 512), fn('llab-demo-1769-x86_64', 1769)];
    const { client } = clientListing(functions, { 'llab-own-my-hasher-': 'my-hasher' });
    const known: CopyTags = new Map();
    assert.equal((await listDeployedFunctions(client, known)).get('own-my-hasher')![0].copyOf, 'my-hasher');
    const failing = new LambdaClient({ region: 'us-east-1', credentials: { accessKeyId: 'AKIATEST', secretAccessKey: 'secret' } });
    failing.send = (async (command: ListTagsCommand | ListFunctionsCommand) => {
      if (command instanceof ListTagsCommand) throw new Error('ThrottlingException: Rate exceeded');
      return { Functions: functions };
    }) as unknown as LambdaClient['send'];
    const again = await listDeployedFunctions(failing, known);
    assert.equal(again.get('own-my-hasher')![0].copyOf, 'my-hasher', 'the last answer is kept');
    assert.equal(again.get('demo')![0].copyOf, undefined, 'a template experiment stays one');
    assert.equal((await listDeployedFunctions(failing)).get('own-my-hasher')![0].copyOf, undefined, 'never read: listed as a template experiment');
  });
  it('lists the per-thread-count copies of an own function (…-t<n>) with their thread count, beside template functions', async () => {
    const copies = planCopies({
      experimentId: 'own-my-hasher',
      memorySizesMB: [1024, 512],
      arch: 'x86_64',
      threadCounts: [2, 1],
      dimension: { kind: 'env', name: 'THREADS' },
    });
    const { client, tagged } = clientListing(
      [
        fn('my-hasher', 512),
        ...copies.map((c) => fn(c.functionName, c.memoryMB)).reverse(),
        fn('llab-demo-1769-x86_64', 1769),
        fn('llab-own-other-256-x86_64', 256),
        fn('llab-bad-512-x86_64-tx', 512),
      ],
      { 'llab-own-my-hasher-': 'my-hasher', 'llab-own-other-': 'other' },
    );
    const listed = await listDeployedFunctions(client);
    assert.deepEqual([...listed.keys()].sort(), ['demo', 'own-my-hasher', 'own-other']);
    assert.deepEqual(
      listed.get('own-my-hasher')!.map((f) => [f.functionName, f.memoryMB, f.threads]),
      [
        ['llab-own-my-hasher-512-x86_64-t1', 512, 1],
        ['llab-own-my-hasher-512-x86_64-t2', 512, 2],
        ['llab-own-my-hasher-1024-x86_64-t1', 1024, 1],
        ['llab-own-my-hasher-1024-x86_64-t2', 1024, 2],
      ],
    );
    assert.equal(listed.get('demo')![0].threads, undefined);
    // Copies say which function they copy (one ListTags per experiment); the template's functions do not.
    assert.equal(tagged.length, 3, tagged.join(', '));
    assert.deepEqual(new Set(listed.get('own-my-hasher')!.map((f) => f.copyOf)), new Set(['my-hasher']));
    assert.equal(listed.get('own-other')![0].copyOf, 'other');
    assert.equal(listed.get('demo')![0].copyOf, undefined);
    assert.deepEqual(
      listed.get('own-other')!.map((f) => [f.functionName, f.memoryMB, f.arch, f.state]),
      [['llab-own-other-256-x86_64', 256, 'x86_64', 'Active']],
    );
  });
});

describe('diffRuns (what the view redraws when run folders change)', () => {
  const run = (runDir: string, overrides: Partial<RunInfo> = {}): RunInfo => runInfo('journey', runDir, overrides);

  it('finds nothing to redraw when the runs read again are the same (a folder event that changed no row)', () => {
    assert.deepEqual(diffRuns([run('a'), run('b')], [run('a'), run('b')]), { restructured: false, changed: [] });
  });

  it('names only the runs whose row changed while a sweep writes', () => {
    const now = [run('a', { status: 'running', done: 5 }), run('b')];
    assert.deepEqual(diffRuns([run('a', { status: 'running', done: 4 }), run('b')], now), { restructured: false, changed: [now[0]] });
  });

  it('says restructured when a run came, went or moved (run counts and Runs lists change)', () => {
    assert.equal(diffRuns([run('a')], [run('b'), run('a')]).restructured, true);
    assert.equal(diffRuns([run('b'), run('a')], [run('a')]).restructured, true);
    assert.equal(diffRuns([run('a'), run('b')], [run('b'), run('a')]).restructured, true);
  });
});

describe('sameFunctionListing', () => {
  const info = functionInfo;

  it('is true for the same rows listed in another order of experiments, false when a row differs', () => {
    const listing = new Map([
      ['a', [info('a', 128)]],
      ['b', [info('b', 256)]],
    ]);
    assert.equal(sameFunctionListing(listing, new Map([...listing].reverse())), true);
    assert.equal(sameFunctionListing(listing, new Map([...listing, ['b', [info('b', 256, 'Pending')]]])), false);
    assert.equal(sameFunctionListing(listing, new Map([['a', [info('a', 128)]]])), false);
  });
});

describe('redrawBetween (what the view redraws when it reads the target and the runs again)', () => {
  const fn = functionInfo;
  const run = runInfo;
  const functions = new Map([
    ['journey', [fn('journey', 1769), fn('journey', 3538)]],
    ['other', [fn('other', 128)]],
  ]);
  const shown = joinExperiments(functions, [run('journey', 'r1'), run('other', 'o1')]);

  it('redraws only the experiment a new run belongs to, not the whole tree (every row would lose its handle)', () => {
    const now = joinExperiments(functions, [run('journey', 'r2'), run('journey', 'r1'), run('other', 'o1')]);
    const redraw = redrawBetween(shown, now);
    assert.equal(redraw.whole, false);
    assert.deepEqual(!redraw.whole && redraw.experiments.map((e) => e.experimentId), ['journey']);
    assert.deepEqual(!redraw.whole && redraw.runs, []);
  });

  it('redraws only the experiment whose functions changed (a state, a copy found by its tag)', () => {
    const pending = new Map([...functions, ['other', [fn('other', 128, 'Pending')]]]);
    const redraw = redrawBetween(shown, joinExperiments(pending, [run('journey', 'r1'), run('other', 'o1')]));
    assert.deepEqual(!redraw.whole && redraw.experiments.map((e) => e.experimentId), ['other']);
  });

  it('redraws the run rows that changed and nothing else while a sweep writes', () => {
    const now = joinExperiments(functions, [run('journey', 'r1', { done: 15, planned: 20, status: 'running' }), run('other', 'o1')]);
    assert.deepEqual(redrawBetween(shown, now), { whole: false, experiments: [], runs: [now[0].runs[0]] });
    assert.deepEqual(redrawBetween(shown, joinExperiments(functions, [run('journey', 'r1'), run('other', 'o1')])), { whole: false, experiments: [], runs: [] });
  });

  it('redraws the whole tree only when experiments came or went', () => {
    assert.deepEqual(redrawBetween(shown, joinExperiments(new Map([['journey', functions.get('journey')!]]), [])), { whole: true });
    assert.deepEqual(redrawBetween(shown, joinExperiments(new Map([...functions, ['new', [fn('new', 512)]]]), [])), { whole: true });
  });
});

describe('readRuns (the runs the view lists)', () => {
  function writeRun(runsDir: string, name: string, lines: number): string {
    const runDir = join(runsDir, name);
    mkdirSync(runDir, { recursive: true });
    writeFileSync(
      join(runDir, 'run.json'),
      JSON.stringify({
        runId: name,
        experimentId: 'e1',
        status: 'running',
        startedAt: `2026-12-02T10:00:0${name.length % 10}Z`,
        plan: { plannedInvocations: 10 },
      }),
    );
    writeFileSync(join(runDir, 'invocations.jsonl'), Array.from({ length: lines }, (_, i) => invocationLine(name, i + 1)).join(''));
    return runDir;
  }
  function invocationLine(runId: string, rep: number): string {
    return `${JSON.stringify({ runId, functionName: 'f', arch: 'arm64', memoryMB: 1769, threads: 1, strategy: 'pool', rep, warmup: false, coldStart: false, processingMs: 100, durationMs: 101, billedMs: 102, initMs: null, maxMemoryMB: 80, cores: 2, cpuModel: null, error: null, retries: 0, startedAt: 't', endedAt: 't' })}\n`;
  }

  it('counts each run file once and again only when it changed, and forgets runs that are gone', () => {
    const runsDir = mkdtempSync(join(tmpdir(), 'lab-runs-'));
    try {
      const big = writeRun(runsDir, 'big', 3);
      writeRun(runsDir, 'small', 1);
      const counts: InvocationCounts = new Map();
      assert.deepEqual(
        readRuns(runsDir, counts)
          .map((r) => [r.runId, r.done])
          .sort(),
        [
          ['big', 3],
          ['small', 1],
        ],
      );
      // An unchanged file is not parsed again: the remembered count is what comes back.
      counts.get(join(big, 'invocations.jsonl'))!.done = 99;
      assert.equal(readRuns(runsDir, counts).find((r) => r.runId === 'big')?.done, 99);
      // A sweep appends: the file's size changes, so it is counted again.
      appendFileSync(join(big, 'invocations.jsonl'), invocationLine('big', 4));
      assert.equal(readRuns(runsDir, counts).find((r) => r.runId === 'big')?.done, 4);
      rmSync(big, { recursive: true });
      assert.deepEqual(
        readRuns(runsDir, counts).map((r) => r.runId),
        ['small'],
      );
      assert.deepEqual([...counts.keys()], [join(runsDir, 'small', 'invocations.jsonl')]);
    } finally {
      rmSync(runsDir, { recursive: true, force: true });
    }
  });
});
