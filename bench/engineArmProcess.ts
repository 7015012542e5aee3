// One arm of the engine-overhead measure in a process of its own, so that a tool that counts a
// whole process's instructions (valgrind) counts that arm's client side alone:
//   node out/bench/engineArmProcess.js <plain|plain-as-engine-sends|recording|engine> <warm-up invocations> <invocations>
// with LAMBDA_LAB_BENCH_ENDPOINT={"endpoint","region","accessKeyId","secretAccessKey"} of a running
// built-in endpoint whose no-op functions exist (bench/engineInstructions.ts sets it all up).
// Prints one JSON line: the invocations made.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { createLambdaClient, resolveTarget, type LocalEndpointConnection } from '../src/aws/lambdaTarget';
import { SDK_MAX_ATTEMPTS } from '../src/sweep/sweepEngine';
import { engineFunctionNames, plainLoop, plainLoopAsEngineSends, prepareEngineSweep, recordingLoop, runEngineSweep, type EngineArmContext } from './engineArms';

export type EngineArmName = 'plain' | 'plain-as-engine-sends' | 'recording' | 'engine';

/** Prepares one run of the arm (for the engine, its run folder: once per sweep, not counted) and returns the run. */
async function prepareArm(context: EngineArmContext, arm: EngineArmName, count: number, seed: number): Promise<() => Promise<number>> {
  if (arm === 'plain') return () => plainLoop(context, count);
  if (arm === 'plain-as-engine-sends') return () => plainLoopAsEngineSends(context, count);
  if (arm === 'recording') return () => recordingLoop(context, count);
  const prepared = await prepareEngineSweep(context, seed, Math.max(1, Math.round(count / engineFunctionNames.length) - 1));
  return () => runEngineSweep(context, prepared);
}

function callgrindControl(argument: string): void {
  const run = spawnSync('callgrind_control', [argument, String(process.pid)], { encoding: 'utf8' });
  if (run.status !== 0) throw new Error(`callgrind_control ${argument} failed: ${(run.stderr || run.stdout).trim()}`);
}

async function main(): Promise<void> {
  const [arm, warmup, count] = [process.argv[2] as EngineArmName, Number(process.argv[3]), Number(process.argv[4])];
  if (!['plain', 'plain-as-engine-sends', 'recording', 'engine'].includes(arm) || !(warmup >= 0) || !(count > 0))
    throw new Error('usage: engineArmProcess.js <plain|plain-as-engine-sends|recording|engine> <warm-up invocations> <invocations>');
  const connection = JSON.parse(process.env.LAMBDA_LAB_BENCH_ENDPOINT ?? 'null') as LocalEndpointConnection | null;
  if (!connection) throw new Error('LAMBDA_LAB_BENCH_ENDPOINT is not set (the JSON connection of a running built-in endpoint)');
  const resolved = await resolveTarget({ kind: 'local' }, { localEndpoint: connection });
  const client = createLambdaClient(resolved, { maxAttempts: SDK_MAX_ATTEMPTS });
  const runsDir = fs.mkdtempSync(path.join(os.tmpdir(), 'lambda-lab-bench-arm-'));
  try {
    const context: EngineArmContext = { client, resolved, runsDir };
    if (warmup > 0) await (await prepareArm(context, arm, warmup, 1))();
    const run = await prepareArm(context, arm, count, 2);
    // Under valgrind --tool=callgrind --instr-atstart=no: count the measured invocations only
    // (callgrind_control reaches this process through vgdb while it waits in spawnSync).
    const counting = process.env.LAMBDA_LAB_CALLGRIND === '1';
    if (counting) callgrindControl('--instr=on');
    const made = await run();
    if (counting) callgrindControl('--instr=off');
    process.stdout.write(`${JSON.stringify({ arm, warmup, invocations: made })}\n`);
  } finally {
    client.destroy();
    fs.rmSync(runsDir, { recursive: true, force: true });
  }
}

if (require.main === module) {
  main().catch((error: unknown) => {
    process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  });
}
