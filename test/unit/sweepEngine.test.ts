// The sweep engine against a scripted stand-in for LambdaClient (fast, deterministic). The same
// engine runs against the real built-in endpoint in test/integration/sweep.test.ts.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { InvokeCommand, InvokeCommandOutput } from '@aws-sdk/client-lambda';
import { createAdaptiveSampler } from '../../src/core/analysis/adaptiveSampling';
import { INVOCATIONS_FILE, RUN_FORMAT_VERSION, type RunMetadata } from '../../src/core/runFiles';
import { invocationCostUsd } from '../../src/core/pricing';
import { buildSweepPlan, planSize, recordKey, type SweepPlan } from '../../src/core/sweepPlan';
import { RunStore } from '../../src/sweep/runStore';
import { classifyError, runSweep, type CallAbortSignal, type LambdaInvoker } from '../../src/sweep/sweepEngine';

const functions = [
  { functionName: 'llab-u-1769-x86_64', arch: 'x86_64' as const, memoryMB: 1769 },
  { functionName: 'llab-u-3538-x86_64', arch: 'x86_64' as const, memoryMB: 3538 },
];

const created: string[] = [];
after(() => {
  for (const dir of created) fs.rmSync(dir, { recursive: true, force: true });
});

function setup(repetitions = 3, seed = 7): { dir: string; store: RunStore; plan: SweepPlan } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'llab-engine-'));
  created.push(dir);
  const plan = buildSweepPlan({ functions, threadCounts: [1, 2], strategies: ['pool'], repetitions, seed });
  const meta: RunMetadata = {
    formatVersion: RUN_FORMAT_VERSION,
    runId: path.basename(dir),
    experimentId: 'u',
    target: { kind: 'endpoint', endpoint: 'http://fake' },
    region: 'us-east-1',
    plan: { ...plan.input, items: 4, cost: 6, concurrency: 2, plannedInvocations: planSize(plan) },
    seed,
    adaptive: null,
    maxCostUsd: null,
    templateHash: null,
    extensionVersion: 'test',
    cpuLimit: 'none',
    startedAt: new Date().toISOString(),
    updatedAt: new Date().toISOString(),
    status: 'running',
    statusReason: null,
    estimatedCostUsd: null,
    costSoFarUsd: 0,
    configStops: [],
  };
  return { dir, store: RunStore.create(dir, meta), plan };
}

interface Call {
  functionName: string;
  event: { items: number; workers: number; cost: number; strategy: string };
  logType: string | undefined;
}

/** A fake Lambda: `behaviour` decides each call's fate; a REPORT line comes back in the log tail. */
function fakeLambda(
  behaviour: (call: Call, index: number) => 'ok' | 'throttle' | 'server' | 'function-error' | { processingMs: number } | Promise<'ok'>,
): LambdaInvoker & { calls: Call[] } {
  const calls: Call[] = [];
  const cold = new Set<string>();
  return {
    calls,
    async send(command: InvokeCommand, options?: { abortSignal?: CallAbortSignal }): Promise<InvokeCommandOutput> {
      const input = command.input;
      const call: Call = {
        functionName: input.FunctionName!,
        event: JSON.parse(new TextDecoder().decode(input.Payload as Uint8Array)),
        logType: input.LogType,
      };
      calls.push(call);
      const fate = await behaviour(call, calls.length - 1);
      if (options?.abortSignal?.aborted) throw Object.assign(new Error('aborted'), { name: 'AbortError' });
      if (fate === 'throttle')
        throw Object.assign(new Error('Rate exceeded'), { name: 'TooManyRequestsException', $metadata: { httpStatusCode: 429, attempts: 4 } });
      if (fate === 'server') throw Object.assign(new Error('boom'), { name: 'ServiceException', $metadata: { httpStatusCode: 500, attempts: 4 } });
      const memory = Number(/-(\d+)-/.exec(call.functionName)![1]);
      const isCold = !cold.has(call.functionName);
      cold.add(call.functionName);
      const processingMs = typeof fate === 'object' ? fate.processingMs : 100 / Math.min(call.event.workers, memory / 1769);
      const report = `REPORT RequestId: 1\tDuration: ${(processingMs + 5).toFixed(2)} ms\tBilled Duration: ${Math.ceil(processingMs + 5 + (isCold ? 100 : 0))} ms\tMemory Size: ${memory} MB\tMax Memory Used: 70 MB\t${isCold ? 'Init Duration: 100.00 ms\t' : ''}`;
      const payload =
        fate === 'function-error'
          ? { errorType: 'Error', errorMessage: 'worker crashed' }
          : { processingMs, availableParallelism: 2, cpuModel: 'Fake CPU', coldStart: isCold, workers: call.event.workers, cpuLimit: 'cgroup-v1' };
      return {
        $metadata: { httpStatusCode: 200, attempts: 1 },
        StatusCode: 200,
        FunctionError: payload.errorType ? 'Unhandled' : undefined,
        LogResult: Buffer.from(`START\n${report}\n`).toString('base64'),
        Payload: new TextEncoder().encode(JSON.stringify(payload)) as InvokeCommandOutput['Payload'],
      };
    },
  };
}

