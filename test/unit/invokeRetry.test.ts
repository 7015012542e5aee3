// Pure helpers of one invocation: the backoff between our own retries, and turning an Invoke
// response (payload + REPORT log tail) into the record written to invocations.jsonl.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { InvokeCommandOutput } from '@aws-sdk/client-lambda';
import { buildSweepPlan } from '../../src/core/sweepPlan';
import { backoffMs, DEFAULT_RETRY_POLICY, recordFromResponse } from '../../src/sweep/sweepEngine';

const policy = { maxOuterRetries: 4, baseDelayMs: 250, maxDelayMs: 8000 };

test('backoff: equal jitter, half the exponential step fixed and half random, capped at maxDelayMs', () => {
  assert.equal(
    backoffMs(0, policy, null, () => 0),
    125,
  );
  assert.equal(
    backoffMs(0, policy, null, () => 1),
    250,
  );
  assert.equal(
    backoffMs(2, policy, null, () => 0),
    500,
  );
  assert.equal(
    backoffMs(2, policy, null, () => 0.5),
    750,
  );
  assert.equal(
    backoffMs(2, policy, null, () => 1),
    1000,
  );
  // The step stops growing at maxDelayMs; the fixed half keeps retries apart even at random() = 0.
  assert.equal(
    backoffMs(10, policy, null, () => 0),
    4000,
  );
  assert.equal(
    backoffMs(10, policy, null, () => 1),
    8000,
  );
  for (let attempt = 0; attempt < 40; attempt++) {
    const ms = backoffMs(attempt, policy, null, () => 0.999);
    assert.ok(ms >= 0 && ms <= policy.maxDelayMs, `attempt ${attempt}: ${ms}`);
  }
});

test('backoff: Retry-After wins when longer than the jittered delay, up to maxDelayMs', () => {
  assert.equal(
    backoffMs(0, policy, 3000, () => 0),
    3000,
  );
  assert.equal(
    backoffMs(0, policy, 0, () => 0),
    125,
  );
  assert.equal(
    backoffMs(4, policy, 100, () => 1),
    4000,
  );
  // A long Retry-After is capped so a sweep never sleeps for minutes; the retry may then be throttled again.
  assert.equal(
    backoffMs(0, policy, 60_000, () => 0),
    8000,
  );
  assert.deepEqual(DEFAULT_RETRY_POLICY, policy);
});

const plan = buildSweepPlan({
  functions: [{ functionName: 'llab-t-1769-x86_64', arch: 'x86_64', memoryMB: 1769 }],
  threadCounts: [2],
  strategies: ['pool'],
  repetitions: 1,
  seed: 1,
});
const measured = plan.measured[0];
const warmup = plan.warmups[0];

function response(payload: unknown, log: string | null, extra: Partial<InvokeCommandOutput> = {}): InvokeCommandOutput {
  return {
    $metadata: { httpStatusCode: 200, attempts: 1 },
    StatusCode: 200,
    Payload: (payload === undefined
      ? undefined
      : new TextEncoder().encode(typeof payload === 'string' ? payload : JSON.stringify(payload))) as InvokeCommandOutput['Payload'],
    LogResult: log === null ? undefined : Buffer.from(log).toString('base64'),
    ...extra,
  };
}

const report = (memory: number, init = '') =>
  `START RequestId: 1\nREPORT RequestId: 1\tDuration: 812.40 ms\tBilled Duration: 813 ms\tMemory Size: ${memory} MB\tMax Memory Used: 71 MB\t${init}`;

test('recordFromResponse: a good response fills every measured field from the payload and the REPORT line', () => {
  const record = recordFromResponse(
    'run-1',
    measured,
    response({ processingMs: 640.5, availableParallelism: 2, cpuModel: 'Xeon', cpuLimit: 'cgroup-v1' }, report(1769)),
    3,
    '2026-01-01T00:00:00.000Z',
  );
  assert.equal(record.error, null);
  assert.equal(record.runId, 'run-1');
  assert.equal(record.functionName, measured.functionName);
  assert.equal(record.rep, 1);
  assert.equal(record.warmup, false);
  assert.equal(record.coldStart, false);
  assert.equal(record.processingMs, 640.5);
  assert.equal(record.durationMs, 812.4);
  assert.equal(record.billedMs, 813);
  assert.equal(record.initMs, null);
  assert.equal(record.maxMemoryMB, 71);
  assert.equal(record.cores, 2);
  assert.equal(record.cpuModel, 'Xeon');
  assert.equal(record.cpuLimit, 'cgroup-v1');
  assert.equal(record.retries, 3);
  assert.equal(record.startedAt, '2026-01-01T00:00:00.000Z');
});

test('recordFromResponse: cold start from the REPORT line, and always for the warm-up', () => {
  const cold = recordFromResponse('r', measured, response({ processingMs: 5 }, report(1769, 'Init Duration: 139.19 ms\t')), 0, 's');
  assert.equal(cold.coldStart, true);
  assert.equal(cold.initMs, 139.19);
  const warm = recordFromResponse('r', warmup, response({ processingMs: 5 }, report(1769)), 0, 's');
  assert.equal(warm.coldStart, true);
  // Without a REPORT line the function's own coldStart flag is used.
  assert.equal(recordFromResponse('r', measured, response({ processingMs: 5, coldStart: true }, null), 0, 's').coldStart, true);
});

test('recordFromResponse: every kind of bad response becomes an error record that says what was wrong', () => {
  const cases: Array<[InvokeCommandOutput, RegExp]> = [
    [
      response({ errorType: 'Error', errorMessage: 'out of memory' }, report(1769), { FunctionError: 'Unhandled' }),
      /^Function error \(Unhandled\): out of memory$/,
    ],
    [response({ errorType: 'TypeError' }, null, { FunctionError: 'Handled' }), /Function error \(Handled\): TypeError/],
    [response({ error: 'workers must be 1..64' }, report(1769)), /refused the event: workers must be 1\.\.64/],
    [response('not json', report(1769)), /returned no JSON object: not json/],
    [response(undefined, report(1769)), /\(empty payload\)/],
    [response([1, 2], report(1769)), /returned no JSON object/],
    [response({ hashes: 4 }, report(1769)), /no processingMs; is this the Lambda Lab template/],
    [response({ processingMs: 5 }, report(3008)), /function memory changed during the sweep: planned 1769 MB, ran at 3008 MB/],
  ];
  for (const [input, expected] of cases) {
    const record = recordFromResponse('r', measured, input, 0, 's');
    assert.match(record.error ?? '', expected);
  }
  // A function error keeps the billed duration: it was paid for.
  const failed = recordFromResponse('r', measured, cases[0][0], 0, 's');
  assert.equal(failed.billedMs, 813);
  assert.equal(failed.processingMs, null);
});
