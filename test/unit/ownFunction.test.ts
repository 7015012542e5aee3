// The pure parts of sweeping a user's own function: JSON paths, payload checks, the copies' plan
// and names, why a function cannot be copied, and records timed from the REPORT line.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  checkThreadsField,
  copyProblem,
  copyTags,
  defaultExperimentIdFor,
  functionNameOf,
  getAtPath,
  parseJsonPath,
  parsePayloadText,
  payloadForThreads,
  planCopies,
  setAtPath,
  validateThreadsEnvName,
  parsePayloadItem,
  payloadDigest,
  payloadIndexFor,
  payloadSchedule,
  repetitionsPerPayload,
  summarizePayload,
} from '../../src/core/ownFunction';
import { mixedPayloadProblem, analyzeRecords } from '../../src/core/analysis/analyzeRun';
import { ValidationError } from '../../src/core/experimentValidation';
import { buildSweepPlan } from '../../src/core/sweepPlan';
import { recordFromOwnFunction } from '../../src/ownFunction/ownFunctionRecord';
import { ownFunctionAdapter } from '../../src/ownFunction/ownFunctionAdapter';
import type { PlannedInvocation } from '../../src/core/sweepPlan';

describe('JSON paths', () => {
  it('parses dotted, indexed and quoted paths', () => {
    assert.deepEqual(parseJsonPath('workers'), ['workers']);
    assert.deepEqual(parseJsonPath('$.options.threads'), ['options', 'threads']);
    assert.deepEqual(parseJsonPath('jobs[0].n'), ['jobs', 0, 'n']);
    assert.deepEqual(parseJsonPath('a["b.c"]'), ['a', 'b.c']);
  });
  for (const bad of ['', '$', 'a..b', '.', 'a.', 'a[x]', 'a[0', 'a[0]b']) {
    it(`refuses ${JSON.stringify(bad)}`, () => assert.throws(() => parseJsonPath(bad), ValidationError));
  }
  it('gets and sets without changing the input', () => {
    const payload = { job: { threads: 1, list: [{ n: 1 }] }, other: true };
    assert.deepEqual(getAtPath(payload, ['job', 'list', 0, 'n']), { found: true, value: 1 });
    assert.deepEqual(getAtPath(payload, ['job', 'workers']), { found: false, missingAt: 1 });
    assert.deepEqual(getAtPath(payload, ['job', 'list', 3]), { found: false, missingAt: 2 });
    const changed = setAtPath(payload, ['job', 'list', 0, 'n'], 4) as typeof payload;
    assert.equal(changed.job.list[0].n, 4);
    assert.equal(payload.job.list[0].n, 1, 'input unchanged');
    assert.equal(changed.other, true);
    assert.throws(() => setAtPath(payload, ['job', 'nope'], 1), /no field "nope"/);
  });
});

describe('payloads and the thread dimension', () => {
  it('a payload that is not JSON says where it broke', () => {
    assert.throws(() => parsePayloadText('{"a": 1,}', 'p.json'), /The payload p\.json is not JSON \(/);
    assert.throws(() => parsePayloadText('   ', 'p.json'), /is empty/);
    assert.deepEqual(parsePayloadText('[1]', 'p.json'), [1]);
  });
  it('the thread field must exist in the payload', () => {
    assert.deepEqual(checkThreadsField({ options: { threads: 1 } }, 'options.threads', 'p.json'), ['options', 'threads']);
    assert.throws(() => checkThreadsField({ options: {} }, 'options.threads', 'p.json'), /has no threads in options/);
    assert.throws(() => checkThreadsField({ a: 1, b: 2 }, 'workers', 'p.json'), /Its top-level fields: a, b\./);
  });
  it('the payload for a thread count sets the field, or leaves the payload alone', () => {
    const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes);
    assert.equal(text(payloadForThreads({ o: { t: 1 }, x: 'y' }, { kind: 'field', path: 'o.t' }, 4)), '{"o":{"t":4},"x":"y"}');
    assert.equal(text(payloadForThreads({ o: 1 }, { kind: 'env', name: 'THREADS' }, 4)), '{"o":1}');
    assert.equal(text(payloadForThreads('s', { kind: 'none' }, 1)), '"s"');
  });
  it('environment variable names: valid, not reserved by Lambda', () => {
    assert.equal(validateThreadsEnvName('THREADS'), 'THREADS');
    assert.throws(() => validateThreadsEnvName('1X'), /not an environment variable name/);
    assert.throws(() => validateThreadsEnvName('AWS_REGION'), /reserved by Lambda/);
  });
});