const fastRetry = { baseDelayMs: 1, maxDelayMs: 2 };

test('every planned invocation is recorded once, warm-ups first, with the REPORT and payload fields', async () => {
  const { dir, store, plan } = setup();
  const lambda = fakeLambda(() => 'ok');
  const outcome = await runSweep({ client: lambda, store, plan, items: 4, cost: 6, region: 'us-east-1', concurrency: 2, retry: fastRetry });
  assert.equal(outcome.status, 'completed');
  assert.equal(outcome.done, planSize(plan));
  assert.equal(outcome.total, planSize(plan));
  const records = RunStore.open(dir, { readOnly: true }).invocations;
  assert.deepEqual(new Set(records.map(recordKey)), new Set([...plan.warmups, ...plan.measured].map((p) => p.key)));
  assert.ok(lambda.calls.every((c) => c.logType === 'Tail' && c.event.items === 4 && c.event.cost === 6 && c.event.strategy === 'pool'));
  assert.ok(
    lambda.calls.slice(0, 2).every((c, i) => c.functionName === functions[i].functionName),
    'pilot (smallest memory) then the other warm-up come first',
  );
  const warm = records.find((r) => r.warmup)!;
  assert.equal(warm.coldStart, true);
  assert.equal(warm.initMs, 100);
  const measured = records.find((r) => !r.warmup && r.memoryMB === 3538 && r.threads === 2)!;
  assert.equal(measured.processingMs, 50);
  assert.equal(measured.durationMs, 55);
  assert.equal(measured.billedMs, 55);
  assert.equal(measured.maxMemoryMB, 70);
  assert.equal(measured.cores, 2);
  assert.equal(measured.cpuModel, 'Fake CPU');
  assert.equal(measured.cpuLimit, 'cgroup-v1', 'the CPU limit the function saw');
  assert.equal(measured.error, null);
  assert.equal(measured.coldStart, false);
  assert.equal(measured.runId, store.meta.runId);
  assert.ok(outcome.costUsd > 0);
  const meta = RunStore.open(dir, { readOnly: true }).meta;
  assert.equal(meta.status, 'completed');
  assert.equal(meta.configStops.length, 4);
  assert.ok(meta.configStops.every((s) => s.repetitions === 3 && /completed all 3/.test(s.reason)));
  assert.ok(meta.estimatedCostUsd !== null && meta.estimatedCostUsd > 0);
});

