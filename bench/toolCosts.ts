// What the tool itself costs: the sweep engine per invocation against a plain SDK loop, deploying
// in parallel against one at a time, the bundle and .vsix bytes, the endpoint's memory per warm
// environment, and the experiment economy measured by bench/economy.ts when that exists.
import { InvokeCommand } from '@aws-sdk/client-lambda';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as esbuild from 'esbuild';
import { BUILT_IN_ENDPOINT_ROLE_ARN } from '../src/aws/executionRole';
import { createLambdaClient, resolveTarget } from '../src/aws/lambdaTarget';
import { deployExperiment } from '../src/deploy/deployer';
import { packageFunction } from '../src/deploy/packager';
import { SDK_MAX_ATTEMPTS } from '../src/sweep/sweepEngine';
import {
  ENGINE_CONCURRENCY,
  ENGINE_MEMORY_MB,
  engineFunctionNames,
  engineInvocations,
  NO_OP_HANDLER,
  plainLoop,
  prepareEngineSweep,
  recordingLoop,
  runEngineSweep,
  type EngineArmContext,
} from './engineArms';
import { startChildEndpoint } from './endpointProcess';
import { createActiveFunction, zipOf } from '../test/support/localEndpointFixture';
import { templateDir } from '../test/support/localEndpointCpuRuns';
import { commandFor, descendantRssKiB, measured, median, onCleanup, repoRoot, round, studyData, unavailable, type BenchOptions, type Measure } from './common';
import { startBenchEndpoint } from './endpoints';

const arch = os.arch() === 'arm64' ? 'arm64' : 'x86_64';

