// The three arms of the engine-overhead measure, shared by the in-process bench (wall and CPU time)
// and bench/engineArmProcess.ts (one arm in a process of its own, for counting its instructions):
// a plain LambdaClient.send(InvokeCommand) loop, the same loop keeping a record of each response
// (read and written as one JSON line with writeSync), and the sweep engine. All at the same
// concurrency, one no-op function per lane, on the same client.
import { InvokeCommand, type LambdaClient } from '@aws-sdk/client-lambda';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { ResolvedTarget } from '../src/aws/lambdaTarget';
import type { PlannedInvocation } from '../src/core/sweepPlan';
import { recordFromResponse, type SweepOutcome } from '../src/sweep/sweepEngine';
import { describeTargetForRun, executeSweep, prepareNewSweep } from '../src/sweep/sweepSession';

export const ENGINE_CONCURRENCY = 4;
export const ENGINE_MEMORY_MB = 1769;
export const engineFunctionNames = Array.from({ length: ENGINE_CONCURRENCY }, (_, i) => `bench-noop-${i}`);

/** Answers at once with the fields the sweep engine reads, so only the tool's own cost is timed. */
export const NO_OP_HANDLER = `export const handler = async (event) => ({ statusCode: 200, processingMs: 0, items: event?.items ?? 0, workers: event?.workers ?? 1,
  strategy: event?.strategy ?? 'pool', cost: event?.cost ?? 4, availableParallelism: 1, cpuModel: 'no-op', coldStart: false });`;

const arch = os.arch() === 'arm64' ? 'arm64' : 'x86_64';
const payload = JSON.stringify({ items: 1, workers: 1, cost: 4, strategy: 'pool' });

export interface EngineArmContext {
  client: LambdaClient;
  resolved: ResolvedTarget;
  /** Where the engine's run folders and the recording loop's file go. */
  runsDir: string;
}

/** Invocations an engine sweep of `repetitions` makes (one warm-up per function, then each function per repetition). */
export function engineInvocations(repetitions: number): number {
  return engineFunctionNames.length * (repetitions + 1);
}

export async function plainLoop(context: EngineArmContext, count: number): Promise<number> {
  let next = 0;
  await Promise.all(
    engineFunctionNames.map(async (FunctionName) => {
      while (next < count) {
        next += 1;
        await context.client.send(new InvokeCommand({ FunctionName, InvocationType: 'RequestResponse', LogType: 'Tail', Payload: payload }));
      }
    }),
  );
  return count;
}

/** The plain loop calling send exactly as the engine does: the payload as bytes, and an abort signal (shared by all calls). */
export async function plainLoopAsEngineSends(context: EngineArmContext, count: number): Promise<number> {
  const bytes = new TextEncoder().encode(payload);
  const abort = new AbortController();
  let next = 0;
  await Promise.all(
    engineFunctionNames.map(async (FunctionName) => {
      while (next < count) {
        next += 1;
        await context.client.send(new InvokeCommand({ FunctionName, InvocationType: 'RequestResponse', LogType: 'Tail', Payload: bytes }), {
          abortSignal: abort.signal,
        });
      }
    }),
  );
  return count;
}

/**
 * The plain loop keeping what any measuring loop keeps: the response read into a record (payload
 * JSON, REPORT line) and written as one JSON line before the next call. What the engine costs
 * beyond this is its own machinery (lanes, accounting, progress, cost ceiling, run.json).
 */
export async function recordingLoop(context: EngineArmContext, count: number): Promise<number> {
  const fd = fs.openSync(path.join(context.runsDir, 'recording-loop.jsonl'), 'a');
  try {
    let next = 0;
    await Promise.all(
      engineFunctionNames.map(async (functionName) => {
        while (next < count) {
          const rep = ++next;
          const startedAt = new Date().toISOString();
          const response = await context.client.send(
            new InvokeCommand({ FunctionName: functionName, InvocationType: 'RequestResponse', LogType: 'Tail', Payload: payload }),
          );
          const planned: PlannedInvocation = {
            functionName,
            arch,
            memoryMB: ENGINE_MEMORY_MB,
            threads: 1,
            strategy: 'pool',
            rep,
            warmup: false,
            key: `${functionName}|1|pool|r${rep}`,
            configKey: `${functionName}|1|pool`,
          };
          fs.writeSync(fd, `${JSON.stringify(recordFromResponse('bench', planned, response, 0, startedAt))}\n`);
        }
      }),
    );
  } finally {
    fs.closeSync(fd);
  }
  return count;
}

/** A new run folder for a sweep of `repetitions` (not timed: creating a run is once per sweep). */
export async function prepareEngineSweep(context: EngineArmContext, seed: number, repetitions: number) {
  return prepareNewSweep(
    context.client,
    {
      experimentId: 'bench',
      functions: engineFunctionNames.map((functionName) => ({ functionName, arch, memoryMB: ENGINE_MEMORY_MB })),
      threadCounts: [1],
      strategies: ['pool'],
      repetitions,
      items: 1,
      cost: 4,
      concurrency: ENGINE_CONCURRENCY,
      runsDir: context.runsDir,
      seed,
    },
    describeTargetForRun(context.resolved),
  );
}

/** Runs a prepared sweep as the CLI does (progress events and log lines computed, dropped here); the invocations it made. */
export async function runEngineSweep(context: EngineArmContext, prepared: Awaited<ReturnType<typeof prepareEngineSweep>>): Promise<number> {
  let progressEvents = 0;
  const outcome: SweepOutcome = await executeSweep(prepared, { client: context.client, onProgress: () => progressEvents++, log: () => undefined });
  if (progressEvents === 0) throw new Error('the sweep reported no progress');
  if (outcome.status !== 'completed') throw new Error(`the sweep ended ${outcome.status}: ${outcome.statusReason}`);
  return outcome.done;
}
