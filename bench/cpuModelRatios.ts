// The CPU model's shape with the real template on the endpoint (moved here from the integration tests, where
// CPU-time ratios failed on a loaded machine): one thread at 885 MB takes about twice as long as at 1,769 MB;
// at 3,538 MB two workers take half the time of one; at 1,024 MB two workers are no faster than one.
import { lambdaCpuShare } from '../src/localEndpoint/lambdaCpuModel';
import { deployTemplate, invokeTemplate, type TemplateEvent } from '../test/support/localEndpointCpuRuns';
import { commandFor, measured, median, round, unavailable, type BenchOptions, type Measure } from './common';
import { findEnvironment, measureEnvironment } from './environmentCpu';
import { startBenchEndpoint } from './endpoints';

export async function measureCpuModelRatios(options: BenchOptions): Promise<Measure[]> {
  const command = commandFor('cpumodel', options.quick);
  const goal = '<= 0.05';
  const { handle, client } = await startBenchEndpoint(true);
  if (handle.cpuLimit === 'none')
    return [unavailable('cpuModelWorstDeviation', 'ratio', goal, `no CPU limit can be applied here: ${handle.cpuLimitDetail}`, command)];
  if (handle.hostCores < 2) return [unavailable('cpuModelWorstDeviation', 'ratio', goal, 'the host has a single core', command)];
  await deployTemplate(client, [885, 1024, 1769, 3538]);
  const repetitions = options.quick ? 2 : 3;
  const cost = options.quick ? 8 : 9;
  // Items per check (full run): the shorter cell of each ratio lasts about 2 s at cost 9 (~40 ms a
  // hash here), 20 CFS periods. With 12 items for every cell, 3,538 MB × 2 workers lasted ~0.25 s:
  // 2-3 periods, where the period a timed part starts and ends in moves it by up to ±20%.
  const items = options.quick ? { half: 12, scaling: 12, flat: 12 } : { half: 48, scaling: 96, flat: 48 };
  const event = (workers: number, count: number): TemplateEvent => ({ items: count, workers, cost, strategy: 'warm' });
  /** One invocation, with the CPU its environment got (threads' CPU time / wall) when that can be read. */
  const timed = async (memory: number, workers: number, count: number) => {
    const environment = findEnvironment(`cpu-${memory}`);
    const run = async () => (await invokeTemplate(client, memory, event(workers, count))).processingMs;
    if (!environment) return { ms: await run(), cpus: null };
    const { result, use } = await measureEnvironment(environment, run);
    return { ms: result, cpus: use.deliveredCpus };
  };
  // The two cells of a ratio alternate (A, B, A, B, ...) after a warm-up of each, and the ratio is
  // of the medians: timed one after the other, minutes of load drift on this shared machine went
  // into the ratio (1,769 MB needs a whole core, which a busy machine does not give; 885 MB needs half).
  const ratioOf = async (a: { memory: number; workers: number }, b: { memory: number; workers: number }, count: number) => {
    await invokeTemplate(client, a.memory, event(a.workers, count));
    await invokeTemplate(client, b.memory, event(b.workers, count));
    const samplesA: Array<{ ms: number; cpus: number | null }> = [];
    const samplesB: Array<{ ms: number; cpus: number | null }> = [];
    for (let i = 0; i < repetitions; i++) {
      samplesA.push(await timed(a.memory, a.workers, count));
      samplesB.push(await timed(b.memory, b.workers, count));
    }
    const cpusText = (samples: Array<{ cpus: number | null }>, memory: number) => {
      const values = samples.map((x) => x.cpus).filter((x): x is number => x !== null);
      return values.length ? `${median(values).toFixed(3)} of quota ${lambdaCpuShare(memory, handle.hostCores).quotaCpus.toFixed(3)} CPU` : 'n/a';
    };
    return {
      measured: median(samplesA.map((x) => x.ms)) / median(samplesB.map((x) => x.ms)),
      cpus: `CPU got ${cpusText(samplesA, a.memory)} vs ${cpusText(samplesB, b.memory)}`,
    };
  };
  const checks = [
    {
      name: '885 MB / 1,769 MB, 1 worker',
      items: items.half,
      model: 1769 / 885,
      ...(await ratioOf({ memory: 885, workers: 1 }, { memory: 1769, workers: 1 }, items.half)),
    },
    {
      name: '3,538 MB: 2 workers / 1 worker',
      items: items.scaling,
      model: 0.5,
      ...(await ratioOf({ memory: 3538, workers: 2 }, { memory: 3538, workers: 1 }, items.scaling)),
    },
    {
      name: '1,024 MB: 2 workers / 1 worker',
      items: items.flat,
      model: 1,
      ...(await ratioOf({ memory: 1024, workers: 2 }, { memory: 1024, workers: 1 }, items.flat)),
    },
  ];
  const deviations = checks.map((c) => c.measured / c.model - 1);
  const worst = round(Math.max(...deviations.map(Math.abs)));
  return [
    measured('cpuModelWorstDeviation', worst, 'ratio', goal, worst <= 0.05, command, [
      `template (warm, cost ${cost}), median of ${repetitions} warm invocations per cell, the two cells of a ratio alternating; ` +
        "CPU got: the environment's CPU time (all its threads) / wall time",
      ...checks.map(
        (c, i) =>
          `${c.name} (${c.items} items): measured ${c.measured.toFixed(3)}, model ${c.model.toFixed(3)} (${(deviations[i] * 100).toFixed(1)}%); ${c.cpus}`,
      ),
    ]),
  ];
}