describe('copies', () => {
  it('one per memory size, or per memory size and thread count with an environment variable', () => {
    const field = planCopies({
      experimentId: 'own-x',
      memorySizesMB: [1024, 512, 512],
      arch: 'arm64',
      threadCounts: [1, 2],
      dimension: { kind: 'field', path: 't' },
    });
    assert.deepEqual(
      field.map((c) => c.functionName),
      ['llab-own-x-512-arm64', 'llab-own-x-1024-arm64'],
    );
    const env = planCopies({ experimentId: 'own-x', memorySizesMB: [512], arch: 'x86_64', threadCounts: [4, 1], dimension: { kind: 'env', name: 'T' } });
    assert.deepEqual(
      env.map((c) => [c.functionName, c.threads]),
      [
        ['llab-own-x-512-x86_64-t1', 1],
        ['llab-own-x-512-x86_64-t4', 4],
      ],
    );
    assert.equal(copyTags('own-x', env[1], 'orig')['lambda-parallel-lab:threads'], '4');
    assert.equal(copyTags('own-x', env[1], 'orig')['lambda-parallel-lab:copy-of'], 'orig');
    assert.equal(copyTags('own-x', env[1], 'orig')['lambda-parallel-lab:created-by'], 'lambda-parallel-lab');
  });
  it('default experiment ids fit every copy name in 64 characters', () => {
    assert.equal(functionNameOf('arn:aws:lambda:eu-west-1:123456789012:function:My_Func:prod'), 'My_Func');
    assert.equal(defaultExperimentIdFor('My_Func'), 'own-my-func');
    const long = defaultExperimentIdFor('a'.repeat(64));
    const copies = planCopies({ experimentId: long, memorySizesMB: [10240], arch: 'x86_64', threadCounts: [64], dimension: { kind: 'env', name: 'T' } });
    assert.ok(copies[0].functionName.length <= 64, copies[0].functionName);
  });
  const base = { functionName: 'f', packageType: 'Zip', codeLocation: 'https://x/y' };
  const table: Array<[string, Parameters<typeof copyProblem>[0], boolean, RegExp | null]> = [
    ['zip function', base, false, null],
    ['container image', { ...base, packageType: 'Image' }, false, /container image function \(PackageType Image\)/],
    ['no code location', { ...base, codeLocation: undefined }, false, /gave no code location/],
    [
      'VPC function',
      { ...base, vpcSubnetIds: ['subnet-1'] },
      false,
      /runs in a VPC \(subnets subnet-1\); copies would need the same VPC configuration.*--copy-vpc/,
    ],
    ['VPC function with --copy-vpc', { ...base, vpcSubnetIds: ['subnet-1'] }, true, null],
    ['EFS mount', { ...base, fileSystemCount: 1 }, true, /EFS file system/],
  ];
  for (const [name, fn, copyVpc, expected] of table) {
    it(`copy check: ${name}`, () => {
      const problem = copyProblem(fn, { copyVpc });
      if (expected === null) assert.equal(problem, null);
      else assert.match(problem ?? '', expected);
    });
  }
});

describe('plans with copies fixed to one thread count', () => {
  it('plans only each copy’s own thread count', () => {
    const plan = buildSweepPlan({
      functions: [
        { functionName: 'a-t1', arch: 'x86_64', memoryMB: 512, threads: 1 },
        { functionName: 'a-t4', arch: 'x86_64', memoryMB: 512, threads: 4 },
      ],
      threadCounts: [1, 4],
      strategies: ['pool'],
      repetitions: 2,
      seed: 1,
    });
    assert.deepEqual(
      plan.warmups.map((p) => [p.functionName, p.threads]),
      [
        ['a-t1', 1],
        ['a-t4', 4],
      ],
    );
    assert.equal(plan.measured.length, 4);
    for (const p of plan.measured) assert.equal(p.functionName, `a-t${p.threads}`);
  });
});

