// The lane scheduler on its own: how many calls it keeps in flight, one per function, and how it
// ends (queue empty, a lane ended by runOne, the sweep stopped, runOne failing).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { PlannedInvocation } from '../../src/core/sweepPlan';
import { runInLanes } from '../../src/sweep/laneScheduler';

function planned(functionName: string, rep: number): PlannedInvocation {
  const configKey = `${functionName}|1|pool`;
  return { functionName, arch: 'x86_64', memoryMB: 1769, threads: 1, strategy: 'pool', rep, warmup: false, key: `${configKey}|r${rep}`, configKey };
}

/** Calls that end when the test says so, in any order. */
function controlledCalls() {
  const pending: Array<{ planned: PlannedInvocation; end: (goOn: boolean) => void; fail: (error: Error) => void }> = [];
  const started: string[] = [];
  const runOne = (p: PlannedInvocation) =>
    new Promise<boolean>((resolve, reject) => {
      started.push(p.key);
      pending.push({ planned: p, end: resolve, fail: reject });
    });
  /** Lets the scheduler react to the calls that ended. */
  const settle = () => new Promise<void>((resolve) => setImmediate(resolve));
  return { pending, started, runOne, settle };
}

test('keeps at most `concurrency` calls in flight, one per function, and takes the queue in order otherwise', async () => {
  const queue = [planned('a', 1), planned('a', 2), planned('b', 1), planned('c', 1), planned('b', 2), planned('c', 2)];
  const calls = controlledCalls();
  let finished = false;
  const run = runInLanes(queue, { concurrency: 2, isStopped: () => false, stopped: new Promise(() => {}), runOne: calls.runOne }).then(() => (finished = true));
  await calls.settle();
  assert.deepEqual(calls.started, ['a|1|pool|r1', 'b|1|pool|r1'], 'a|r2 waits for a to be free');
  calls.pending.shift()!.end(true); // a r1 ends: a is free again, and first in the queue
  await calls.settle();
  assert.deepEqual(calls.started.slice(2), ['a|1|pool|r2']);
  while (calls.pending.length > 0) {
    const inFlight = calls.pending.map((c) => c.planned.functionName);
    assert.ok(inFlight.length <= 2, `at most 2 in flight, got ${inFlight.join(',')}`);
    assert.equal(new Set(inFlight).size, inFlight.length, `one call per function, got ${inFlight.join(',')}`);
    calls.pending.shift()!.end(true);
    await calls.settle();
  }
  await run;
  assert.equal(finished, true);
  assert.equal(calls.started.length, queue.length, 'every invocation ran once');
});

test('a lane whose call returns false ends; when every lane has ended the run resolves with the rest untaken', async () => {
  const queue = [planned('a', 1), planned('b', 1), planned('a', 2), planned('b', 2)];
  const calls = controlledCalls();
  const run = runInLanes(queue, { concurrency: 2, isStopped: () => false, stopped: new Promise(() => {}), runOne: calls.runOne });
  await calls.settle();
  calls.pending.shift()!.end(false); // one lane ends: from now on one call at a time
  await calls.settle();
  assert.equal(calls.pending.length, 1);
  assert.deepEqual(calls.started, ['a|1|pool|r1', 'b|1|pool|r1'], 'a|r2 does not start: the lane that was free ended');
  calls.pending.shift()!.end(true);
  await calls.settle();
  assert.deepEqual(calls.started.slice(2), ['a|1|pool|r2']);
  calls.pending.shift()!.end(false);
  await run;
  assert.equal(calls.started.length, 3, 'b|r2 never started');
});

test('once the sweep stops nothing more starts, and the run resolves when the calls in flight end', async () => {
  const queue = [planned('a', 1), planned('b', 1), planned('a', 2), planned('b', 2)];
  const calls = controlledCalls();
  let stopped = false;
  let finished = false;
  const run = runInLanes(queue, { concurrency: 2, isStopped: () => stopped, stopped: new Promise(() => {}), runOne: calls.runOne }).then(
    () => (finished = true),
  );
  await calls.settle();
  stopped = true;
  calls.pending.shift()!.end(true);
  await calls.settle();
  assert.equal(finished, false, 'b|r1 is still in flight');
  calls.pending.shift()!.end(true);
  await run;
  assert.equal(calls.started.length, 2);
});

test('a stop while nothing is in flight ends the run at once', async () => {
  let signalStop!: () => void;
  const stoppedPromise = new Promise<void>((resolve) => (signalStop = resolve));
  let stopped = false;
  // runOne stops the sweep and ends its lane: nothing is left in flight, the stop promise ends the run.
  const run = runInLanes([planned('a', 1), planned('a', 2)], {
    concurrency: 1,
    isStopped: () => stopped,
    stopped: stoppedPromise,
    runOne: async () => {
      stopped = true;
      signalStop();
      return true;
    },
  });
  await run;
});

test('a failing call rejects the run and nothing more starts', async () => {
  const queue = [planned('a', 1), planned('b', 1), planned('a', 2), planned('b', 2)];
  const calls = controlledCalls();
  const run = runInLanes(queue, { concurrency: 2, isStopped: () => false, stopped: new Promise(() => {}), runOne: calls.runOne });
  await calls.settle();
  calls.pending.shift()!.fail(new Error('disk full'));
  await assert.rejects(run, /disk full/);
  calls.pending.shift()!.end(true);
  await calls.settle();
  assert.equal(calls.started.length, 2);
});
