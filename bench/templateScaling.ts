// Template scaling against the physical limit: rate(workers) / (single-thread rate × min(workers, CPU share, cores)),
// for every strategy, unthrottled and under the endpoint's quota, through the real endpoint and SDK.
import { lambdaCpuShare } from '../src/localEndpoint/lambdaCpuModel';
import { deployTemplate, invokeTemplate, type TemplateEvent } from '../test/support/localEndpointCpuRuns';
import {
  commandFor,
  descendantSchedstat,
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
const STRATEGIES: Strategy[] = ['warm', 'pool', 'batch'];
/** The unthrottled endpoint's functions: memory large enough that the visible-core band is the whole 2-core host. */
const UNTHROTTLED_MEMORY = 3538;

interface Cell {
  condition: string;
  memory: number;
  strategy: Strategy;
  workers: number;
  medianMs: number;
  startupShare: number;
  /**
   * Of the time the environment's threads were runnable, the share they waited for a CPU (run-queue
   * wait from schedstat): time the machine gave to something else. Counts only threads alive at the
   * end of the invocation, so it means something for warm (kept threads), not for pool and batch.
   */
  waitShare: number | null;
}

export async function measureTemplateScaling(options: BenchOptions): Promise<Measure[]> {
  const command = commandFor('template', options.quick);
  const workersList = options.quick ? [1, 2] : [1, 2, 3, 4];
  const repetitions = options.quick ? 2 : 5;
  // About 1 s for one thread at full speed in the full run (20 bcrypt hashes at cost 10); half in the quick one.
  const cost = options.quick ? 9 : 10;
  const items = 20;
  const cells: Cell[] = [];
  const run = async (client: Parameters<typeof invokeTemplate>[0], condition: string, memory: number, strategy: Strategy, workers: number) => {
    const event: TemplateEvent = { items, workers, cost, strategy };
    // The first invocation of a configuration is a warm-up (for warm it starts the threads that later ones reuse).
    await invokeTemplate(client, memory, event);
    const times: number[] = [];
    const startupShares: number[] = [];
    const waitShares: number[] = [];
    for (let i = 0; i < repetitions; i++) {
      const before = descendantSchedstat();
      const result = await invokeTemplate(client, memory, event);
      const { runMs, waitMs } = schedstatDelta(before, descendantSchedstat());
      times.push(result.processingMs);
      startupShares.push(result.threadStartupMs / result.processingMs);
      if (runMs + waitMs > 0) waitShares.push(waitMs / (runMs + waitMs));
    }
    cells.push({
      condition,
      memory,
      strategy,
      workers,
      medianMs: median(times),
      startupShare: median(startupShares),
      waitShare: waitShares.length ? median(waitShares) : null,
    });
  };

  const unthrottled = await startBenchEndpoint(false);
  await deployTemplate(unthrottled.client, [UNTHROTTLED_MEMORY]);
  const hostCores = unthrottled.handle.hostCores;
  for (const strategy of STRATEGIES) for (const workers of workersList) await run(unthrottled.client, 'unthrottled', UNTHROTTLED_MEMORY, strategy, workers);

  const throttled = await startBenchEndpoint(true);
  const throttledMemories = [1769, 3538];
  const canThrottle = throttled.handle.cpuLimit !== 'none';
  if (canThrottle) {
    await deployTemplate(throttled.client, throttledMemories);
    const strategies: Strategy[] = options.quick ? ['warm'] : STRATEGIES;
    for (const memory of throttledMemories)
      for (const strategy of strategies) for (const workers of workersList) await run(throttled.client, `quota ${memory} MB`, memory, strategy, workers);
  }

  // The physical limit's single-thread rate: the fastest warm single thread seen (no start-up; unthrottled, or a quota
  // of at least one CPU). Taking the best cell keeps noise from the shared machine from flattering the efficiencies.
  const singles = cells.filter((c) => c.strategy === 'warm' && c.workers === 1 && (c.condition === 'unthrottled' || c.memory >= 1769));
  const single = singles.reduce((best, c) => (c.medianMs < best.medianMs ? c : best));
  const singleRate = items / single.medianMs;
  const efficiency = (cell: Cell): number => {
    const parallel =
      cell.condition === 'unthrottled'
        ? Math.min(cell.workers, hostCores)
        : Math.min(cell.workers, lambdaCpuShare(cell.memory, hostCores).quotaCpus, lambdaCpuShare(cell.memory, hostCores).visibleCores);
    return items / cell.medianMs / (singleRate * parallel);
  };
  const detail = [
    `single-thread rate ${(singleRate * 1000).toFixed(2)} hashes/s (fastest warm 1-worker cell: ${single.condition}, ` +
      `cost ${cost}); ${items} items, ${repetitions} warm repetitions per cell; host cores ${hostCores}`,
    "run-queue wait: of the time the environment's threads were runnable, the share they waited for a CPU (schedstat; warm only: " +
      'pool and batch threads exit before it is read); a 2-worker cell on 2 cores cannot exceed about 1 minus its wait share',
    '| condition | strategy | workers | median ms | limit ms | efficiency | thread start-up share | run-queue wait |',
    '|---|---|---:|---:|---:|---:|---:|---:|',
    ...cells.map((c) => {
      const eff = efficiency(c);
      return tableRow([
        c.condition,
        c.strategy,
        c.workers,
        c.medianMs.toFixed(0),
        (c.medianMs * eff).toFixed(0),
        eff.toFixed(3),
        percent(c.startupShare),
        c.strategy === 'warm' && c.waitShare !== null ? percent(c.waitShare) : '–',
      ]);
    }),
  ];
  if (!canThrottle) detail.push(`no quota rows: ${throttled.handle.cpuLimitDetail}`);
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
      const value = round(efficiency(cell));
      result.push(
        measured(key, value, 'ratio', goal, threshold === null ? null : value >= threshold, command, key === 'templateEfficiencyWarm2' ? detail : undefined),
      );
    }
  }
  return result;
}
