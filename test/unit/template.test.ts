// The template function (lambda-template/index.mjs), loaded as the ES module it is.
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Worker } from 'node:worker_threads';
import bcrypt from 'bcryptjs';

const repoRoot = path.resolve(__dirname, '../../..');
const templateDir = path.join(repoRoot, 'lambda-template');
const fixtureWorker = (name: string): URL => pathToFileURL(path.join(repoRoot, 'test/fixtures/template-workers', name));

interface TemplateResult {
  statusCode: number;
  error?: string;
  errors?: string[];
  processingMs: number;
  threadStartupMs: number;
  items: number;
  workers: number;
  strategy: string;
  cost: number;
  availableParallelism: number;
  cpuModel: string | null;
  memoryMB: number | null;
  coldStart: boolean;
  itemsPerWorker: number[];
  threads: 'fresh' | 'reused' | 'mixed';
  threadsReused: number;
  nodeVersion: string;
  arch: string;
  cpuLimit: string | null;
  hashes?: Array<{ password: string; hash: string }>;
}
interface HashAllOptions {
  passwords: string[];
  workers: number;
  cost: number;
  strategy: string;
  workerUrl?: URL;
  onWorkerStarted?: (worker: Worker) => void;
}
interface TemplateModule {
  handler(event: unknown): Promise<TemplateResult>;
  hashAll(
    options: HashAllOptions,
  ): Promise<{ hashes: string[]; itemsPerWorker: number[]; processingMs: number; threadStartupMs: number; threadsReused: number }>;
  closeWarmPool(): Promise<void>;
  parseEvent(event: unknown): { errors: string[]; event?: Record<string, unknown> };
}

let template: TemplateModule;

// OS threads of this process (Linux); a worker that was not terminated keeps its thread.
function threadCount(): number | null {
  try {
    return fs.readdirSync('/proc/self/task').length;
  } catch {
    return null;
  }
}

/**
 * The OS thread count once it has come back to `expected` (or after 2 s). A worker's 'exit' event
 * can fire a moment before the kernel has reaped its thread, so a single read right after the
 * handler returns can see one thread too many on a loaded machine.
 */
async function settledThreadCount(expected: number | null): Promise<number | null> {
  const deadline = Date.now() + 2000;
  let count = threadCount();
  while (count !== null && expected !== null && count > expected && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 10));
    count = threadCount();
  }
  return count;
}

/** Runs `hashAll`, recording every worker it starts and whether that worker's thread exited. */
async function hashAllTracked(
  options: HashAllOptions,
): Promise<{ outcome: PromiseSettledResult<Awaited<ReturnType<TemplateModule['hashAll']>>>; started: number; exited: number }> {
  let started = 0;
  let exited = 0;
  const outcome = await Promise.allSettled([
    template.hashAll({
      ...options,
      onWorkerStarted: (worker) => {
        started += 1;
        worker.once('exit', () => (exited += 1));
      },
    }),
  ]);
  return { outcome: outcome[0], started, exited };
}

function verifyAll(result: TemplateResult): void {
  assert.ok(result.hashes, 'returnHashes: true must return hashes');
  assert.equal(result.hashes.length, result.items);
  assert.equal(new Set(result.hashes.map((h) => h.password)).size, result.items, 'passwords are distinct');
  for (const { password, hash } of result.hashes) {
    assert.ok(bcrypt.compareSync(password, hash), `hash of ${password} does not verify`);
    assert.equal(bcrypt.getRounds(hash), result.cost);
  }
}