test('throttling and server errors are retried and counted; exhausted retries become error records, never gaps', async () => {
  const { dir, store, plan } = setup();
  // Call 3 (a measured one) is throttled twice then succeeds; one function's invocations always fail with 500.
  let throttled = 0;
  const lambda = fakeLambda((call, index) => {
    if (index >= 2 && throttled < 2 && call.functionName === functions[0].functionName) {
      throttled++;
      return 'throttle';
    }
    if (call.functionName === functions[1].functionName && call.event.workers === 2) return 'server';
    return 'ok';
  });
  const outcome = await runSweep({
    client: lambda,
    store,
    plan,
    items: 4,
    cost: 6,
    region: 'us-east-1',
    concurrency: 1,
    retry: { ...fastRetry, maxOuterRetries: 2 },
  });
  assert.equal(outcome.status, 'completed');
  const records = RunStore.open(dir, { readOnly: true }).invocations;
  assert.equal(records.length, planSize(plan), 'no gaps');
  const retried = records.filter((r) => r.error === null && r.retries > 0);
  assert.equal(retried.length, 1);
  assert.equal(retried[0].retries, 2 * 3 + 2, 'SDK attempts (3 retries per throttled call) plus our own 2');
  const failed = records.filter((r) => r.error !== null);
  assert.equal(failed.length, 3, 'the three 2-thread reps at 3538 MB');
  for (const r of failed) {
    assert.match(r.error!, /ServiceException: boom \(HTTP 500\) \(after 11 retries\)/);
    assert.equal(r.retries, 3 * 3 + 2);
    assert.equal(r.processingMs, null);
  }
  assert.equal(outcome.errors, 3);
  assert.equal(
    outcome.retries,
    records.reduce((sum, r) => sum + r.retries, 0),
  );
});

test('function errors are recorded with their message and not retried', async () => {
  const { dir, store, plan } = setup(1);
  const lambda = fakeLambda((call) => (call.event.workers === 2 ? 'function-error' : 'ok'));
  await runSweep({ client: lambda, store, plan, items: 4, cost: 6, region: 'us-east-1', concurrency: 1, retry: fastRetry });
  const errors = RunStore.open(dir, { readOnly: true }).invocations.filter((r) => r.error !== null);
  assert.equal(errors.length, 2);
  assert.ok(errors.every((r) => r.error === 'Function error (Unhandled): worker crashed' && r.retries === 0));
  assert.equal(lambda.calls.length, planSize(plan));
});

test('a failing pilot stops the sweep before anything else runs', async () => {
  const { dir, store, plan } = setup();
  const lambda = fakeLambda(() => 'function-error');
  const outcome = await runSweep({ client: lambda, store, plan, items: 4, cost: 6, region: 'us-east-1', concurrency: 2, retry: fastRetry });
  assert.equal(outcome.status, 'failed');
  assert.match(outcome.statusReason!, /pilot invocation of llab-u-1769-x86_64 failed: Function error \(Unhandled\): worker crashed/);
  assert.equal(lambda.calls.length, 1);
  assert.equal(RunStore.open(dir, { readOnly: true }).invocations.length, 1, 'the pilot is recorded');
});

test('cancelling leaves a resumable run; resuming runs only what is missing, with no duplicates', async () => {
  const { dir, store, plan } = setup(4);
  const controller = new AbortController();
  const lambda = fakeLambda((_call, index) => {
    if (index === 7) controller.abort();
    return 'ok';
  });
  const first = await runSweep({
    client: lambda,
    store,
    plan,
    items: 4,
    cost: 6,
    region: 'us-east-1',
    concurrency: 1,
    signal: controller.signal,
    retry: fastRetry,
  });
  assert.equal(first.status, 'cancelled');
  const afterCancel = RunStore.open(dir, { readOnly: true });
  assert.equal(afterCancel.meta.status, 'cancelled');
  assert.equal(afterCancel.invocations.length, 7, 'the aborted call is not recorded');
  // Simulate a crash mid-write on top of that.
  fs.appendFileSync(path.join(dir, INVOCATIONS_FILE), '{"runId":"x","functionN');
  store.close(); // as the cancelled process does when it ends (executeSweep does it)
  const resumedStore = RunStore.open(dir);
  assert.equal(resumedStore.warnings.length, 1);
  const lambda2 = fakeLambda(() => 'ok');
  const second = await runSweep({ client: lambda2, store: resumedStore, plan, items: 4, cost: 6, region: 'us-east-1', concurrency: 3, retry: fastRetry });
  assert.equal(second.status, 'completed');
  assert.equal(lambda2.calls.length, planSize(plan) - 7);
  const text = fs.readFileSync(path.join(dir, INVOCATIONS_FILE), 'utf8');
  const keys = text
    .trim()
    .split('\n')
    .map((line) => recordKey(JSON.parse(line)));
  assert.equal(keys.length, planSize(plan));
  assert.equal(new Set(keys).size, keys.length, 'no duplicates');
});

