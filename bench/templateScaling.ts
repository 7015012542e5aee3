// Template scaling against the physical limit: rate(workers) / (single-thread rate × min(workers, CPU share, cores)),
// for every strategy, unthrottled and under the endpoint's quota, through the real endpoint and SDK.
//
// The single-thread rate is measured beside every cell, not once for the whole run: the speed this VM
// gives one thread moved by 20% between cells minutes apart (neighbours on the host, turbo, other
// sessions), which moved every efficiency with it. Each block runs, in a palindrome, the reference
// (a warm 1-worker invocation of a second function) and then every strategy, and back:
//   ref, warm, pool, batch, batch, pool, warm, ref
// so a drift of the machine's speed that is linear over the block weighs on the reference and on each
// strategy alike. Each block gives one efficiency per strategy; a cell reports their median and range.
import { performance } from 'node:perf_hooks';
import { Worker } from 'node:worker_threads';
import { lambdaCpuShare } from '../src/localEndpoint/lambdaCpuModel';
import { deployTemplate, invokeTemplate, type TemplateEvent } from '../test/support/localEndpointCpuRuns';
import {
  commandFor,
  descendantSchedstat,
  machineCpuTicks,
  mean,
  measured,
  median,
  percent,
  round,
  schedstatDelta,
  tableRow,
  unavailable,
  type BenchOptions,
  type Measure,
} from './common';
import { startBenchEndpoint } from './endpoints';

type Strategy = TemplateEvent['strategy'];
type Client = Parameters<typeof invokeTemplate>[0];
const STRATEGIES: Strategy[] = ['warm', 'pool', 'batch'];
/** The unthrottled endpoint's functions: memory large enough that the visible-core band is the whole 2-core host. */
const UNTHROTTLED_MEMORY = 3538;
/**
 * The reference function: one warm thread at 3,538 MB, a quota of 2 CPUs (on a 2-core host) that one
 * thread cannot reach, so nothing but the machine limits it. Deployed under its own name so its
 * environment (and warm thread) is never resized by the cells' invocations.
 */
const REFERENCE_PREFIX = 'reference';
const REFERENCE_MEMORY = 3538;

interface Cell {
  condition: string;
  memory: number;
  strategy: Strategy;
  workers: number;
  /** One per block: (reference ms / cell ms) / min(workers, CPU share, cores). */
  efficiencies: number[];
  cellMs: number[];
  referenceMs: number[];
  startupShares: number[];
  startupMs: number[];
  /**
   * Of the time the environment's threads were runnable, the share they waited for a CPU (run-queue
   * wait from schedstat): time the machine gave to something else. Counts only threads alive at the
   * end of the invocation, so it means something for warm (kept threads), not for pool and batch.
   */
  waitShares: number[];
  /** Ticks the hypervisor took from this VM (/proc/stat steal) during the cell's invocations, and all ticks. */
  stealTicks: number;
  totalTicks: number;
}

