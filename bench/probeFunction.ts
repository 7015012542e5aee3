// A pure-CPU probe function for the endpoint-fidelity benchmark: its threads are started at init
// (outside any timed part) and kept; an invocation splits a fixed number of loop iterations over
// `workers` of them and times only that. No I/O, no allocation, no module loading inside the clock.
import { Worker } from 'node:worker_threads';
import { zipOf } from '../test/support/localEndpointFixture';

/** The loop each probe thread runs; also run in this process to calibrate the work. */
export const PROBE_LOOP = `
function spin(iterations) {
  let x = 1;
  for (let i = 0; i < iterations; i++) x = (Math.imul(x, 1103515245) + 12345) | 0;
  return x;
}`;

const PROBE_THREAD_SOURCE = `const { parentPort } = require('node:worker_threads');
${PROBE_LOOP}
parentPort.on('message', (n) => parentPort.postMessage(spin(n)));`;

const PROBE_HANDLER = `
import { Worker } from 'node:worker_threads';
import { performance } from 'node:perf_hooks';
import os from 'node:os';
const SOURCE = ${JSON.stringify(PROBE_THREAD_SOURCE)};
// Started at init, before any clock; four is the most workers the benchmark asks for.
const threads = Array.from({ length: 4 }, () => new Worker(SOURCE, { eval: true }));
export async function handler(event) {
  const workers = event.workers;
  const share = Math.round(event.iterations / workers);
  const started = performance.now();
  await Promise.all(threads.slice(0, workers).map((t) => new Promise((resolve) => { t.once('message', resolve); t.postMessage(share); })));
  return { processingMs: performance.now() - started, workers, availableParallelism: os.availableParallelism() };
}
`;

export function probeZip(): Uint8Array {
  return zipOf({ 'index.mjs': PROBE_HANDLER });
}

/** Loop iterations one unthrottled thread runs in about `targetMs` here (median of a few tries in a worker). */
export async function calibrateIterations(targetMs: number): Promise<number> {
  const source = `const { parentPort } = require('node:worker_threads');\n${PROBE_LOOP}
parentPort.on('message', (n) => { const t = performance.now(); spin(n); parentPort.postMessage(performance.now() - t); });`;
  const worker = new Worker(source, { eval: true });
  try {
    const time = (n: number) =>
      new Promise<number>((resolve) => {
        worker.once('message', resolve);
        worker.postMessage(n);
      });
    await time(5_000_000);
    const trial = 50_000_000;
    const samples: number[] = [];
    for (let i = 0; i < 3; i++) samples.push(await time(trial));
    samples.sort((a, b) => a - b);
    return Math.round((trial * targetMs) / samples[1]);
  } finally {
    await worker.terminate();
  }
}
