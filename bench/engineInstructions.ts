// The engine overhead counted in instructions instead of time: each arm (plain loop, recording
// loop, engine) runs in a process of its own under valgrind --tool=callgrind, counting only its
// measured invocations (bench/engineArmProcess.ts switches counting on after its warm-up). Counts
// do not move with the machine's load the way wall and CPU time do, so this tells where the
// engine's extra work is even on a busy machine. Opt-in (`--only engine-instructions`): valgrind
// runs node about 50 times slower, so this takes minutes.
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { createLambdaClient, resolveTarget } from '../src/aws/lambdaTarget';
import { createActiveFunction, zipOf } from '../test/support/localEndpointFixture';
import { commandFor, measured, onCleanup, round, unavailable, type BenchOptions, type Measure } from './common';
import { ENGINE_MEMORY_MB, engineFunctionNames, NO_OP_HANDLER } from './engineArms';
import type { EngineArmName } from './engineArmProcess';
import { startChildEndpoint } from './endpointProcess';

interface ArmCount {
  /** Instructions of the main thread (JavaScript, the SDK, the engine, the main thread's GC work). */
  mainThread: number;
  /** Of every thread (adds the JIT compiler's and GC helpers' work, which depends on timing). */
  allThreads: number;
  /** The main thread's, less V8 compiling functions (TurboFan, and bytecode on first call): see compilingInstructions. */
  mainThreadRunning: number;
  invocations: number;
}

/** Instructions counted in one callgrind output file ("totals:" line). */
function callgrindTotal(file: string): number {
  const match = /^totals:\s+(\d+)/m.exec(fs.readFileSync(file, 'utf8'));
  return match ? Number(match[1]) : 0;
}

/**
 * Instructions a callgrind file spent compiling (inclusive costs of V8's runtime entries for an
 * optimized compile and a lazy bytecode compile). After 1,500 warm-up calls the SDK's functions are
 * still being optimized (~0.6-1.0M instructions per invocation under --predictable, a third of the
 * main thread), at points that move from run to run; without them the arms' counts compare the code
 * each runs. 0 when callgrind_annotate is missing.
 */
