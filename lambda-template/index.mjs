// Lambda Parallel Lab experiment function: hashes `items` random passwords with bcrypt on
// `workers` worker threads and reports how long the parallel part took. CPU-bound on purpose:
// on Lambda, CPU share grows with memory, so timing this at several memory sizes and thread
// counts shows when extra threads start to pay.
//
// Event: { items?: 20, workers?: 1, cost?: 10, strategy?: 'pool' | 'batch' | 'warm', returnHashes?: false }
//   pool  - `workers` threads started for this invocation; each always has its next item waiting, so it
//           never idles while more items remain.
//   batch - start `workers` threads with one item each, wait for all of them to finish and exit,
//           then start the next batch (the pattern of the original Python study).
//   warm  - like pool, but the threads outlive the invocation: started on first use and reused by
//           later invocations of the same execution environment (Lambda freezes the process and its
//           threads between invocations), so only the first invocation pays thread start-up.
import { Worker } from 'node:worker_threads';
import { randomBytes } from 'node:crypto';
import os from 'node:os';
import { performance } from 'node:perf_hooks';

// Resolved next to this file both in the template folder and in the deployment package, where the
// packager puts hashWorker.mjs beside index.mjs.
const HASH_WORKER_URL = new URL('./hashWorker.mjs', import.meta.url);

export const LIMITS = Object.freeze({
  items: { min: 1, max: 10000 },
  workers: { min: 1, max: 64 },
  // bcrypt's own range (log2 of the rounds).
  cost: { min: 4, max: 31 },
});
export const STRATEGIES = Object.freeze(['pool', 'batch', 'warm']);
// A valid event is under 100 bytes. Bounding what is parsed keeps a hostile or mistaken payload
// (megabytes, or thousands of nested brackets) from costing time or throwing instead of a 400.
export const MAX_EVENT_TEXT_BYTES = 16 * 1024;
export const MAX_EVENT_DEPTH = 8;
export const DEFAULT_EVENT = Object.freeze({ items: 20, workers: 1, cost: 10, strategy: 'pool' });
// The only fields an event may have: any other (a typo such as "worker", or padding) is refused, so
// what was measured is what the event says.
export const EVENT_FIELDS = Object.freeze(['items', 'workers', 'cost', 'strategy', 'returnHashes']);

// True until the first invocation in this execution environment (process) has started.
let coldStart = true;

export async function handler(event) {
  const wasCold = coldStart;
  coldStart = false;

  const parsed = parseEvent(event);
  if (parsed.errors.length > 0) {
    return {
      statusCode: 400,
      error: `Bad event: ${parsed.errors.join('; ')}. Example of a valid event: ${JSON.stringify(DEFAULT_EVENT)}`,
      errors: parsed.errors,
      coldStart: wasCold,
    };
  }
  const { items, workers, cost, strategy, returnHashes } = parsed.event;
  const memoryMB = lambdaMemoryMB();
  const memoryProblem = checkMemoryFor(workers, memoryMB);
  if (memoryProblem) return { statusCode: 400, error: `Bad event: ${memoryProblem}`, errors: [memoryProblem], coldStart: wasCold };

  // Passwords are made before the timer: only the parallel hashing is measured.
  const passwords = Array.from({ length: items }, () => randomBytes(12).toString('base64url'));
  const run = await hashAll({ passwords, workers, cost, strategy });

  const result = {
    statusCode: 200,
    processingMs: round2(run.processingMs),
    threadStartupMs: round2(run.threadStartupMs),
    items,
    workers,
    strategy,
    cost,
    availableParallelism: typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length,
    cpuModel: os.cpus()[0]?.model?.trim() ?? null,
    memoryMB,
    coldStart: wasCold,
    itemsPerWorker: run.itemsPerWorker,
    // 'fresh': every thread was started by this invocation; 'reused': all were kept from an earlier
    // one (warm); 'mixed': a warm pool grew.
    threads: run.threadsReused === 0 ? 'fresh' : run.threadsReused === workers ? 'reused' : 'mixed',
    threadsReused: run.threadsReused,
    nodeVersion: process.version,
    // Lambda's names for the architectures (Node says x64).
    arch: process.arch === 'x64' ? 'x86_64' : process.arch,
    // How Lambda Lab's built-in endpoint limits this function's CPU ('none' = unthrottled); null on AWS.
    cpuLimit: process.env.LAMBDA_LAB_CPU_LIMIT ?? null,
  };
  if (returnHashes) result.hashes = passwords.map((password, index) => ({ password, hash: run.hashes[index] }));
  return result;
}