test('the cost ceiling stops the sweep before passing it', async () => {
  const { dir, store, plan } = setup(20);
  const lambda = fakeLambda(() => 'ok');
  const ceiling = 6e-5; // the two warm-ups cost about 1.5e-5, a warm invocation about 3e-6
  const outcome = await runSweep({
    client: lambda,
    store,
    plan,
    items: 4,
    cost: 6,
    region: 'us-east-1',
    concurrency: 1,
    maxCostUsd: ceiling,
    retry: fastRetry,
  });
  assert.equal(outcome.status, 'stopped-max-cost');
  assert.match(outcome.statusReason!, /Cost limit reached: the invocations so far come to \$[0-9.e-]+ at AWS Lambda prices/);
  assert.doesNotMatch(outcome.statusReason!, /spent/, 'nothing is spent on a target that does not bill: the figure is at AWS prices');
  // The engine states the reason as data and in neutral words; the CLI and VS Code word the remedy.
  assert.equal(outcome.stopReason?.kind, 'costCeiling');
  assert.doesNotMatch(outcome.statusReason!, /--/);
  assert.ok(outcome.costUsd <= ceiling, `${outcome.costUsd} <= ${ceiling}`);
  assert.ok(outcome.done > 2 && outcome.done < planSize(plan));
  assert.equal(RunStore.open(dir, { readOnly: true }).meta.status, 'stopped-max-cost');
});

test('invocations slower than the pilot estimate pass the ceiling only by the one in flight', async () => {
  const { store, plan } = setup(20);
  // After the pilot every invocation takes 4x what the pilot suggests, so each costs more than its estimate.
  const lambda = fakeLambda((_call, index) => (index === 0 ? 'ok' : { processingMs: 400 }));
  const ceiling = 4.5e-5; // the two warm-ups cost about 3.5e-5; then one measured invocation is estimated to fit
  const outcome = await runSweep({
    client: lambda,
    store,
    plan,
    items: 4,
    cost: 6,
    region: 'us-east-1',
    concurrency: 1,
    maxCostUsd: ceiling,
    retry: fastRetry,
  });
  assert.equal(outcome.status, 'stopped-max-cost');
  const costs = store.invocations.map((r) => invocationCostUsd({ billedMs: r.billedMs!, memoryMB: r.memoryMB, arch: r.arch, region: 'us-east-1' }));
  assert.equal(costs.length, outcome.done);
  assert.ok(outcome.done > 2 && outcome.done < planSize(plan), `${outcome.done}`);
  const total = costs.reduce((a, b) => a + b, 0);
  assert.ok(Math.abs(total - outcome.costUsd) < 1e-12);
  // Concurrency 1: one invocation in flight, the last one. Everything before it stayed within the ceiling.
  assert.ok(total - costs[costs.length - 1] <= ceiling, `${total - costs[costs.length - 1]} <= ${ceiling}`);
  assert.ok(total > ceiling, 'this scenario does pass the ceiling (by the last invocation), so the bound above is what is tested');
});

test('a ceiling below the cheapest invocation runs nothing, not even the pilot', async () => {
  const { store, plan } = setup();
  const lambda = fakeLambda(() => 'ok');
  const outcome = await runSweep({ client: lambda, store, plan, items: 4, cost: 6, region: 'us-east-1', concurrency: 1, maxCostUsd: 0, retry: fastRetry });
  assert.equal(outcome.status, 'stopped-max-cost');
  assert.match(outcome.statusReason!, /even the pilot invocation would pass the limit of \$0/);
  assert.deepEqual(outcome.stopReason, { kind: 'costCeiling', limitUsd: 0, spentUsd: 0, inFlight: false, beforePilot: true });
  assert.equal(lambda.calls.length, 0);
  assert.equal(outcome.costUsd, 0);
});

test('a declined cost confirmation runs nothing after the pilot', async () => {
  const { store, plan } = setup();
  const lambda = fakeLambda(() => 'ok');
  let asked = 0;
  const outcome = await runSweep({
    client: lambda,
    store,
    plan,
    items: 4,
    cost: 6,
    region: 'us-east-1',
    concurrency: 1,
    retry: fastRetry,
    confirmCost: async (estimate) => {
      asked++;
      assert.equal(estimate.invocations, planSize(plan) - 1);
      return false;
    },
  });
  assert.equal(asked, 1);
  assert.equal(outcome.status, 'cancelled');
  assert.equal(lambda.calls.length, 1);
});