describe('template function', () => {
  before(async () => {
    // Start libuv's thread pool now (it starts lazily on the first async fs call), so thread counts
    // taken later only change when a worker thread is left behind.
    await fs.promises.readFile(__filename);
    template = (await import(pathToFileURL(path.join(templateDir, 'index.mjs')).href)) as TemplateModule;
  });

  it('the first invocation in a process is a cold start, later ones are not', async () => {
    const first = await template.handler({ items: 2, workers: 1, cost: 4 });
    const second = await template.handler({ items: 2, workers: 1, cost: 4 });
    assert.equal(first.coldStart, true);
    assert.equal(second.coldStart, false);
  });

  it('pool: every item hashed exactly once, every hash verifies, every field present', async () => {
    const result = await template.handler({ items: 40, workers: 3, cost: 4, strategy: 'pool', returnHashes: true });
    assert.equal(result.statusCode, 200);
    verifyAll(result);
    assert.equal(result.itemsPerWorker.length, 3);
    assert.equal(
      result.itemsPerWorker.reduce((a, b) => a + b, 0),
      40,
    );
    assert.equal(result.items, 40);
    assert.equal(result.workers, 3);
    assert.equal(result.strategy, 'pool');
    assert.equal(result.cost, 4);
    assert.equal(result.threads, 'fresh');
    assert.equal(result.threadsReused, 0);
    assert.ok(result.processingMs > 0 && result.processingMs >= result.threadStartupMs);
    assert.ok(result.threadStartupMs > 0);
    assert.ok(result.availableParallelism >= 1);
    assert.equal(typeof result.cpuModel, 'string');
    assert.equal(result.nodeVersion, process.version);
    assert.equal(result.arch, process.arch === 'x64' ? 'x86_64' : process.arch);
    assert.equal(result.memoryMB, null, 'no AWS_LAMBDA_FUNCTION_MEMORY_SIZE outside Lambda');
    assert.equal(result.cpuLimit, null, 'no LAMBDA_LAB_CPU_LIMIT outside the built-in endpoint (as on AWS)');
  });

  it('reports the CPU limit the built-in endpoint passes in LAMBDA_LAB_CPU_LIMIT', async () => {
    process.env.LAMBDA_LAB_CPU_LIMIT = 'none';
    try {
      const result = await template.handler({ items: 2, workers: 1, cost: 4, strategy: 'pool' });
      assert.equal(result.statusCode, 200);
      assert.equal(result.cpuLimit, 'none');
    } finally {
      delete process.env.LAMBDA_LAB_CPU_LIMIT;
    }
  });

  it('batch: one item per thread per batch, all verify', async () => {
    const result = await template.handler({ items: 7, workers: 3, cost: 4, strategy: 'batch', returnHashes: true });
    verifyAll(result);
    assert.equal(result.strategy, 'batch');
    // Batches of 3, 3, 1: slot 0 works in every batch.
    assert.deepEqual(result.itemsPerWorker, [3, 2, 2]);
  });

  it('more workers than items: extra workers stay idle, nothing is hashed twice', async () => {
    for (const strategy of ['pool', 'batch']) {
      const result = await template.handler({ items: 2, workers: 5, cost: 4, strategy, returnHashes: true });
      verifyAll(result);
      assert.equal(
        result.itemsPerWorker.reduce((a, b) => a + b, 0),
        2,
        strategy,
      );
      assert.equal(result.itemsPerWorker.length, 5, strategy);
    }
  });

  it('reads the memory size Lambda sets', async () => {
    process.env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE = '1769';
    try {
      assert.equal((await template.handler({ items: 1, cost: 4 })).memoryMB, 1769);
    } finally {
      delete process.env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE;
    }
  });

  it('refuses more workers than the function memory can hold, instead of being killed', async () => {
    process.env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE = '128';
    try {
      const result = await template.handler({ items: 2, workers: 32, cost: 4 });
      assert.equal(result.statusCode, 400);
      assert.match(result.error ?? '', /workers 32 need about \d+ MB .* but this function has 128 MB; use at most \d+ workers/);
      assert.equal((await template.handler({ items: 2, workers: 2, cost: 4 })).statusCode, 200);
    } finally {
      delete process.env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE;
    }
    // Outside Lambda (no memory size) there is no such limit.
    assert.equal((await template.handler({ items: 2, workers: 32, cost: 4 })).statusCode, 200);
  });

  it('hashes are left out unless asked for', async () => {
    const result = await template.handler({ items: 3, workers: 2, cost: 4 });
    assert.equal(result.hashes, undefined);
  });

  it('applies defaults: items 20, workers 1, cost 10, pool', () => {
    assert.deepEqual(template.parseEvent(undefined), { errors: [], event: { items: 20, workers: 1, cost: 10, strategy: 'pool', returnHashes: false } });
    assert.deepEqual(template.parseEvent('{"workers": 2}').event?.workers, 2);
  });

  it('bad events get a 400 error result naming the field, the value and the range', async () => {
    const cases: Array<[unknown, RegExp]> = [
      [{ workers: 0 }, /workers must be a whole number from 1 to 64, got 0/],
      [{ workers: 65 }, /workers must be a whole number from 1 to 64, got 65/],
      [{ workers: 1.5 }, /workers .* got 1\.5/],
      [{ workers: '2' }, /workers .* got "2"/],
      [{ items: 0 }, /items must be a whole number from 1 to 10000, got 0/],
      [{ items: 10001 }, /items .* got 10001/],
      [{ items: null, cost: 3 }, /cost must be a whole number from 4 to 31, got 3/],
      [{ cost: 32 }, /cost .* got 32/],
      [{ cost: Number.NaN }, /cost .* got null/],
      [{ strategy: 'queue' }, /strategy must be one of "pool", "batch", "warm", got "queue"/],
      [{ returnHashes: 'yes' }, /returnHashes must be true or false/],
      [{ items: 5, padding: 'x'.repeat(200_000) }, /unknown field "padding": the event takes only items, workers, cost, strategy, returnHashes/],
      [{ worker: 2 }, /unknown field "worker"/],
      [Object.fromEntries(Array.from({ length: 7 }, (_, i) => [`f${i}`, i])), /unknown fields "f0", "f1", "f2", "f3", "f4" and 2 more/],
      ['{not json', /the event is a string but not JSON/],
      [[1, 2], /the event must be a JSON object/],
      [42, /the event must be a JSON object/],
    ];
    const before = threadCount();
    for (const [event, expected] of cases) {
      const result = await template.handler(event);
      assert.equal(result.statusCode, 400, JSON.stringify(event));
      assert.match(result.error ?? '', /^Bad event: /);
      assert.match(result.error ?? '', expected);
    }
    // Several problems are reported together.
    const several = await template.handler({ workers: 0, items: -1, cost: 99, strategy: 'x' });
    assert.equal(several.errors?.length, 4);
    assert.equal(await settledThreadCount(before), before, 'a bad event starts no threads');
  });

  it('no threads are left behind after successful runs', async () => {
    const before = threadCount();
    for (const strategy of ['pool', 'batch']) {
      const tracked = await hashAllTracked({ passwords: ['a', 'b', 'c', 'd', 'e'], workers: 2, cost: 4, strategy });
      assert.equal(tracked.outcome.status, 'fulfilled');
      assert.equal(tracked.started, strategy === 'pool' ? 2 : 5);
      assert.equal(tracked.exited, tracked.started, `${strategy}: every started worker has exited when hashAll settles`);
    }
    if (before !== null) assert.equal(await settledThreadCount(before), before, 'a worker thread is still alive');
  });

  for (const strategy of ['pool', 'batch']) {
    it(`${strategy}: a worker error rejects and terminates the other, still busy, workers`, async () => {
      const before = threadCount();
      const passwords = Array.from({ length: 10 }, (_, i) => `p${i}`);
      const tracked = await hashAllTracked({ passwords, workers: 3, cost: 4, strategy, workerUrl: fixtureWorker('failingHashWorker.mjs') });
      assert.equal(tracked.outcome.status, 'rejected');
      assert.match(String((tracked.outcome as PromiseRejectedResult).reason), /worker \d failed: simulated failure on item 2/);
      assert.equal(tracked.started, 3);
      assert.equal(tracked.exited, 3);
      if (before !== null) assert.equal(await settledThreadCount(before), before, 'a worker thread is still alive');
    });
  }

  it('a worker that exits without answering rejects instead of hanging', async () => {
    for (const strategy of ['pool', 'batch']) {
      const tracked = await hashAllTracked({ passwords: ['a', 'b', 'c'], workers: 2, cost: 4, strategy, workerUrl: fixtureWorker('exitingHashWorker.mjs') });
      assert.equal(tracked.outcome.status, 'rejected', strategy);
      assert.match(String((tracked.outcome as PromiseRejectedResult).reason), /exited with code 0 before finishing/);
      assert.equal(tracked.exited, tracked.started);
    }
  });

  it('an item reported twice is an error, not a double count', async () => {
    const tracked = await hashAllTracked({
      passwords: ['a', 'b', 'c'],
      workers: 1,
      cost: 4,
      strategy: 'pool',
      workerUrl: fixtureWorker('duplicateHashWorker.mjs'),
    });
    assert.equal(tracked.outcome.status, 'rejected');
    assert.match(String((tracked.outcome as PromiseRejectedResult).reason), /item 0 was hashed twice/);
    assert.equal(tracked.exited, tracked.started);
  });

  it('a missing worker file rejects with the reason and leaves no threads', async () => {
    const before = threadCount();
    const tracked = await hashAllTracked({ passwords: ['a', 'b'], workers: 2, cost: 4, strategy: 'pool', workerUrl: fixtureWorker('doesNotExist.mjs') });
    assert.equal(tracked.outcome.status, 'rejected');
    assert.match(String((tracked.outcome as PromiseRejectedResult).reason), /doesNotExist\.mjs|Cannot find module/);
    assert.equal(tracked.exited, tracked.started);
    if (before !== null) assert.equal(await settledThreadCount(before), before, 'a worker thread is still alive');
  });
  describe('warm: threads kept across invocations', () => {
    it('the first call starts fresh threads, the next ones reuse them with no start-up, every hash verifies', async () => {
      await template.closeWarmPool();
      const before = threadCount();
      const first = await template.handler({ items: 6, workers: 2, cost: 4, strategy: 'warm', returnHashes: true });
      verifyAll(first);
      assert.equal(first.strategy, 'warm');
      assert.equal(first.threads, 'fresh');
      assert.equal(first.threadsReused, 0);
      assert.ok(first.threadStartupMs > 0);
      const afterFirst = threadCount();
      const second = await template.handler({ items: 6, workers: 2, cost: 4, strategy: 'warm', returnHashes: true });
      verifyAll(second);
      assert.equal(second.threads, 'reused');
      assert.equal(second.threadsReused, 2);
      assert.equal(second.threadStartupMs, 0);
      assert.equal(
        second.itemsPerWorker.reduce((a, b) => a + b, 0),
        6,
      );
      if (before !== null && afterFirst !== null) {
        assert.equal(afterFirst, before + 2, 'the two warm threads stay alive between calls');
        assert.equal(threadCount(), afterFirst, 'the second call started no thread');
      }
      await template.closeWarmPool();
      if (before !== null) assert.equal(await settledThreadCount(before), before, 'closeWarmPool leaves no thread');
    });

    it('grows and shrinks to the requested worker count, reusing what it can', async () => {
      await template.closeWarmPool();
      const before = threadCount();
      let started = 0;
      let exited = 0;
      const track = (worker: Worker) => {
        started += 1;
        worker.once('exit', () => (exited += 1));
      };
      const run = (workers: number) => template.hashAll({ passwords: ['a', 'b', 'c', 'd'], workers, cost: 4, strategy: 'warm', onWorkerStarted: track });
      assert.equal((await run(2)).threadsReused, 0);
      assert.equal((await run(3)).threadsReused, 2);
      assert.equal(started, 3, 'growing from 2 to 3 starts one thread');
      const shrunk = await run(1);
      assert.equal(shrunk.threadsReused, 1);
      assert.deepEqual(shrunk.itemsPerWorker, [4]);
      assert.equal(exited, 2, 'shrinking from 3 to 1 stops two threads');
      assert.equal(started, 3);
      await template.closeWarmPool();
      assert.equal(exited, 3);
      if (before !== null) assert.equal(await settledThreadCount(before), before, 'a worker thread is still alive');
    });

    it('a worker error rejects, stops the whole warm pool, and the next call starts fresh', async () => {
      await template.closeWarmPool();
      const before = threadCount();
      const passwords = Array.from({ length: 10 }, (_, i) => `p${i}`);
      const failing = await hashAllTracked({ passwords, workers: 3, cost: 4, strategy: 'warm', workerUrl: fixtureWorker('failingHashWorker.mjs') });
      assert.equal(failing.outcome.status, 'rejected');
      assert.match(String((failing.outcome as PromiseRejectedResult).reason), /simulated failure on item 2/);
      assert.equal(failing.exited, failing.started, 'every thread of the failed pool has exited');
      if (before !== null) assert.equal(await settledThreadCount(before), before, 'a worker thread is still alive');
      const next = await template.handler({ items: 3, workers: 2, cost: 4, strategy: 'warm', returnHashes: true });
      verifyAll(next);
      assert.equal(next.threads, 'fresh');
      await template.closeWarmPool();
    });

    it('a worker that exits without answering rejects instead of hanging, and leaves no thread', async () => {
      await template.closeWarmPool();
      const workerUrl = fixtureWorker('exitingHashWorker.mjs');
      const tracked = await hashAllTracked({ passwords: ['a', 'b', 'c'], workers: 2, cost: 4, strategy: 'warm', workerUrl });
      assert.equal(tracked.outcome.status, 'rejected');
      assert.match(String((tracked.outcome as PromiseRejectedResult).reason), /exited with code 0 before finishing/);
      assert.equal(tracked.exited, tracked.started);
    });

    it('two calls at once do not share busy threads: the second gets a private pool that is stopped after it', async () => {
      await template.closeWarmPool();
      const before = threadCount();
      const [a, b] = await Promise.all([
        template.handler({ items: 4, workers: 2, cost: 4, strategy: 'warm', returnHashes: true }),
        template.handler({ items: 4, workers: 2, cost: 4, strategy: 'warm', returnHashes: true }),
      ]);
      verifyAll(a);
      verifyAll(b);
      if (before !== null) assert.equal(await settledThreadCount(before + 2), before + 2, 'only the shared pool stays');
      await template.closeWarmPool();
      if (before !== null) assert.equal(await settledThreadCount(before), before);
    });
  });
});