export async function measureEngineOverhead(options: BenchOptions): Promise<Measure[]> {
  const command = commandFor('engine', options.quick);
  // The endpoint runs in a process of its own, so this process's CPU time (and a --cpu-prof of it)
  // holds only the client side: the SDK, and in the engine's arm the engine. With the endpoint in
  // this process, its HTTP server and routing took half the CPU of both arms and hid the difference.
  const endpoint = await startChildEndpoint(20);
  const resolved = await resolveTarget({ kind: 'local' }, { localEndpoint: endpoint });
  const client = createLambdaClient(resolved, { maxAttempts: SDK_MAX_ATTEMPTS });
  onCleanup(() => client.destroy());
  // One function per lane: the engine keeps at most one call in flight per function, so with
  // concurrency 4 it needs 4 functions to have 4 calls in flight, and the loops get the same.
  for (const FunctionName of engineFunctionNames)
    await createActiveFunction(client, { FunctionName, zip: zipOf({ 'index.mjs': NO_OP_HANDLER }), MemorySize: ENGINE_MEMORY_MB });
  const repetitions = options.quick ? 40 : 150;
  const runsDir = fs.mkdtempSync(path.join(os.tmpdir(), 'lambda-lab-bench-runs-'));
  onCleanup(() => fs.rmSync(runsDir, { recursive: true, force: true }));
  const context: EngineArmContext = { client, resolved, runsDir };
  interface Timing {
    ms: number;
    /** CPU ms of this process (client side only). */
    cpuMs: number;
    /** CPU ms of the endpoint's process (null off Linux). */
    endpointCpuMs: number | null;
    invocations: number;
  }
  const timed = async (run: () => Promise<number>): Promise<Timing> => {
    const cpu = process.cpuUsage();
    const endpointCpu = endpoint.cpuSeconds();
    const started = performance.now();
    const invocations = await run();
    const ms = performance.now() - started;
    const used = process.cpuUsage(cpu);
    const endpointAfter = endpoint.cpuSeconds();
    return {
      ms,
      cpuMs: (used.user + used.system) / 1000,
      endpointCpuMs: endpointCpu === null || endpointAfter === null ? null : (endpointAfter - endpointCpu) * 1000,
      invocations,
    };
  };
  const count = engineInvocations(repetitions);
  const engine = async (seed: number): Promise<Timing> => {
    // Creating the run folder is once per sweep, not per invocation: not timed.
    const prepared = await prepareEngineSweep(context, seed, repetitions);
    return timed(() => runEngineSweep(context, prepared));
  };
  const arms: Array<{ name: string; run: (round: number) => Promise<Timing>; timings: Timing[] }> = [
    { name: 'engine', run: (round) => engine(100 + round), timings: [] },
    { name: 'plain SDK loop', run: () => timed(() => plainLoop(context, count)), timings: [] },
    { name: 'recording loop', run: () => timed(() => recordingLoop(context, count)), timings: [] },
  ];
  // Warm-up, not counted: the CPU per invocation kept falling for about 3,000 calls in each arm
  // (JIT, the SDK's lazily built parts), so a short warm-up favoured whichever arm had run more.
  const warmupRounds = options.quick ? 3 : 5;
  for (let r = 0; r < warmupRounds; r++) for (const arm of arms) await arm.run(-1 - r);
  // Then many short rounds, each arm once per round in an order that cycles through all six, so
  // that each arm runs first, second and last equally often and a change of load hits all three;
  // the measure is the median of the per-round ratios (a round's ratio compares runs seconds apart).
  const orders = [
    [0, 1, 2],
    [1, 2, 0],
    [2, 0, 1],
    [0, 2, 1],
    [2, 1, 0],
    [1, 0, 2],
  ];
  const rounds = options.quick ? 6 : 24;
  const load: number[] = [];
  for (let r = 0; r < rounds; r++) {
    for (const index of orders[r % orders.length]) arms[index].timings.push(await arms[index].run(r));
    load.push(os.loadavg()[0]);
  }
  const [engineArm, plainArm, recordingArm] = arms;
  const perInvocation = (t: Timing, field: 'ms' | 'cpuMs') => t[field] / t.invocations;
  const ratiosTo = (base: typeof plainArm, field: 'ms' | 'cpuMs') =>
    engineArm.timings.map((e, i) => perInvocation(e, field) / perInvocation(base.timings[i], field));
  const ratios = ratiosTo(plainArm, 'ms');
  const ratio = round(median(ratios));
  const medianOf = (arm: typeof plainArm, field: 'ms' | 'cpuMs') => median(arm.timings.map((t) => perInvocation(t, field))).toFixed(3);
  const endpointMs = (arm: typeof plainArm) => {
    const values = arm.timings.filter((t) => t.endpointCpuMs !== null).map((t) => t.endpointCpuMs! / t.invocations);
    return values.length ? median(values).toFixed(3) : 'n/a';
  };
  const list = (values: number[]) => values.map((x) => x.toFixed(3)).join(' ');
  const quartiles = (values: number[]) => {
    const sorted = [...values].sort((a, b) => a - b);
    return `${sorted[Math.floor((sorted.length - 1) / 4)].toFixed(3)}-${sorted[Math.ceil(((sorted.length - 1) * 3) / 4)].toFixed(3)}`;
  };
  return [
    measured('engineOverheadRatio', ratio, 'ratio', '<= 1.02', ratio <= 1.02, command, [
      `no-op function x ${ENGINE_CONCURRENCY} (one per lane), concurrency ${ENGINE_CONCURRENCY} in every arm, LogType Tail as the engine asks; the endpoint in its own process; ` +
        `${count} invocations per run (the engine's pilot and warm-ups included), ${warmupRounds} warm-up rounds, ${rounds} rounds (arm order cycling), medians of per-round ratios; ` +
        `load (1 min) per round ${list(load)}`,
      `wall ms per invocation: engine ${medianOf(engineArm, 'ms')}, plain SDK loop ${medianOf(plainArm, 'ms')}, recording loop ${medianOf(recordingArm, 'ms')}; ` +
        `engine / plain per round ${list(ratios)} -> median ${ratio} (quartiles ${quartiles(ratios)})`,
      `CPU ms per invocation, client side (this process, all threads: the JIT compiler's too): engine ${medianOf(engineArm, 'cpuMs')}, plain ${medianOf(plainArm, 'cpuMs')}, ` +
        `recording loop ${medianOf(recordingArm, 'cpuMs')}; engine / plain median ${round(median(ratiosTo(plainArm, 'cpuMs')))} (quartiles ${quartiles(ratiosTo(plainArm, 'cpuMs'))})`,
      `engine / recording loop (what the engine costs beyond reading and writing each record): wall median ${round(median(ratiosTo(recordingArm, 'ms')))}, ` +
        `CPU median ${round(median(ratiosTo(recordingArm, 'cpuMs')))}`,
      `endpoint process CPU ms per invocation (the same work in every arm): engine ${endpointMs(engineArm)}, plain ${endpointMs(plainArm)}, recording loop ${endpointMs(recordingArm)}`,
    ]),
  ];
}