test(
  'progress events are held back within the interval, the held-back one comes when it ends, and the end is reported at once',
  { timeout: 20_000 },
  async () => {
    const { store, plan } = setup(4);
    const events: Array<{ done: number; recorded: number; phase: string; last: string | undefined }> = [];
    let eventArrived: () => void = () => undefined;
    const total = planSize(plan);
    // Every call answers at once, except the last: it waits for a progress event that no later record
    // can cause, so only the held-back event of the record before it (sent when the interval ends) lets
    // the sweep finish. Without that event the test would hang and fail on its timeout.
    const lambda = fakeLambda((_call, index) => {
      if (index < total - 1) return 'ok';
      const seen = events.length;
      return new Promise<'ok'>((resolve) => {
        eventArrived = () => {
          if (events.length > seen) resolve('ok');
        };
      });
    });
    const outcome = await runSweep({
      client: lambda,
      store,
      plan,
      items: 4,
      cost: 6,
      region: 'us-east-1',
      concurrency: 1,
      retry: fastRetry,
      progressIntervalMs: 30,
      onProgress: (p) => {
        events.push({ done: p.done, recorded: store.invocations.length, phase: p.phase, last: p.last ? recordKey(p.last) : undefined });
        eventArrived();
      },
    });
    assert.equal(outcome.status, 'completed');
    assert.equal(outcome.done, total);
    assert.ok(events.length < total, `${events.length} events for ${total} records: held back within the interval`);
    for (const e of events) assert.equal(e.done, e.recorded, 'each event counts what is on disk when it is sent');
    const heldBack = events[events.length - 2];
    assert.equal(heldBack.done, total - 1, 'the held-back event of the record before the last one was sent when the interval ended');
    assert.equal(heldBack.last, recordKey(store.invocations[total - 2]));
    assert.deepEqual(events[events.length - 1], { done: total, recorded: total, phase: 'finished', last: undefined });
  },
);

test('adaptive sampling stops steady configurations early and records why', async () => {
  const { dir, store, plan } = setup(12);
  let n = 0;
  // 1-thread configurations are steady; 2-thread ones alternate ±30%, so they never get tight.
  const lambda = fakeLambda((call) => ({ processingMs: call.event.workers === 1 ? 100 + (n++ % 2) * 0.5 : n++ % 2 ? 130 : 70 }));
  const sampler = createAdaptiveSampler({ minRepetitions: 3, maxRepetitions: 12, targetRelativeHalfWidth: 0.02 });
  const progress: Array<{ done: number; total: number; recorded: number }> = [];
  const outcome = await runSweep({
    client: lambda,
    store,
    plan,
    items: 4,
    cost: 6,
    region: 'us-east-1',
    concurrency: 1,
    sampler,
    retry: fastRetry,
    // One event per record, so that every count the engine keeps is checked against the file.
    progressIntervalMs: 0,
    onProgress: (p) => progress.push({ done: p.done, total: p.total, recorded: store.invocations.length }),
  });
  assert.equal(outcome.status, 'completed');
  // Progress counts (kept up to date per record, recounted when a configuration stops) say what the files say.
  assert.ok(progress.length > planSize(plan) / 2);
  for (const p of progress) assert.equal(p.done, p.recorded);
  for (let i = 1; i < progress.length; i++) assert.ok(progress[i].total <= progress[i - 1].total, 'total only shrinks');
  assert.deepEqual(progress[progress.length - 1], { done: outcome.done, total: outcome.total, recorded: outcome.done });
  const meta = RunStore.open(dir, { readOnly: true }).meta;
  const steady = meta.configStops.filter((s) => s.threads === 1);
  const noisy = meta.configStops.filter((s) => s.threads === 2);
  for (const s of steady) {
    assert.ok(s.repetitions < 12, `${s.configKey} stopped early at ${s.repetitions}`);
    assert.match(s.reason, /^adaptive: CI half-width/);
  }
  for (const s of noisy) {
    assert.equal(s.repetitions, 12);
    assert.match(s.reason, /completed all 12/);
  }
  assert.equal(outcome.total, outcome.done, 'the plan shrank to what ran');
  assert.ok(outcome.done < planSize(plan));
});