describe('records of an own function', () => {
  const planned: PlannedInvocation = {
    key: 'k',
    configKey: 'c',
    functionName: 'f',
    arch: 'x86_64',
    memoryMB: 512,
    threads: 2,
    strategy: 'pool',
    rep: 1,
    warmup: false,
  };
  const log = (extra = '') =>
    Buffer.from(`START\nREPORT RequestId: 1\tDuration: 812.50 ms\tBilled Duration: 813 ms\tMemory Size: 512 MB\tMax Memory Used: 60 MB\t${extra}\n`).toString(
      'base64',
    );
  const response = (payload: unknown, more: Record<string, unknown> = {}) => ({
    $metadata: {},
    StatusCode: 200,
    Payload: new TextEncoder().encode(JSON.stringify(payload)),
    LogResult: log(),
    ...more,
  });
  it('timed from the REPORT line when the function returns no processingMs', () => {
    const record = recordFromOwnFunction('r', planned, response({ digest: 'x' }) as never, 0, 't');
    assert.equal(record.error, null);
    assert.equal(record.processingMs, 812.5);
    assert.equal(record.billedMs, 813);
    assert.equal(record.timeSource, 'report');
  });
  it("the function's own processingMs when it returns one; any JSON result is fine", () => {
    assert.equal(recordFromOwnFunction('r', planned, response({ processingMs: 700 }) as never, 0, 't').processingMs, 700);
    assert.equal(recordFromOwnFunction('r', planned, response({ processingMs: 700 }) as never, 0, 't').timeSource, 'function');
    assert.equal(recordFromOwnFunction('r', planned, response('just a string') as never, 0, 't').error, null);
    assert.equal(recordFromOwnFunction('r', planned, response({ error: 'a field named error' }) as never, 0, 't').error, null);
  });
  it('a function error or timeout is an error, never a time, and stops the sweep', () => {
    const failed = recordFromOwnFunction(
      'r',
      planned,
      response({ errorType: 'Sandbox.Timedout', errorMessage: 'Task timed out after 3.00 seconds' }, { FunctionError: 'Unhandled' }) as never,
      0,
      't',
    );
    assert.equal(failed.error, 'Function error (Unhandled): Task timed out after 3.00 seconds');
    assert.equal(failed.processingMs, null);
    assert.equal(failed.timeSource, undefined);
    assert.equal(failed.billedMs, 813, 'still billed');
    const adapter = ownFunctionAdapter([{ name: 'p.json', file: 'p.json', value: {}, weight: 1 }], { kind: 'none' });
    assert.equal(adapter.stopAfter!(failed), failed.error);
    assert.equal(adapter.stopAfter!({ ...failed, error: 'ThrottlingException after 5 retries' }), null, 'only function errors stop the sweep');
  });
  it('no processingMs and no REPORT line: an error saying so', () => {
    const record = recordFromOwnFunction('r', planned, response({}, { LogResult: undefined }) as never, 0, 't');
    assert.match(record.error ?? '', /no processingMs and the response had no REPORT line/);
  });
});

/** The fields of an invocation record these analysis tests do not vary. */
const recordBase = {
  runId: 'r',
  functionName: 'f',
  arch: 'x86_64' as const,
  memoryMB: 512,
  threads: 1,
  strategy: 'pool' as const,
  warmup: false,
  coldStart: false,
  durationMs: null,
  billedMs: 10,
  initMs: null,
  maxMemoryMB: null,
  cores: 1,
  cpuModel: null,
  error: null,
  retries: 0,
  startedAt: 't',
  endedAt: 't',
};