function lambdaMemoryMB() {
  const memory = Number(process.env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE);
  return Number.isFinite(memory) && memory > 0 ? memory : null;
}

// Each worker thread is a separate V8 isolate: about 9-10 MB measured on Node 20. Lambda kills a
// function that exceeds its memory, so refuse clearly instead of being killed mid-run.
const BASE_MEMORY_MB = 40;
const MEMORY_PER_WORKER_MB = 9;

/** A problem message when `workers` threads cannot fit in the function's memory, else null. */
export function checkMemoryFor(workers, memoryMB) {
  if (memoryMB === null) return null;
  const neededMB = BASE_MEMORY_MB + MEMORY_PER_WORKER_MB * workers;
  if (neededMB <= memoryMB) return null;
  const fitting = Math.max(1, Math.floor((memoryMB - BASE_MEMORY_MB) / MEMORY_PER_WORKER_MB));
  return `workers ${workers} need about ${neededMB} MB (${MEMORY_PER_WORKER_MB} MB per worker thread), but this function has ${memoryMB} MB; use at most ${fitting} workers or give the function more memory`;
}

/** A short, safe rendering of any value for a message: never throws, never long. */
function describeValue(value) {
  let text;
  try {
    text = JSON.stringify(value) ?? String(value);
  } catch {
    text = Array.isArray(value) ? '[...]' : typeof value === 'object' ? '{...}' : String(value);
  }
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

/** Nesting depth of a parsed value, counted iteratively and only up to `limit` (no recursion to overflow). */
function nestingDepth(value, limit) {
  let deepest = 0;
  const stack = [[value, 1]];
  while (stack.length > 0) {
    const [current, depth] = stack.pop();
    if (typeof current !== 'object' || current === null) continue;
    deepest = Math.max(deepest, depth);
    if (depth >= limit) return depth;
    for (const child of Object.values(current)) stack.push([child, depth + 1]);
  }
  return deepest;
}

/** Applies defaults and checks every field; returns all problems, never throws. */
export function parseEvent(event) {
  let input = event ?? {};
  if (typeof input === 'string') {
    const bytes = Buffer.byteLength(input, 'utf8');
    if (bytes > MAX_EVENT_TEXT_BYTES) {
      return { errors: [`the event is a string of ${bytes} bytes; at most ${MAX_EVENT_TEXT_BYTES} are read (a valid event is under 100 bytes)`] };
    }
    try {
      input = input.trim() === '' ? {} : JSON.parse(input);
    } catch {
      return { errors: [`the event is a string but not JSON: ${describeValue(input)}`] };
    }
  }
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    return { errors: [`the event must be a JSON object, got ${describeValue(input)}`] };
  }
  const errors = [];
  const unknown = Object.keys(input).filter((key) => !EVENT_FIELDS.includes(key));
  if (unknown.length > 0) {
    const named = unknown.slice(0, 5).map(describeValue).join(', ') + (unknown.length > 5 ? ` and ${unknown.length - 5} more` : '');
    errors.push(`unknown field${unknown.length === 1 ? '' : 's'} ${named}: the event takes only ${EVENT_FIELDS.join(', ')}`);
    input = Object.fromEntries(EVENT_FIELDS.filter((key) => Object.hasOwn(input, key)).map((key) => [key, input[key]]));
  }
  const depth = nestingDepth(input, MAX_EVENT_DEPTH + 1);
  if (depth > MAX_EVENT_DEPTH)
    return {
      errors: [...errors, `the event is nested more than ${MAX_EVENT_DEPTH} levels deep; it needs one level: ${describeValue(DEFAULT_EVENT)}`],
    };
  const integer = (name) => {
    const value = input[name] ?? DEFAULT_EVENT[name];
    const { min, max } = LIMITS[name];
    if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
      errors.push(`${name} must be a whole number from ${min} to ${max}, got ${describeValue(value)}`);
    }
    return value;
  };
  const items = integer('items');
  const workers = integer('workers');
  const cost = integer('cost');
  const strategy = input.strategy ?? DEFAULT_EVENT.strategy;
  if (!STRATEGIES.includes(strategy)) {
    errors.push(`strategy must be one of ${STRATEGIES.map((s) => `"${s}"`).join(', ')}, got ${describeValue(strategy)}`);
  }
  const returnHashes = input.returnHashes ?? false;
  if (typeof returnHashes !== 'boolean') errors.push(`returnHashes must be true or false, got ${describeValue(returnHashes)}`);
  return { errors, event: { items, workers, cost, strategy, returnHashes } };
}