test('errors are classified for retrying', () => {
  assert.equal(classifyError({ name: 'TooManyRequestsException', $metadata: { httpStatusCode: 429 } }), 'throttle');
  assert.equal(classifyError({ name: 'ServiceException', $metadata: { httpStatusCode: 500 } }), 'server');
  assert.equal(classifyError(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' })), 'transport');
  assert.equal(classifyError({ name: 'ResourceNotFoundException', $metadata: { httpStatusCode: 404 } }), 'fatal');
  assert.equal(classifyError({ name: 'InvalidParameterValueException', $metadata: { httpStatusCode: 400 } }), 'fatal');
});

test('a function that disappears mid-sweep stops the run instead of filling it with errors', async () => {
  const { dir, store, plan } = setup();
  const lambda = fakeLambda(() => 'ok');
  const send = lambda.send.bind(lambda);
  lambda.send = async (command, options) => {
    if (lambda.calls.length >= 4 && command.input.FunctionName === functions[1].functionName) {
      lambda.calls.push({
        functionName: command.input.FunctionName!,
        event: JSON.parse(new TextDecoder().decode(command.input.Payload as Uint8Array)),
        logType: command.input.LogType,
      });
      throw Object.assign(new Error('Function not found'), { name: 'ResourceNotFoundException', $metadata: { httpStatusCode: 404, attempts: 1 } });
    }
    return send(command, options);
  };
  const outcome = await runSweep({ client: lambda, store, plan, items: 4, cost: 6, region: 'us-east-1', concurrency: 1, retry: fastRetry });
  assert.equal(outcome.status, 'failed');
  assert.match(outcome.statusReason!, /llab-u-3538-x86_64 was not found.*deploy the experiment again and start a new sweep/);
  assert.doesNotMatch(outcome.statusReason!, /then resume/);
  assert.deepEqual(outcome.stopReason, { kind: 'functionNotFound', functionName: 'llab-u-3538-x86_64' });
  const records = RunStore.open(dir, { readOnly: true }).invocations;
  assert.ok(
    records.every((r) => r.error === null),
    'nothing recorded for the missing function',
  );
});

test('at most one invocation per function is in flight, so our own concurrency causes no cold starts', async () => {
  const { dir, store, plan } = setup(5);
  const inFlight = new Map<string, number>();
  let maxPerFunction = 0;
  let maxTotal = 0;
  const lambda = fakeLambda(async (call) => {
    inFlight.set(call.functionName, (inFlight.get(call.functionName) ?? 0) + 1);
    maxPerFunction = Math.max(maxPerFunction, ...inFlight.values());
    maxTotal = Math.max(
      maxTotal,
      [...inFlight.values()].reduce((a, b) => a + b, 0),
    );
    await new Promise((r) => setTimeout(r, 3));
    inFlight.set(call.functionName, inFlight.get(call.functionName)! - 1);
    return 'ok' as const;
  });
  const outcome = await runSweep({ client: lambda, store, plan, items: 4, cost: 6, region: 'us-east-1', concurrency: 4, retry: fastRetry });
  assert.equal(outcome.status, 'completed');
  assert.equal(maxPerFunction, 1);
  assert.equal(maxTotal, 2, 'two functions run side by side');
  const records = RunStore.open(dir, { readOnly: true }).invocations;
  assert.equal(records.length, planSize(plan));
  assert.ok(records.filter((r) => !r.warmup).every((r) => !r.coldStart));
});

test('resume does not retry error records by default; with retryErrors each is run again once and superseded', async () => {
  const { dir, store, plan } = setup(2);
  const failing = (call: Call) => (call.functionName === functions[1].functionName && call.event.workers === 2 ? 'function-error' : 'ok');
  const first = await runSweep({ client: fakeLambda(failing), store, plan, items: 4, cost: 6, region: 'us-east-1', concurrency: 1, retry: fastRetry });
  assert.equal(first.status, 'completed');
  assert.equal(first.errors, 2);
  assert.equal(first.retriedErrors, 0);
  store.close();

  // A plain resume runs nothing: the errors stay.
  const plainStore = RunStore.open(dir);
  const plainLambda = fakeLambda(() => 'ok');
  const plain = await runSweep({ client: plainLambda, store: plainStore, plan, items: 4, cost: 6, region: 'us-east-1', concurrency: 1, retry: fastRetry });
  plainStore.close();
  assert.equal(plainLambda.calls.length, 0);
  assert.equal(plain.errors, 2);

  // A resume that fails again on one of them: each error is tried once, not in a loop.
  const againStore = RunStore.open(dir);
  let failOnce = true;
  const againLambda = fakeLambda((call) => {
    if (call.functionName === functions[1].functionName && call.event.workers === 2 && failOnce) {
      failOnce = false;
      return 'function-error';
    }
    return 'ok';
  });
  const again = await runSweep({
    client: againLambda,
    store: againStore,
    plan,
    items: 4,
    cost: 6,
    region: 'us-east-1',
    concurrency: 1,
    retry: fastRetry,
    retryErrors: true,
  });
  againStore.close();
  assert.equal(againLambda.calls.length, 2, 'the two error records, once each');
  assert.ok(againLambda.calls.every((c) => c.functionName === functions[1].functionName && c.event.workers === 2));
  assert.equal(again.status, 'completed');
  assert.equal(again.retriedErrors, 2);
  assert.equal(again.errors, 1);
  assert.equal(again.done, planSize(plan));

  const finalStore = RunStore.open(dir);
  const last = await runSweep({
    client: fakeLambda(() => 'ok'),
    store: finalStore,
    plan,
    items: 4,
    cost: 6,
    region: 'us-east-1',
    concurrency: 1,
    retry: fastRetry,
    retryErrors: true,
  });
  finalStore.close();
  assert.equal(last.errors, 0);
  const lines = fs.readFileSync(path.join(dir, INVOCATIONS_FILE), 'utf8').trim().split('\n');
  assert.equal(lines.length, planSize(plan) + 3, 'append-only: every attempt stays in the file');
  const reread = RunStore.open(dir, { readOnly: true });
  assert.equal(reread.invocations.length, planSize(plan));
  assert.ok(
    reread.invocations.every((r) => r.error === null),
    'readers see the successful retries',
  );
  assert.equal(reread.supersededInvocations.length, 3);
  // The superseded function errors were billed: they still count towards the cost.
  const cost = (records: readonly { billedMs: number | null; memoryMB: number; arch: 'x86_64' | 'arm64' }[]) =>
    records.reduce(
      (sum, r) => sum + (r.billedMs === null ? 0 : invocationCostUsd({ billedMs: r.billedMs, memoryMB: r.memoryMB, arch: r.arch, region: 'us-east-1' })),
      0,
    );
  assert.ok(Math.abs(last.costUsd - cost([...reread.invocations, ...reread.supersededInvocations])) < 1e-12);
});

test('a REPORT whose Memory Size differs from the planned memory is recorded as an error', async () => {
  const { dir, store, plan } = setup(1);
  const lambda = fakeLambda(() => 'ok');
  const send = lambda.send.bind(lambda);
  lambda.send = async (command, options) => {
    const response = await send(command, options);
    // Someone raised the 3538 MB function to 4096 MB mid-sweep.
    if (command.input.FunctionName === functions[1].functionName && lambda.calls.length > 3) {
      const log = Buffer.from(response.LogResult!, 'base64').toString('utf8').replace('Memory Size: 3538 MB', 'Memory Size: 4096 MB');
      return { ...response, LogResult: Buffer.from(log).toString('base64') };
    }
    return response;
  };
  const outcome = await runSweep({ client: lambda, store, plan, items: 4, cost: 6, region: 'us-east-1', concurrency: 1, retry: fastRetry });
  const errors = RunStore.open(dir, { readOnly: true }).invocations.filter((r) => r.error !== null);
  assert.ok(errors.length >= 1);
  assert.equal(outcome.errors, errors.length);
  for (const r of errors) {
    assert.equal(r.functionName, functions[1].functionName);
    assert.equal(r.error, 'function memory changed during the sweep: planned 3538 MB, ran at 4096 MB');
  }
});