describe('several payloads', () => {
  const response = (payload: unknown) => ({ $metadata: {}, StatusCode: 200, Payload: new TextEncoder().encode(JSON.stringify(payload)) });
  it('reads file.json and file.json:<weight>; refuses a weight that is not a positive whole number, naming the file', () => {
    assert.deepEqual(parsePayloadItem('a.json'), { file: 'a.json', weight: 1 });
    assert.deepEqual(parsePayloadItem(' dir/b.json:3 '), { file: 'dir/b.json', weight: 3 });
    assert.deepEqual(parsePayloadItem('C:\\x\\p.json'), { file: 'C:\\x\\p.json', weight: 1 }, 'a Windows drive is not a weight');
    assert.deepEqual(
      parsePayloadItem('odd:name', () => true),
      { file: 'odd:name', weight: 1 },
      'an existing file is a file',
    );
    for (const bad of ['a.json:0', 'a.json:-1', 'a.json:1.5', 'a.json:x', 'a.json:', 'a.json:1001']) {
      assert.throws(
        () => parsePayloadItem(bad),
        (e: Error) => e instanceof ValidationError && /the weight .* of a\.json is not a whole number from 1 to 1000/.test(e.message),
        bad,
      );
    }
    assert.throws(() => parsePayloadItem(' '), /empty entry/);
  });
  it('sends payloads in turn by repetition, weighted, warm-ups the first; every payload gets repetitions', () => {
    const schedule = payloadSchedule([2, 1]);
    assert.deepEqual(schedule, [0, 0, 1]);
    assert.deepEqual(
      [1, 2, 3, 4, 5, 6].map((rep) => payloadIndexFor({ rep, warmup: false }, schedule)),
      [0, 0, 1, 0, 0, 1],
    );
    assert.equal(payloadIndexFor({ rep: 0, warmup: true }, schedule), 0);
    assert.deepEqual(
      repetitionsPerPayload(5, [
        { name: 'a', weight: 2 },
        { name: 'b', weight: 1 },
      ]),
      [4, 1],
    );
    assert.throws(
      () =>
        repetitionsPerPayload(2, [
          { name: 'a', weight: 2 },
          { name: 'b', weight: 1 },
        ]),
      /--reps 2 gives payload b no repetition.*use --reps 3/,
    );
  });
  it('the adapter sends each repetition its payload (thread field set) and names it in the record', () => {
    const payloads = [
      { name: 'a.json', file: 'a.json', value: { kind: 'a', t: 0 }, weight: 1 },
      { name: 'json#1', file: null, value: { kind: 'b', t: 0 }, weight: 1 },
    ];
    const adapter = ownFunctionAdapter(payloads, { kind: 'field', path: 't' });
    const plan = buildSweepPlan({
      functions: [{ functionName: 'f', arch: 'x86_64', memoryMB: 512 }],
      threadCounts: [2],
      strategies: ['pool'],
      repetitions: 4,
      seed: 1,
    });
    const sent = plan.measured.map((p) => [p.rep, JSON.parse(new TextDecoder().decode(adapter.payloadFor(p))) as { kind: string; t: number }] as const);
    for (const [rep, body] of sent) assert.deepEqual(body, { kind: rep % 2 === 1 ? 'a' : 'b', t: 2 });
    const record = adapter.recordFrom(
      'r',
      plan.measured.find((p) => p.rep === 2)!,
      response({ processingMs: 5 }) as never,
      0,
      't',
    );
    assert.equal(record.payload, 'json#1');
    assert.equal(
      adapter.unmeasuredFrom!(
        'r',
        plan.measured.find((p) => p.rep === 1)!,
        'throttled',
        3,
        't',
      ).payload,
      'a.json',
    );
  });
  it('run files keep a digest, size, type and top-level keys, never a value', () => {
    const summary = summarizePayload({ name: 'p.json', file: 'p.json', value: { user: 'ann', password: 'hunter2', n: 3 }, weight: 2 });
    assert.deepEqual(Object.keys(summary).sort(), ['bytes', 'file', 'name', 'sha256', 'topLevelKeys', 'type', 'weight']);
    assert.deepEqual(summary.topLevelKeys, ['user', 'password', 'n']);
    assert.equal(summary.sha256, payloadDigest({ user: 'ann', password: 'hunter2', n: 3 }).sha256);
    assert.match(summary.sha256, /^[0-9a-f]{64}$/);
    assert.doesNotMatch(JSON.stringify(summary), /hunter2|ann/);
    assert.equal(summarizePayload({ name: 'x', file: null, value: [1, 2], weight: 1 }).type, 'array');
  });
  it('analysis refuses to average records of different payloads, and names them', () => {
    const records = [1, 2, 3, 4].map((rep) => ({ ...recordBase, rep, processingMs: rep % 2 ? 10 : 1000, payload: rep % 2 ? 'small.json' : 'big.json' }));
    assert.match(mixedPayloadProblem(records) ?? '', /2 different payloads \(small\.json: 2, big\.json: 2\).*--payload small\.json/);
    assert.throws(() => analyzeRecords(records), /Cannot analyse these records together/);
    assert.equal(mixedPayloadProblem(records.filter((r) => r.payload === 'big.json')), null);
    assert.equal(analyzeRecords(records.filter((r) => r.payload === 'big.json')).configs[0].n, 2);
  });
  it('refuses to average an old own-function run (no payload names) with a template run, but not an old run with its own errors', () => {
    const base = { ...recordBase, processingMs: 100 };
    const oldOwn = [1, 2, 3].map((rep) => ({ ...base, rep, timeSource: 'report' as const }));
    const oldOwnError = { ...base, rep: 4, processingMs: null, error: 'Unhandled: boom' };
    const template = [1, 2, 3].map((rep) => ({ ...base, rep, runId: 't' }));
    assert.equal(mixedPayloadProblem([...oldOwn, oldOwnError]), null, 'an old own-function run with an error record is one workload');
    assert.equal(mixedPayloadProblem([...template, { ...oldOwnError, runId: 't' }]), null, 'a template run with an error record is one workload');
    const problem = mixedPayloadProblem([...oldOwn, oldOwnError, ...template]) ?? '';
    assert.match(problem, /2 different payloads \(your function \(payload not named\): 3, the template event: 4\)/);
    assert.match(problem, /analyse each run on its own/);
    assert.throws(() => analyzeRecords([...oldOwn, ...template]), /Cannot analyse these records together/);
  });
});