/**
 * Hashes every password exactly once on worker threads. For pool and batch, every worker started is
 * terminated before this settles, also when a worker fails (the first failure rejects; the rest are
 * stopped). For warm, the threads stay alive for the next call, except after a failure, when the
 * whole warm pool is terminated so the next call starts clean. `workerUrl` and `onWorkerStarted`
 * exist for tests.
 */
export async function hashAll({ passwords, workers, cost, strategy, workerUrl = HASH_WORKER_URL, onWorkerStarted }) {
  if (strategy === 'warm') return hashAllWarm({ passwords, workers, cost, workerUrl, onWorkerStarted });
  const group = new WorkerGroup(workerUrl, onWorkerStarted);
  const progress = new Progress(passwords.length, workers);
  const started = performance.now();
  try {
    const threadStartupMs =
      strategy === 'batch' ? await runBatches(group, progress, passwords, workers, cost) : await runPool(group, progress, passwords, workers, cost);
    const processingMs = performance.now() - started;
    progress.assertComplete();
    return { processingMs, threadStartupMs, hashes: progress.hashes, itemsPerWorker: progress.itemsPerWorker, threadsReused: 0 };
  } finally {
    await group.terminateAll();
  }
}

/** Which item was hashed by which worker slot; refuses to count an item twice. */
class Progress {
  constructor(items, workers) {
    this.hashes = new Array(items).fill(null);
    this.itemsPerWorker = new Array(workers).fill(0);
    this.done = 0;
  }
  record(index, hash, slot) {
    if (!Number.isInteger(index) || index < 0 || index >= this.hashes.length) throw new Error(`worker ${slot} returned a hash for unknown item ${index}`);
    if (this.hashes[index] !== null) throw new Error(`item ${index} was hashed twice (second time by worker ${slot})`);
    if (typeof hash !== 'string') throw new Error(`worker ${slot} returned no hash for item ${index}`);
    this.hashes[index] = hash;
    this.itemsPerWorker[slot] += 1;
    this.done += 1;
  }
  get complete() {
    return this.done === this.hashes.length;
  }
  assertComplete() {
    const missing = this.hashes.findIndex((h) => h === null);
    if (missing !== -1) throw new Error(`item ${missing} was never hashed`);
  }
}

/** Starts workers, turns any worker failure into one rejection, and stops them all at the end. */
class WorkerGroup {
  constructor(workerUrl, onWorkerStarted) {
    this.workerUrl = workerUrl;
    this.onWorkerStarted = onWorkerStarted;
    this.live = new Set();
    this.retiring = new WeakSet();
    this.fail = () => {};
  }

  /** The current phase's reject: the first failure after this ends the phase. */
  watch(reject) {
    let failed = false;
    this.fail = (error) => {
      if (failed) return;
      failed = true;
      reject(error);
    };
  }

  spawn(slot, onMessage) {
    // Workers inherit the process's Node flags; --input-type (from `node --input-type=module -e`)
    // would stop a worker file from loading, so it is left out.
    const worker = new Worker(this.workerUrl, { execArgv: process.execArgv.filter((flag) => !flag.startsWith('--input-type')) });
    this.live.add(worker);
    this.onWorkerStarted?.(worker);
    worker.on('message', (message) => {
      try {
        onMessage(worker, message);
      } catch (error) {
        this.fail(error);
      }
    });
    worker.on('error', (error) => this.fail(new Error(`worker ${slot} failed: ${error?.message ?? error}`)));
    worker.on('exit', (code) => {
      this.live.delete(worker);
      if (!this.retiring.has(worker)) this.fail(new Error(`worker ${slot} exited with code ${code} before finishing its work`));
    });
    return worker;
  }

  /** Stops one worker whose work is done; resolves when its thread has exited. */
  retire(worker) {
    this.retiring.add(worker);
    return worker.terminate();
  }

