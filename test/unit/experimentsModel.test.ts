// The Lambda Lab view's listing of a target's experiment functions: the template's functions
// (`llab-<experiment>-<memory>-<arch>`) and the copies of a user's own function, including the
// per-thread-count copies made when the thread count is an environment variable (`…-t<n>`);
// functions that are not ours are left out; copies say which function they copy (from its tag).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { LambdaClient, ListFunctionsCommand, ListTagsCommand, type FunctionConfiguration } from '@aws-sdk/client-lambda';
import { TAG_EXPERIMENT } from '../../src/core/experimentNaming';
import { planCopies, TAG_COPY_OF } from '../../src/core/ownFunction';
import { diffRuns, listDeployedFunctions, sameFunctionListing, type ExperimentFunctionInfo, type RunInfo } from '../../src/views/experimentsModel';

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

describe('listDeployedFunctions', () => {
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
  const run = (runDir: string, overrides: Partial<RunInfo> = {}): RunInfo => ({
    runDir,
    runId: runDir,
    experimentId: 'journey',
    status: 'completed',
    startedAt: `2026-12-02T07:00:0${runDir.length % 10}Z`,
    done: 14,
    planned: 14,
    costUsd: 0.001,
    targetKind: 'local',
    ...overrides,
  });

  it('finds nothing to redraw when the runs read again are the same (a folder event that changed no row)', () => {
    assert.deepEqual(diffRuns([run('a'), run('b')], [run('a'), run('b')]), { restructured: false, changed: [] });
  });

  it('names only the runs whose row changed while a sweep writes', () => {
    const now = [run('a', { status: 'running', done: 5 }), run('b')];
    assert.deepEqual(diffRuns([run('a', { status: 'running', done: 4 }), run('b')], now), { restructured: false, changed: [now[0]] });
  });

  it('redraws the whole tree when a run came, went or moved (run counts and Runs lists change)', () => {
    assert.equal(diffRuns([run('a')], [run('b'), run('a')]).restructured, true);
    assert.equal(diffRuns([run('b'), run('a')], [run('a')]).restructured, true);
    assert.equal(diffRuns([run('a'), run('b')], [run('b'), run('a')]).restructured, true);
  });
});

describe('sameFunctionListing', () => {
  const info = (experimentId: string, memoryMB: number, state = 'Active'): ExperimentFunctionInfo => ({
    experimentId,
    functionName: `llab-${experimentId}-${memoryMB}-x86_64`,
    memoryMB,
    arch: 'x86_64',
    state,
  });

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