export async function measureDeploySpeedup(options: BenchOptions): Promise<Measure[]> {
  const command = commandFor('deploy', options.quick);
  const { handle } = await startBenchEndpoint(false);
  const resolved = await resolveTarget({ kind: 'local' }, { localEndpoint: handle });
  const client = createLambdaClient(resolved);
  onCleanup(() => client.destroy());
  const pkg = await packageFunction(templateDir);
  const sizes = [512, 768, 1024, 1280, 1536, 1769, 2048, 2560, 3008, 3538];
  const deploy = async (experimentId: string, concurrency: number): Promise<number> => {
    const started = performance.now();
    const result = await deployExperiment({
      client,
      experimentId,
      memorySizesMB: sizes,
      architectures: [arch],
      role: BUILT_IN_ENDPOINT_ROLE_ARN,
      package: pkg,
      concurrency,
    });
    if (result.failures.length > 0) throw new Error(`deploy failed: ${result.failures.map((f) => f.message).join('; ')}`);
    return performance.now() - started;
  };
  const serialMs = await deploy('benchserial', 1);
  const parallelMs = await deploy('benchparallel', sizes.length);
  const speedup = round(serialMs / parallelMs, 2);
  return [
    measured('parallelDeploySpeedup', speedup, '×', '>= 4', speedup >= 4, command, [
      `10 sizes of the template, new functions each time (the endpoint's Pending state lasts 100-300 ms at random, ` +
        `as by default): one at a time ${serialMs.toFixed(0)} ms, ten at a time ${parallelMs.toFixed(0)} ms`,
    ]),
  ];
}

export async function measureEnvironmentMemory(options: BenchOptions): Promise<Measure[]> {
  const command = commandFor('memory', options.quick);
  const { client } = await startBenchEndpoint(false);
  const before = new Set(descendantRssKiB().keys());
  const count = 4;
  for (let i = 0; i < count; i++) {
    await createActiveFunction(client, { FunctionName: `bench-mem-${i}`, zip: zipOf({ 'index.mjs': NO_OP_HANDLER }), MemorySize: 1769 });
    await client.send(new InvokeCommand({ FunctionName: `bench-mem-${i}`, Payload: '{}' }));
  }
  const noOp = [...descendantRssKiB()].filter(([pid]) => !before.has(pid)).map(([, kib]) => kib);
  const pkg = await packageFunction(templateDir);
  await createActiveFunction(client, { FunctionName: 'bench-mem-template', zip: pkg.zip, MemorySize: 3538, Timeout: 60 });
  const beforeTemplate = new Set(descendantRssKiB().keys());
  await client.send(new InvokeCommand({ FunctionName: 'bench-mem-template', Payload: JSON.stringify({ items: 4, workers: 2, cost: 6, strategy: 'warm' }) }));
  const template = [...descendantRssKiB()].filter(([pid]) => !beforeTemplate.has(pid)).map(([, kib]) => kib);
  if (noOp.length === 0) return [unavailable('endpointEnvironmentMB', 'MB', 'none', "could not read the environments' memory from /proc", command)];
  const perEnvironmentMB = noOp.reduce((a, b) => a + b, 0) / 1024 / count;
  const templateMB = template.reduce((a, b) => a + b, 0) / 1024;
  return [
    measured('endpointEnvironmentMB', round(perEnvironmentMB, 1), 'MB RSS', 'none', null, command, [
      `${count} warm no-op environments: ${noOp.length} processes, ${perEnvironmentMB.toFixed(1)} MB RSS each on average; ` +
        `one warm template environment with 2 warm threads: ${templateMB.toFixed(1)} MB`,
    ]),
  ];
}

export async function measureBundleBytes(options: BenchOptions): Promise<Measure[]> {
  const command = commandFor('bundle', options.quick);
  // The production build of dist/extension.js (esbuild.mjs --production), built in memory so dist/ is left as it is.
  const result = await esbuild.build({
    entryPoints: [path.join(repoRoot, 'src/extension.ts')],
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    minify: true,
    sourcemap: false,
    external: ['vscode', 'esbuild'],
    write: false,
    outfile: 'extension.js',
    logLevel: 'silent',
  });
  const bytes = result.outputFiles.reduce((sum, file) => sum + file.contents.length, 0);
  return [
    measured('bundleBytes', bytes, 'bytes', 'none (smaller is better)', null, command, [
      `dist/extension.js as a production (minified) build: ${(bytes / 1024).toFixed(0)} KiB`,
    ]),
  ];
}