  async terminateAll() {
    const workers = [...this.live];
    await Promise.allSettled(workers.map((worker) => this.retire(worker)));
  }
}

/**
 * Hands out the items in order to pool and warm threads. A thread that is ready gets its first item
 * and a second one that waits in its message queue; each 'done' then sends one more. So a thread that
 * finishes a hash finds the next one already there instead of idling until the main thread answers:
 * with every core busy hashing, the main thread must first be scheduled, which cost each thread up
 * to tens of ms per invocation on a loaded 2-core machine. Items cost the same, so this does not
 * unbalance the end; the second item is held back when the other threads might then get none.
 */
class ItemQueue {
  constructor(passwords, cost, workers) {
    this.passwords = passwords;
    this.cost = cost;
    this.workers = workers;
    this.next = 0;
  }
  giveFirst(worker) {
    this.giveNext(worker);
    if (this.passwords.length - this.next >= this.workers) this.giveNext(worker);
  }
  giveNext(worker) {
    if (this.next >= this.passwords.length) return;
    worker.postMessage({ type: 'hash', index: this.next, password: this.passwords[this.next], cost: this.cost });
    this.next += 1;
  }
}

/** pool: `workers` threads; each is kept one item ahead (see ItemQueue) from when it is ready until the items run out. */
function runPool(group, progress, passwords, workers, cost) {
  return new Promise((resolve, reject) => {
    group.watch(reject);
    const startedAt = performance.now();
    const items = new ItemQueue(passwords, cost, workers);
    let threadStartupMs = 0;
    for (let slot = 0; slot < workers; slot++) {
      group.spawn(slot, (worker, message) => {
        if (message?.type === 'ready') {
          // With more workers than items the last ones may come up after the work is done;
          // the start-up time then covers the workers that were ready by the end.
          threadStartupMs = performance.now() - startedAt;
          items.giveFirst(worker);
        } else if (message?.type === 'done') {
          progress.record(message.index, message.hash, slot);
          if (progress.complete) resolve(threadStartupMs);
          else items.giveNext(worker);
        } else {
          throw new Error(`worker ${slot} sent an unexpected message: ${JSON.stringify(message)}`);
        }
      });
    }
  });
}

/** batch: one item per thread, `workers` threads at a time, all joined before the next batch. */
async function runBatches(group, progress, passwords, workers, cost) {
  let threadStartupMs = 0;
  for (let first = 0; first < passwords.length; first += workers) {
    const batch = passwords.slice(first, first + workers);
    threadStartupMs += await new Promise((resolve, reject) => {
      group.watch(reject);
      const startedAt = performance.now();
      let ready = 0;
      let startupMs = 0;
      const exits = [];
      batch.forEach((password, slot) => {
        const index = first + slot;
        group.spawn(slot, (worker, message) => {
          if (message?.type === 'ready') {
            ready += 1;
            if (ready === batch.length) startupMs = performance.now() - startedAt;
            worker.postMessage({ type: 'hash', index, password, cost });
          } else if (message?.type === 'done') {
            progress.record(message.index, message.hash, slot);
            exits.push(group.retire(worker));
            if (exits.length === batch.length) Promise.all(exits).then(() => resolve(startupMs), reject);
          } else {
            throw new Error(`worker ${slot} sent an unexpected message: ${JSON.stringify(message)}`);
          }
        });
      });
    });
  }
  return threadStartupMs;
}

// The warm pool of this execution environment (null until the first warm invocation).
let warmPool = null;

/** Stops the warm pool's threads, if any; resolves when they have exited. */
export async function closeWarmPool() {
  const pool = warmPool;
  warmPool = null;
  await pool?.close();
}

