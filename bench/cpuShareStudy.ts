// A diagnostic, not a measure of `npm run bench`: what each cell of the fidelity and CPU-model
// benchmarks actually gets from the kernel. For the pure-CPU probe and the template at chosen
// sizes and worker counts, in interleaved rounds, it prints the quota beside the delivered CPU
// (CPU time of the environment's threads / wall time of the invocation), how much of it the work
// threads got, throttled periods and the host's steal.
//   [LAMBDA_LAB_CFS_PERIOD_US=100000] flock /tmp/lab-heavy.lock node out/bench/cpuShareStudy.js [rounds] [secondsPerCell] [cv]
// `cv` times the noise-floor cells instead and splits each cell's spread into the spread of the
// CPU it got and of the work it did per CPU ms.
import { InvokeCommand } from '@aws-sdk/client-lambda';
import * as os from 'node:os';
import { lambdaCpuShare } from '../src/localEndpoint/lambdaCpuModel';
import { createActiveFunction, decodePayload, startTestEndpoint } from '../test/support/localEndpointFixture';
import { deployTemplate, invokeTemplate } from '../test/support/localEndpointCpuRuns';
import { cleanupAll, cv, median, onCleanup, tableRow } from './common';
import { findEnvironment, measureEnvironment, type EnvironmentCpuUse } from './environmentCpu';
import { calibrateIterations, probeZip } from './probeFunction';

interface Cell {
  kind: 'probe' | 'template';
  memory: number;
  workers: number;
}

const PROBE_SIZES = [512, 885, 1024, 1769, 1792, 2816, 3538];
const FIDELITY_CELLS: Cell[] = [
  { kind: 'probe', memory: 512, workers: 1 },
  { kind: 'probe', memory: 512, workers: 2 },
  { kind: 'probe', memory: 885, workers: 1 },
  { kind: 'probe', memory: 1024, workers: 1 },
  { kind: 'probe', memory: 1024, workers: 2 },
  { kind: 'probe', memory: 1769, workers: 1 },
  { kind: 'probe', memory: 1792, workers: 1 },
  { kind: 'probe', memory: 2816, workers: 1 },
  { kind: 'probe', memory: 2816, workers: 2 },
  { kind: 'probe', memory: 3538, workers: 2 },
  { kind: 'template', memory: 885, workers: 1 },
  { kind: 'template', memory: 1769, workers: 1 },
  { kind: 'template', memory: 1024, workers: 1 },
  { kind: 'template', memory: 1024, workers: 2 },
  { kind: 'template', memory: 3538, workers: 1 },
  { kind: 'template', memory: 3538, workers: 2 },
];
// The noise-floor cells (`--only cv`): template, warm, ~1 s of work.
const CV_CELLS: Cell[] = [
  { kind: 'template', memory: 1769, workers: 1 },
  { kind: 'template', memory: 1769, workers: 2 },
  { kind: 'template', memory: 3538, workers: 2 },
  { kind: 'probe', memory: 1792, workers: 1 },
  { kind: 'probe', memory: 1769, workers: 2 },
  { kind: 'probe', memory: 3538, workers: 2 },
  { kind: 'probe', memory: 885, workers: 1 },
  { kind: 'probe', memory: 512, workers: 1 },
];
const CELLS = process.argv[4] === 'cv' ? CV_CELLS : FIDELITY_CELLS;

