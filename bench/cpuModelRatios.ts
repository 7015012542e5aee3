// The CPU model's shape with the real template on the endpoint (moved here from the integration tests, where
// CPU-time ratios failed on a loaded machine): one thread at 885 MB takes about twice as long as at 1,769 MB;
// at 3,538 MB two workers take half the time of one; at 1,024 MB two workers are no faster than one.
import { InvokeCommand } from '@aws-sdk/client-lambda';
import { lambdaCpuShare } from '../src/localEndpoint/lambdaCpuModel';
import { createActiveFunction, decodePayload } from '../test/support/localEndpointFixture';
import { deployTemplate, invokeTemplate, type TemplateEvent } from '../test/support/localEndpointCpuRuns';
import { commandFor, measured, median, round, unavailable, type BenchOptions, type Measure } from './common';
import { findEnvironment, measureEnvironment, type EnvironmentCpuUse } from './environmentCpu';
import { startBenchEndpoint } from './endpoints';
import { calibrateIterations, probeZip } from './probeFunction';

export async function measureCpuModelRatios(options: BenchOptions): Promise<Measure[]> {
  return [...(await measureRatios(options)), ...(await measureTwoThreadWork(options))];
}

async function measureRatios(options: BenchOptions): Promise<Measure[]> {
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

/**
 * The diagnostic for the 2-worker misses: work per CPU ms of the work threads with 2 threads over 1, for
 * the pure-CPU probe (an integer multiply chain: no memory traffic, no allocation) and for the template's
 * bcrypt (warm threads), both unthrottled (an endpoint without quotas, environments at the limited ones'
 * CPU weight) at 3,538 MB, interleaved in rounds (1 then 2 threads, then 2 then 1). Each thread does the
 * same work in both cells, so a cell lasts as long as the other on 2 free cores. 1.0: a second thread
 * costs its twin nothing; below 1: two threads do less per CPU ms (hardware shared between the vCPUs,
 * or the runtime); the probe separates the two, as it shares nothing but the cores.
 */
async function measureTwoThreadWork(options: BenchOptions): Promise<Measure[]> {
  const command = commandFor('cpumodel', options.quick);
  const keys = ['twoThreadWorkPerCpuMsProbe', 'twoThreadWorkPerCpuMsTemplate'];
  const setupStarted = Date.now();
  const { handle, client } = await startBenchEndpoint(false);
  if (handle.hostCores < 2) return keys.map((key) => unavailable(key, 'ratio', 'none', 'the host has a single core', command));
  const memory = 3538;
  await createActiveFunction(client, { FunctionName: 'twothread-probe', zip: probeZip(), MemorySize: memory, Timeout: 300 });
  // One function per thread count, so each environment keeps its warm threads (no resize between cells).
  await deployTemplate(client, [memory], 'twothread-one');
  await deployTemplate(client, [memory], 'twothread-two');
  const rounds = options.quick ? 3 : 6;
  const secondsPerThread = options.quick ? 0.3 : 1;
  const iterationsPerThread = await calibrateIterations(secondsPerThread * 1000);
  // bcrypt at cost 9: ~40 ms a hash on this VM.
  const hashesPerThread = Math.max(2, Math.round(secondsPerThread / 0.04));
  type Kind = 'probe' | 'template';
  const invoke = async (kind: Kind, workers: number) => {
    if (kind === 'probe') {
      const payload = JSON.stringify({ workers, iterations: iterationsPerThread * workers });
      const response = await client.send(new InvokeCommand({ FunctionName: 'twothread-probe', Payload: payload }));
      if (response.FunctionError) throw new Error(`the probe failed: ${JSON.stringify(decodePayload(response.Payload))}`);
    } else {
      await invokeTemplate(
        client,
        memory,
        { items: hashesPerThread * workers, workers, cost: 9, strategy: 'warm' },
        workers === 1 ? 'twothread-one' : 'twothread-two',
      );
    }
  };
  const functionFor = (kind: Kind, workers: number) => (kind === 'probe' ? 'twothread-probe' : `twothread-${workers === 1 ? 'one' : 'two'}-${memory}`);
  for (const kind of ['probe', 'template'] as const) for (const workers of [1, 2]) await invoke(kind, workers); // environments, threads, JIT
  const samples = new Map<string, Array<{ perCpuMs: number; use: EnvironmentCpuUse }>>();
  const sample = async (kind: Kind, workers: number, key: string, run: () => Promise<unknown>): Promise<boolean> => {
    const environment = findEnvironment(functionFor(kind, workers), 'none');
    if (!environment) return false;
    const { use } = await measureEnvironment(environment, run);
    const work = (kind === 'probe' ? iterationsPerThread : hashesPerThread) * workers;
    samples.set(key, [...(samples.get(key) ?? []), { perCpuMs: work / use.workThreadsMs, use }]);
    return true;
  };
  // A third template cell: 1 thread while the probe spins in another environment on the other core.
  // If that one slows bcrypt as much as a second bcrypt thread does, the cause is the other core being
  // busy at all (hardware shared below the two vCPUs), not two bcrypt threads or Node's runtime.
  const withSpinningNeighbour = async () => {
    const spin = client.send(
      new InvokeCommand({ FunctionName: 'twothread-probe', Payload: JSON.stringify({ workers: 1, iterations: Math.round(iterationsPerThread * 1.5) }) }),
    );
    await invoke('template', 1);
    await spin;
  };
  const started = Date.now();
  for (let r = 0; r < rounds; r++) {
    for (const kind of ['probe', 'template'] as const) {
      for (const workers of r % 2 ? [2, 1] : [1, 2]) {
        if (!(await sample(kind, workers, `${kind}/${workers}`, () => invoke(kind, workers))))
          return keys.map((key) => unavailable(key, 'ratio', 'none', `no cgroup to read the environment's threads from: ${handle.cpuLimitDetail}`, command));
      }
    }
    await sample('template', 1, 'template/1+probe', withSpinningNeighbour);
  }
  const seconds = (Date.now() - started) / 1000;
  const describe = (kind: Kind) => {
    const one = samples.get(`${kind}/1`)!;
    const two = samples.get(`${kind}/2`)!;
    // Paired by round, so the machine's speed of the moment weighs on both cells alike.
    const ratios = one.map((x, i) => two[i].perCpuMs / x.perCpuMs);
    const cell = (list: typeof one) => {
      const m = (f: (u: EnvironmentCpuUse) => number) => median(list.map((x) => f(x.use)));
      return `CPU ${m((u) => u.deliveredCpus).toFixed(3)} (other threads ${m((u) => (u.cpuMs - u.workThreadsMs) / u.wallMs).toFixed(3)}), run-queue wait ${(m((u) => u.waitMs / (u.waitMs + u.cpuMs)) * 100).toFixed(1)}%`;
    };
    return {
      ratio: round(median(ratios)),
      line: `${kind}: 2 threads / 1 thread, work per work-thread CPU ms ${median(ratios).toFixed(3)} (rounds ${Math.min(...ratios).toFixed(3)}–${Math.max(...ratios).toFixed(3)}); 1 thread: ${cell(one)}; 2 threads: ${cell(two)}`,
    };
  };
  const probe = describe('probe');
  const template = describe('template');
  const alone = samples.get('template/1')!;
  const neighboured = alone.map((x, i) => samples.get('template/1+probe')![i].perCpuMs / x.perCpuMs);
  const neighbourLine =
    `template, 1 thread with the probe spinning on the other core / alone: work per work-thread CPU ms ${median(neighboured).toFixed(3)} ` +
    `(rounds ${Math.min(...neighboured).toFixed(3)}–${Math.max(...neighboured).toFixed(3)}); if it is as far from 1 as the 2-thread ratio, what slows a thread is the other core being busy at all, not a second bcrypt thread or Node's runtime`;
  const header =
    `diagnostic for the 2-worker ratios: unthrottled at ${memory} MB (${handle.cpuLimitDetail.replace(/^unthrottled: /, '')}), ` +
    `${rounds} interleaved rounds (${seconds.toFixed(1)} s; ${((Date.now() - setupStarted) / 1000).toFixed(1)} s with the endpoint's start, deploys and warm-up), ~${secondsPerThread} s of work per thread (probe ${iterationsPerThread.toLocaleString('en-US')} iterations, template ${hashesPerThread} hashes at cost 9, warm); ` +
    '1.000 = a second thread costs its twin nothing';
  return [
    measured('twoThreadWorkPerCpuMsProbe', probe.ratio, 'ratio', 'none (diagnostic)', null, command, [header, probe.line]),
    measured('twoThreadWorkPerCpuMsTemplate', template.ratio, 'ratio', 'none (diagnostic)', null, command, [template.line, neighbourLine]),
  ];
}
