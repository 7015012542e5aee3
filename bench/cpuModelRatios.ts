// The CPU model's shape with the real template on the endpoint (moved here from the integration tests, where
// CPU-time ratios failed on a loaded machine): one thread at 885 MB takes about twice as long as at 1,769 MB;
// at 3,538 MB two workers take half the time of one; at 1,024 MB two workers are no faster than one.
import { deployTemplate, medianProcessingMs, type TemplateEvent } from '../test/support/localEndpointCpuRuns';
import { commandFor, measured, round, unavailable, type BenchOptions, type Measure } from './common';
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
  const time = (memory: number, workers: number, count: number) =>
    medianProcessingMs(client, memory, { items: count, workers, cost, strategy: 'warm' } satisfies TemplateEvent, repetitions);
  const checks = [
    {
      name: '885 MB / 1,769 MB, 1 worker',
      items: items.half,
      model: 1769 / 885,
      measured: (await time(885, 1, items.half)) / (await time(1769, 1, items.half)),
    },
    {
      name: '3,538 MB: 2 workers / 1 worker',
      items: items.scaling,
      model: 0.5,
      measured: (await time(3538, 2, items.scaling)) / (await time(3538, 1, items.scaling)),
    },
    { name: '1,024 MB: 2 workers / 1 worker', items: items.flat, model: 1, measured: (await time(1024, 2, items.flat)) / (await time(1024, 1, items.flat)) },
  ];
  const deviations = checks.map((c) => c.measured / c.model - 1);
  const worst = round(Math.max(...deviations.map(Math.abs)));
  return [
    measured('cpuModelWorstDeviation', worst, 'ratio', goal, worst <= 0.05, command, [
      `template (warm, cost ${cost}), median of ${repetitions} warm invocations per cell`,
      ...checks.map(
        (c, i) => `${c.name} (${c.items} items): measured ${c.measured.toFixed(3)}, model ${c.model.toFixed(3)} (${(deviations[i] * 100).toFixed(1)}%)`,
      ),
    ]),
  ];
}