async function hashAllWarm({ passwords, workers, cost, workerUrl, onWorkerStarted }) {
  // One Lambda environment runs one invocation at a time; a concurrent local call (tests, scripts)
  // gets a private pool instead of sharing threads that are busy.
  let pool;
  if (warmPool?.busy) pool = new WarmPool(workerUrl);
  else {
    if (warmPool && warmPool.workerUrl.href !== workerUrl.href) await closeWarmPool();
    warmPool ??= new WarmPool(workerUrl);
    pool = warmPool;
  }
  pool.onWorkerStarted = onWorkerStarted;
  pool.busy = true;
  const progress = new Progress(passwords.length, workers);
  const started = performance.now();
  let ok = false;
  try {
    const { threadStartupMs, threadsReused } = await runWarm(pool, progress, passwords, workers, cost, started);
    const processingMs = performance.now() - started;
    progress.assertComplete();
    ok = true;
    return { processingMs, threadStartupMs, hashes: progress.hashes, itemsPerWorker: progress.itemsPerWorker, threadsReused };
  } finally {
    pool.busy = false;
    pool.onWorkerStarted = undefined;
    // After a failure no thread is trusted again; a private pool never outlives its call.
    if (!ok || pool !== warmPool) {
      if (pool === warmPool) warmPool = null;
      await pool.close();
    }
  }
}

/** Worker threads kept between invocations; resized to the requested count on each use. */
class WarmPool {
  constructor(workerUrl) {
    this.workerUrl = workerUrl;
    this.entries = [];
    this.busy = false;
    this.onWorkerStarted = undefined;
    this.fail = () => {};
  }

  /** The current invocation's reject: a thread failing or exiting ends it. */
  watch(reject) {
    let failed = false;
    this.fail = (error) => {
      if (failed) return;
      failed = true;
      reject(error);
    };
  }

  spawn() {
    const worker = new Worker(this.workerUrl, { execArgv: process.execArgv.filter((flag) => !flag.startsWith('--input-type')) });
    // Idle warm threads must not keep a local process (tests, run-local) alive; on Lambda the
    // runtime keeps the process anyway.
    worker.unref();
    const entry = { worker, retiring: false, onMessage: null };
    let markReady;
    entry.ready = new Promise((resolve) => (markReady = resolve));
    this.onWorkerStarted?.(worker);
    worker.on('message', (message) => {
      if (message?.type === 'ready') return markReady();
      try {
        if (!entry.onMessage) throw new Error(`an idle warm worker sent ${JSON.stringify(message)}`);
        entry.onMessage(message);
      } catch (error) {
        this.fail(error);
      }
    });
    worker.on('error', (error) => this.fail(new Error(`warm worker failed: ${error?.message ?? error}`)));
    worker.on('exit', (code) => {
      this.entries = this.entries.filter((e) => e !== entry);
      if (!entry.retiring) this.fail(new Error(`a warm worker exited with code ${code} before finishing its work`));
    });
    this.entries.push(entry);
    return entry;
  }

  /** Grows or shrinks to `count` threads; returns how many were kept from before. */
  async resize(count) {
    const kept = Math.min(count, this.entries.length);
    const extra = this.entries.slice(count);
    for (const entry of extra) entry.retiring = true;
    await Promise.allSettled(extra.map((entry) => entry.worker.terminate()));
    while (this.entries.length < count) this.spawn();
    return kept;
  }

  async close() {
    const entries = [...this.entries];
    for (const entry of entries) entry.retiring = true;
    await Promise.allSettled(entries.map((entry) => entry.worker.terminate()));
  }
}

/** warm: pool scheduling on the warm pool's threads; new threads start work as soon as they are ready. */
async function runWarm(pool, progress, passwords, workers, cost, startedAt) {
  const threadsReused = await pool.resize(workers);
  let threadStartupMs = threadsReused === workers ? 0 : null;
  await new Promise((resolve, reject) => {
    pool.watch(reject);
    const items = new ItemQueue(passwords, cost, workers);
    pool.entries.slice(0, workers).forEach((entry, slot) => {
      // Busy threads keep the process alive; idle ones do not (see spawn).
      entry.worker.ref();
      entry.onMessage = (message) => {
        if (message?.type !== 'done') throw new Error(`worker ${slot} sent an unexpected message: ${JSON.stringify(message)}`);
        progress.record(message.index, message.hash, slot);
        if (progress.complete) resolve();
        else items.giveNext(entry.worker);
      };
      entry.ready.then(() => {
        if (threadStartupMs !== 0) threadStartupMs = performance.now() - startedAt;
        items.giveFirst(entry.worker);
      });
    });
  });
  for (const entry of pool.entries) {
    entry.onMessage = null;
    entry.worker.unref();
  }
  return { threadStartupMs: threadStartupMs ?? 0, threadsReused };
}

function round2(ms) {
  return Math.round(ms * 100) / 100;
}