export async function measureVsixBytes(options: BenchOptions): Promise<Measure[]> {
  const command = commandFor('vsix', options.quick);
  const pkgJson = JSON.parse(fs.readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as { scripts?: Record<string, string> };
  if (!pkgJson.scripts?.package)
    return [unavailable('vsixBytes', 'bytes', 'none', 'package.json has no "package" script on this branch (npm run package builds the .vsix)', command)];
  const started = Date.now();
  const run = spawnSync('npm', ['run', 'package'], { cwd: repoRoot, encoding: 'utf8', timeout: 300_000 });
  if (run.status !== 0)
    return [
      unavailable(
        'vsixBytes',
        'bytes',
        'none',
        `npm run package failed (exit ${run.status}): ${(run.stderr || run.stdout).trim().split('\n').slice(-3).join(' ')}`,
        command,
      ),
    ];
  const vsix = fs
    .readdirSync(repoRoot)
    .filter((name) => name.endsWith('.vsix'))
    .map((name) => ({ name, stat: fs.statSync(path.join(repoRoot, name)) }))
    .filter((f) => f.stat.mtimeMs >= started - 1000)
    .sort((a, b) => b.stat.mtimeMs - a.stat.mtimeMs)[0];
  if (!vsix) return [unavailable('vsixBytes', 'bytes', 'none', 'npm run package wrote no new .vsix in the repository root', command)];
  return [
    measured('vsixBytes', vsix.stat.size, 'bytes', 'none (smaller is better)', null, command, [`${vsix.name}: ${(vsix.stat.size / 1024).toFixed(0)} KiB`]),
  ];
}

/** Four significant digits: 0.0019 of the study, not 0.0019255455712451862. */
function roundShare(share: number | null): number | null {
  return share === null || !Number.isFinite(share) ? share : Number(share.toPrecision(4));
}

interface EconomyResult {
  [key: string]: unknown;
}

export async function measureEconomyShares(options: BenchOptions): Promise<Measure[]> {
  const command = commandFor('economy', options.quick);
  const goal = 'none (smaller is better)';
  const file = path.join(__dirname, 'economy.js');
  if (!fs.existsSync(file)) {
    const reason = 'bench/economy.ts (measureEconomy, the replay of the study) is not on this branch';
    return [
      unavailable('economyInvocationShareArm64', 'share', goal, reason, command),
      unavailable('economyInvocationShareX86', 'share', goal, reason, command),
    ];
  }
  // Loaded by path at run time: the module comes from another branch and may be absent.
  const economy = (await import(file)) as { measureEconomy?: (options?: unknown) => Promise<EconomyResult> | EconomyResult };
  if (typeof economy.measureEconomy !== 'function') {
    const reason = 'bench/economy.ts does not export measureEconomy()';
    return [
      unavailable('economyInvocationShareArm64', 'share', goal, reason, command),
      unavailable('economyInvocationShareX86', 'share', goal, reason, command),
    ];
  }
  const data = studyData(options);
  const result = await economy.measureEconomy({ quick: options.quick, studyFolder: data.dir });
  const pick = (...names: string[]): number | null => {
    for (const name of names) if (typeof result[name] === 'number') return result[name] as number;
    return null;
  };
  const arm = roundShare(pick('economyInvocationShareArm64', 'invocationShareArm64'));
  const x86 = roundShare(pick('economyInvocationShareX86', 'invocationShareX86'));
  const { rows: _rows, ...summary } = result as EconomyResult & { rows?: unknown };
  const detail = [`measureEconomy(): ${JSON.stringify(summary)}`];
  const invocations = typeof result.studyInvocations === 'number' ? result.studyInvocations : null;
  const threads = Array.isArray(result.threadCounts) ? (result.threadCounts as number[]).join(', ') : '?';
  // On a subset the share is of what the subset holds, and only its thread counts' knees are compared.
  const dataSet = data.missing
    ? `${data.description}. So the replay covers threads ${threads} only: the share is of the ${invocations?.toLocaleString('en-US') ?? '?'} invocations ` +
      `this data holds (not of the study's 93,480), and the knee table compared is that of threads ${threads}; the full data gives the measure as the goal states it`
    : data.description;
  return [
    arm === null
      ? unavailable('economyInvocationShareArm64', 'share', goal, 'measureEconomy() returned no arm64 invocation share', command)
      : { ...measured('economyInvocationShareArm64', arm, 'share', goal, null, command, detail), dataSet },
    x86 === null
      ? unavailable('economyInvocationShareX86', 'share', goal, 'measureEconomy() returned no x86_64 invocation share', command)
      : { ...measured('economyInvocationShareX86', x86, 'share', goal, null, command), dataSet },
  ];
}