export async function measureTemplateScaling(options: BenchOptions): Promise<Measure[]> {
  const command = commandFor('template', options.quick);
  // The quick run keeps the cells its keys need (2 workers); the full one also shows 1 worker (the pairing's own noise) and 3-4.
  const workersList = options.quick ? [2] : [1, 2, 3, 4];
  const blocks = options.quick ? 2 : 3;
  // About 1.5 s for one thread at full speed in the full run (20 bcrypt hashes at cost 10); half in the quick one.
  const cost = options.quick ? 9 : 10;
  const items = 20;
  const cells: Cell[] = [];

  /** One timed invocation of the cell, with the machine's steal and the threads' run-queue wait around it. */
  const invokeCell = async (client: Client, memory: number, event: TemplateEvent, cell: Cell): Promise<number> => {
    const schedBefore = descendantSchedstat();
    const ticksBefore = machineCpuTicks();
    const result = await invokeTemplate(client, memory, event);
    const ticksAfter = machineCpuTicks();
    const { runMs, waitMs } = schedstatDelta(schedBefore, descendantSchedstat());
    if (ticksBefore && ticksAfter) {
      cell.stealTicks += ticksAfter.steal - ticksBefore.steal;
      cell.totalTicks += ticksAfter.total - ticksBefore.total;
    }
    cell.startupShares.push(result.threadStartupMs / result.processingMs);
    cell.startupMs.push(result.threadStartupMs);
    if (runMs + waitMs > 0) cell.waitShares.push(waitMs / (runMs + waitMs));
    return result.processingMs;
  };

  const measureCondition = async (client: Client, condition: string, memory: number, strategies: Strategy[], parallelFor: (workers: number) => number) => {
    const referenceEvent: TemplateEvent = { items, workers: 1, cost, strategy: 'warm' };
    const reference = () => invokeTemplate(client, REFERENCE_MEMORY, referenceEvent, REFERENCE_PREFIX).then((r) => r.processingMs);
    // Warm-up: the reference's first invocation starts its thread; it is not timed.
    await reference();
    for (const workers of workersList) {
      const own = strategies.map((strategy) => {
        const cell: Cell = {
          condition,
          memory,
          strategy,
          workers,
          efficiencies: [],
          cellMs: [],
          referenceMs: [],
          startupShares: [],
          startupMs: [],
          waitShares: [],
          stealTicks: 0,
          totalTicks: 0,
        };
        cells.push(cell);
        return { cell, event: { items, workers, cost, strategy } as TemplateEvent };
      });
      // Warm-up of each configuration (for warm it sizes the pool that the timed invocations reuse).
      for (const { event } of own) await invokeTemplate(client, memory, event);
      for (let block = 0; block < blocks; block++) {
        const referenceFirst = await reference();
        const first: number[] = [];
        for (const { cell, event } of own) first.push(await invokeCell(client, memory, event, cell));
        const second: number[] = [];
        for (const { cell, event } of [...own].reverse()) second.unshift(await invokeCell(client, memory, event, cell));
        const referenceLast = await reference();
        const referenceMs = mean([referenceFirst, referenceLast]);
        own.forEach(({ cell }, i) => {
          const cellMs = mean([first[i], second[i]]);
          cell.referenceMs.push(referenceFirst, referenceLast);
          cell.cellMs.push(first[i], second[i]);
          cell.efficiencies.push(referenceMs / cellMs / parallelFor(workers));
        });
      }
    }
  };

  const unthrottled = await startBenchEndpoint(false);
  await deployTemplate(unthrottled.client, [UNTHROTTLED_MEMORY]);
  await deployTemplate(unthrottled.client, [REFERENCE_MEMORY], REFERENCE_PREFIX);
  const hostCores = unthrottled.handle.hostCores;
  await measureCondition(unthrottled.client, 'unthrottled', UNTHROTTLED_MEMORY, STRATEGIES, (workers) => Math.min(workers, hostCores));

  const throttled = await startBenchEndpoint(true);
  const throttledMemories = [1769, 3538];
  const canThrottle = throttled.handle.cpuLimit !== 'none';
  if (canThrottle) {
    await deployTemplate(throttled.client, throttledMemories);
    await deployTemplate(throttled.client, [REFERENCE_MEMORY], REFERENCE_PREFIX);
    const strategies: Strategy[] = options.quick ? ['warm'] : STRATEGIES;
    for (const memory of throttledMemories) {
      const share = lambdaCpuShare(memory, hostCores);
      await measureCondition(throttled.client, `quota ${memory} MB`, memory, strategies, (workers) => Math.min(workers, share.quotaCpus, share.visibleCores));
    }
  }

  const range = (values: number[]) => `${Math.min(...values).toFixed(3)}–${Math.max(...values).toFixed(3)}`;
  const allReferences = cells.flatMap((c) => c.referenceMs);
  const detail = [
    `limit = single-thread rate × min(workers, quota CPUs, visible cores); the single-thread rate is measured beside each cell: ` +
      `a warm 1-worker invocation of a second function (${REFERENCE_MEMORY} MB: no quota binds one thread) before and after each ` +
      `block "reference, each strategy measured, the same in reverse, reference"; efficiency per block = ` +
      `(mean reference ms / mean cell ms) / parallel limit; a cell shows the median of ${blocks} blocks and their range`,
    `${items} items at cost ${cost}; host cores ${hostCores}; reference invocations ${Math.min(...allReferences).toFixed(0)}–` +
      `${Math.max(...allReferences).toFixed(0)} ms over the run (the machine's single-thread speed moving; each block has its own)`,
    "run-queue wait: of the time the environment's threads were runnable, the share they waited for a CPU (schedstat; warm only: " +
      'pool and batch threads exit before it is read). steal: of all CPU time of the VM during the cell, the share the hypervisor ' +
      'gave to other guests (/proc/stat)',
    '| condition | strategy | workers | median ms | reference ms | efficiency (median) | range over blocks | thread start-up share | run-queue wait | steal |',
    '|---|---|---:|---:|---:|---:|---:|---:|---:|---:|',
    ...cells.map((c) =>
      tableRow([
        c.condition,
        c.strategy,
        c.workers,
        median(c.cellMs).toFixed(0),
        median(c.referenceMs).toFixed(0),
        median(c.efficiencies).toFixed(3),
        range(c.efficiencies),
        percent(median(c.startupShares)),
        c.strategy === 'warm' && c.waitShares.length ? percent(median(c.waitShares)) : '–',
        c.totalTicks > 0 ? percent(c.stealTicks / c.totalTicks) : '–',
      ]),
    ),
  ];
  if (!canThrottle) detail.push(`no quota rows: ${throttled.handle.cpuLimitDetail}`);
  const pool2 = cells.find((c) => c.condition === 'unthrottled' && c.strategy === 'pool' && c.workers === 2);
  const floor = await emptyWorkerStartup(options.quick ? 5 : 15);
  detail.push(
    `start-up floor: a Worker running an empty script (no module, no bcryptjs) answers after ${floor.wallMs.toFixed(1)} ms ` +
      `(median of ${floor.samples}${floor.cpuMs === null ? '' : `; ${floor.cpuMs.toFixed(1)} ms of that thread's CPU`}), in this process, at the load above` +
      (pool2
        ? `; pool at 2 workers spent ${median(pool2.startupMs).toFixed(0)} ms of ${median(pool2.cellMs).toFixed(0)} ms before its last thread was ready: ` +
          `were start-up its only loss, 0.95 would need invocations of at least 20 × that = ${(20 * median(pool2.startupMs)).toFixed(0)} ms, ` +
          `or, with only the empty Worker's start, ${(20 * floor.wallMs).toFixed(0)} ms`
        : ''),
  );
  const at2 = (strategy: Strategy) => cells.find((c) => c.condition === 'unthrottled' && c.strategy === strategy && c.workers === 2);
  const result: Measure[] = [];
  const twoCores = hostCores >= 2;
  for (const [key, strategy, goal, threshold] of [
    ['templateEfficiencyWarm2', 'warm', '>= 0.98', 0.98],
    ['templateEfficiencyPool2', 'pool', '>= 0.95', 0.95],
    ['templateEfficiencyBatch2', 'batch', 'none (explained)', null],
  ] as const) {
    const cell = at2(strategy);
    if (!cell || !twoCores) result.push(unavailable(key, 'ratio', goal, twoCores ? 'not measured' : 'the host has fewer than 2 cores', command));
    else {
      const value = round(median(cell.efficiencies));
      result.push(
        measured(key, value, 'ratio', goal, threshold === null ? null : value >= threshold, command, key === 'templateEfficiencyWarm2' ? detail : undefined),
      );
    }
  }
  return result;
}

/**
 * What any fresh thread costs here before it can run a line of the template: a Worker whose whole
 * script posts one message (the thread's CPU time from /proc/thread-self/schedstat, null off Linux).
 */
async function emptyWorkerStartup(samples: number): Promise<{ wallMs: number; cpuMs: number | null; samples: number }> {
  const script =
    "const { parentPort } = require('node:worker_threads'); let cpuNs = null; " +
    "try { cpuNs = Number(require('node:fs').readFileSync('/proc/thread-self/schedstat', 'utf8').split(' ')[0]); } catch {} " +
    'parentPort.postMessage(cpuNs);';
  const wall: number[] = [];
  const cpu: number[] = [];
  for (let i = 0; i < samples; i++) {
    const started = performance.now();
    const worker = new Worker(script, { eval: true });
    const cpuNs = await new Promise<number | null>((resolve, reject) => {
      worker.once('message', resolve);
      worker.once('error', reject);
    });
    wall.push(performance.now() - started);
    if (typeof cpuNs === 'number' && Number.isFinite(cpuNs)) cpu.push(cpuNs / 1e6);
    await worker.terminate();
  }
  return { wallMs: median(wall), cpuMs: cpu.length ? median(cpu) : null, samples };
}