function compilingInstructions(file: string): number {
  const run = spawnSync('callgrind_annotate', ['--inclusive=yes', '--threshold=100', file], { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
  if (run.status !== 0) return 0;
  let sum = 0;
  for (const entry of ['Runtime_CompileOptimized(', 'Runtime_CompileLazy(']) {
    const line = run.stdout.split('\n').find((l) => l.includes(entry));
    const match = line ? /^\s*([\d,]+)/.exec(line) : null;
    if (match) sum += Number(match[1].replace(/,/g, ''));
  }
  return sum;
}

/**
 * V8 flags of the counted processes. --predictable runs V8 on the main thread alone (no concurrent
 * compiler, no parallel GC helpers), so compiles and collections happen at the same points in every
 * run and the counts repeat; LAMBDA_LAB_BENCH_V8_FLAGS='' counts V8 as it normally runs.
 */
const v8Flags = (process.env.LAMBDA_LAB_BENCH_V8_FLAGS ?? '--predictable').split(/\s+/).filter((flag) => flag !== '');

function countArm(arm: EngineArmName, warmup: number, count: number, outDir: string, connection: string): Promise<ArmCount> {
  const out = path.join(outDir, arm);
  const args = [
    '--tool=callgrind',
    '--instr-atstart=no',
    '--separate-threads=yes',
    `--callgrind-out-file=${out}`,
    process.execPath,
    ...v8Flags,
    path.join(__dirname, 'engineArmProcess.js'),
    arm,
    String(warmup),
    String(count),
  ];
  return new Promise((resolve, reject) => {
    const child = spawn('valgrind', args, {
      env: { ...process.env, LAMBDA_LAB_CALLGRIND: '1', LAMBDA_LAB_BENCH_ENDPOINT: connection },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('exit', (code) => {
      const result = /^\{.*"invocations":(\d+)/m.exec(stdout);
      if (code !== 0 || !result) {
        reject(new Error(`valgrind ${arm} arm exited ${code}: ${stderr.trim().split('\n').slice(-3).join(' ')}`));
        return;
      }
      // One file per thread: <out>-01 is the main thread.
      const files = fs.readdirSync(outDir).filter((name) => name.startsWith(`${arm}-`));
      const main = files.find((name) => name === `${arm}-01`);
      if (!main) {
        reject(new Error(`callgrind wrote no main-thread file for the ${arm} arm`));
        return;
      }
      const mainThread = callgrindTotal(path.join(outDir, main));
      resolve({
        mainThread,
        mainThreadRunning: mainThread - compilingInstructions(path.join(outDir, main)),
        allThreads: files.reduce((sum, name) => sum + callgrindTotal(path.join(outDir, name)), 0),
        invocations: Number(result[1]),
      });
    });
  });
}

export async function measureEngineInstructions(options: BenchOptions): Promise<Measure[]> {
  const command = commandFor('engine-instructions', options.quick);
  const goal = '<= 1.02 (as engineOverheadRatio)';
  const version = spawnSync('valgrind', ['--version'], { encoding: 'utf8' });
  if (version.status !== 0) return [unavailable('engineInstructionRatio', 'ratio', goal, 'valgrind is not installed (apt-get install -y valgrind)', command)];
  const endpoint = await startChildEndpoint(20);
  const resolved = await resolveTarget({ kind: 'local' }, { localEndpoint: endpoint });
  const client = createLambdaClient(resolved);
  onCleanup(() => client.destroy());
  for (const FunctionName of engineFunctionNames)
    await createActiveFunction(client, { FunctionName, zip: zipOf({ 'index.mjs': NO_OP_HANDLER }), MemorySize: ENGINE_MEMORY_MB });
  // LAMBDA_LAB_CALLGRIND_OUT=<folder> keeps the callgrind files there (for callgrind_annotate).
  const keptOut = process.env.LAMBDA_LAB_CALLGRIND_OUT;
  const outDir = keptOut ? fs.mkdtempSync(path.join(keptOut, 'callgrind-')) : fs.mkdtempSync(path.join(os.tmpdir(), 'lambda-lab-bench-callgrind-'));
  if (!keptOut) onCleanup(() => fs.rmSync(outDir, { recursive: true, force: true }));
  const connection = JSON.stringify({
    endpoint: endpoint.endpoint,
    region: endpoint.region,
    accessKeyId: endpoint.accessKeyId,
    secretAccessKey: endpoint.secretAccessKey,
  });
  // Warm-up before counting: the SDK's and the engine's code is still being compiled for the first
  // ~1,000 calls; counted: the invocations after it (an engine sweep of count/4 - 1 repetitions).
  const warmup = options.quick ? 600 : 1500;
  const count = options.quick ? 100 : 200;
  // Two arms at a time (the counts do not depend on how the CPU is shared).
  const [engine, plain] = await Promise.all([countArm('engine', warmup, count, outDir, connection), countArm('plain', warmup, count, outDir, connection)]);
  const recording = await countArm('recording', warmup, count, outDir, connection);
  type Field = 'mainThread' | 'allThreads' | 'mainThreadRunning';
  const per = (arm: ArmCount, field: Field) => arm[field] / arm.invocations;
  const ratio = round(per(engine, 'mainThread') / per(plain, 'mainThread'));
  const k = (arm: ArmCount, field: Field) => `${(per(arm, field) / 1000).toFixed(0)}k`;
  return [
    measured('engineInstructionRatio', ratio, 'ratio', goal, ratio <= 1.02, command, [
      `instructions per invocation of the client's main thread (valgrind --tool=callgrind, each arm in its own process, ${warmup} warm-up invocations not counted, ` +
        `${count} counted): engine ${k(engine, 'mainThread')}, plain SDK loop ${k(plain, 'mainThread')}, recording loop ${k(recording, 'mainThread')}; ` +
        `engine / plain ${ratio}, engine / recording loop ${round(per(engine, 'mainThread') / per(recording, 'mainThread'))}`,
      `main thread less V8 compiling (Runtime_CompileOptimized and Runtime_CompileLazy, inclusive): engine ${k(engine, 'mainThreadRunning')}, ` +
        `plain ${k(plain, 'mainThreadRunning')}, recording loop ${k(recording, 'mainThreadRunning')}; engine / plain ` +
        `${round(per(engine, 'mainThreadRunning') / per(plain, 'mainThreadRunning'))}, engine / recording loop ${round(per(engine, 'mainThreadRunning') / per(recording, 'mainThreadRunning'))}`,
      `V8 flags: ${v8Flags.join(' ') || '(none)'} (LAMBDA_LAB_BENCH_V8_FLAGS)`,
      `all threads (adds the JIT compiler and GC helpers, which run when their thresholds are crossed): engine ${k(engine, 'allThreads')}, ` +
        `plain ${k(plain, 'allThreads')}, recording loop ${k(recording, 'allThreads')}`,
      `one arm by hand: LAMBDA_LAB_CALLGRIND=1 LAMBDA_LAB_BENCH_ENDPOINT='<endpoint JSON>' valgrind --tool=callgrind --instr-atstart=no --separate-threads=yes ` +
        `node out/bench/engineArmProcess.js <engine|plain|recording> ${warmup} ${count}; callgrind_annotate <out>-01 names the functions`,
    ]),
  ];
}