async function main(): Promise<void> {
  const rounds = Number(process.argv[2] ?? 3);
  const secondsPerCell = Number(process.argv[3] ?? 2);
  const periodUs = Number(process.env.LAMBDA_LAB_CFS_PERIOD_US ?? 100_000);
  const { handle, client } = await startTestEndpoint({ cfsPeriodUs: periodUs });
  onCleanup(async () => {
    client.destroy();
    await handle.stop();
  });
  const hostCores = handle.hostCores;
  process.stdout.write(
    `load ${os
      .loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}; ${handle.cpuLimit}, CFS period ${periodUs} µs; ${rounds} rounds, ~${secondsPerCell} s a cell\n`,
  );
  for (const memory of PROBE_SIZES) await createActiveFunction(client, { FunctionName: `probe-${memory}`, zip: probeZip(), MemorySize: memory, Timeout: 300 });
  await deployTemplate(client, [...new Set([...FIDELITY_CELLS, ...CV_CELLS].filter((c) => c.kind === 'template').map((c) => c.memory))]);
  // Work for about `secondsPerCell` in every cell at the model's speed: iterations per second of one
  // free thread (calibrated here), hashes per second at cost 9 (~40 ms each on this host).
  // Calibrated through the probe at 1,792 MB (its own cgroup, a whole core), not in this process,
  // which a loaded machine gives a fraction of a core.
  const guess = await calibrateIterations(250);
  const probeMs = async (memory: number, workers: number, iterations: number) => {
    const response = await client.send(new InvokeCommand({ FunctionName: `probe-${memory}`, Payload: JSON.stringify({ workers, iterations }) }));
    return (decodePayload(response.Payload) as { processingMs: number }).processingMs;
  };
  await probeMs(1792, 1, guess);
  const trials = [await probeMs(1792, 1, guess), await probeMs(1792, 1, guess), await probeMs(1792, 1, guess)];
  const iterationsPerSecond = (guess * 1000) / median(trials);
  const modelCpus = (c: Cell) => {
    const share = lambdaCpuShare(c.memory, hostCores);
    return Math.min(c.workers, share.quotaCpus, share.visibleCores);
  };
  const uses = new Map<string, Array<{ processingMs: number; work: number; use: EnvironmentCpuUse }>>();
  const key = (c: Cell) => `${c.kind} ${c.memory}/${c.workers}`;
  /** Units of work of a cell (loop iterations, or hashes), so work per CPU-ms can be compared. */
  const workOf = (c: Cell) => {
    const seconds = secondsPerCell * modelCpus(c);
    return c.kind === 'probe' ? Math.round(iterationsPerSecond * seconds) : Math.max(c.workers, Math.round(seconds / 0.045));
  };
  const invoke = async (c: Cell) => {
    if (c.kind === 'probe') return probeMs(c.memory, c.workers, workOf(c));
    return (await invokeTemplate(client, c.memory, { items: workOf(c), workers: c.workers, cost: 9, strategy: 'warm' })).processingMs;
  };
  for (const c of CELLS) await invoke(c); // warm: environment, threads, JIT
  for (let round = 0; round < rounds; round++) {
    for (const c of CELLS) {
      const env = findEnvironment(c.kind === 'probe' ? `probe-${c.memory}` : `cpu-${c.memory}`);
      if (!env) throw new Error(`no environment found for ${key(c)}`);
      const { result, use } = await measureEnvironment(env, () => invoke(c));
      uses.set(key(c), [...(uses.get(key(c)) ?? []), { processingMs: result, work: workOf(c), use }]);
    }
    process.stdout.write(`round ${round + 1} done, load ${os.loadavg()[0].toFixed(2)}\n`);
  }
  const rows = [
    '| cell | CV processing | CV delivered CPUs | CV work per CPU ms | work per work-thread CPU ms (vs 1,792/1 probe, 1,769/1 template) | quota CPUs | model CPUs for the work | processing ms (median) | delivered CPUs (all threads) | work threads CPUs | other threads CPUs | delivered / quota | throttled periods | throttled ms/period | steal |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
  ];
  for (const c of CELLS) {
    const list = uses.get(key(c))!;
    const m = (f: (u: EnvironmentCpuUse) => number) => median(list.map((x) => f(x.use)));
    const efficiency = (cell: Cell) => median(uses.get(key(cell))!.map((x) => x.work / x.use.workThreadsMs));
    const reference: Cell = c.kind === 'probe' ? { kind: 'probe', memory: 1792, workers: 1 } : { kind: 'template', memory: 1769, workers: 1 };
    rows.push(
      tableRow([
        key(c),
        `${(cv(list.map((x) => x.processingMs)) * 100).toFixed(1)}%`,
        `${(cv(list.map((x) => x.use.deliveredCpus)) * 100).toFixed(1)}%`,
        `${(cv(list.map((x) => x.work / x.use.cpuMs)) * 100).toFixed(1)}%`,
        (efficiency(c) / efficiency(reference)).toFixed(3),
        list[0].use.quotaCpus.toFixed(3),
        modelCpus(c).toFixed(3),
        median(list.map((x) => x.processingMs)).toFixed(0),
        m((u) => u.deliveredCpus).toFixed(3),
        m((u) => u.workThreadsMs / u.wallMs).toFixed(3),
        m((u) => (u.cpuMs - u.workThreadsMs) / u.wallMs).toFixed(3),
        m((u) => u.deliveredCpus / Math.min(u.quotaCpus, hostCores)).toFixed(3),
        `${m((u) => u.throttledPeriods)}/${m((u) => u.periods)} (wall/period ${m((u) => u.wallMs / Math.max(1, u.periods)).toFixed(1)} ms)`,
        m((u) => u.throttledMs / Math.max(1, u.throttledPeriods)).toFixed(1),
        `${(m((u) => u.stealShare) * 100).toFixed(1)}%`,
      ]),
    );
  }
  process.stdout.write(
    `${rows.join('\n')}\nload at end ${os
      .loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}\n`,
  );
}

main()
  .catch((error: unknown) => {
    process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exitCode = 1;
  })
  .finally(() => cleanupAll());
