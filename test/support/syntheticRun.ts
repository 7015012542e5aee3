// Writes a small run directory (run.json + invocations.jsonl) with Lambda's shape — time falls like
// 1/memory until the CPU share covers the threads — for tests of the results view and live updates.
import { appendFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Architecture, Strategy } from '../../src/core/experimentConfig';
import type { InvocationRecord } from '../../src/core/invocationRecord';

export interface SyntheticRunOptions {
  runId: string;
  arch?: Architecture;
  strategy?: Strategy;
  memories?: number[];
  threads?: number[];
  repetitions?: number;
  status?: 'running' | 'completed';
  /** How the CPU was limited (run.json and every record), e.g. 'cgroup-v1' or 'none'; absent when not given. */
  cpuLimit?: string;
  /**
   * A sweep of your own function with several payloads, used in turn: repetition r sends
   * payloads[(r - 1) % n] (warm-ups the first), and payload i takes (i + 1) times as long.
   * run.json then names them under ownFunction.payloads, in this order.
   */
  payloads?: string[];
}

export function syntheticRecords(options: SyntheticRunOptions): InvocationRecord[] {
  const arch = options.arch ?? 'arm64';
  const strategy = options.strategy ?? 'pool';
  const records: InvocationRecord[] = [];
  let clock = Date.parse('2026-11-27T06:00:00Z');
  for (const memoryMB of options.memories ?? [512, 1024, 1769, 3538]) {
    const functionName = `lab-synthetic-${memoryMB}-${arch}`;
    // One warm-up invocation per function (its first), as the sweep engine does.
    let warmedUp = false;
    for (const threads of options.threads ?? [1, 2]) {
      const base = 2_000_000 / Math.min(memoryMB, threads * 1769);
      for (let rep = warmedUp ? 1 : 0; rep <= (options.repetitions ?? 6); rep++) {
        const warmup = rep === 0;
        warmedUp = true;
        // Deterministic ±2% wobble so the statistics have a spread.
        const payloadIndex = options.payloads ? Math.max(0, rep - 1) % options.payloads.length : 0;
        const processingMs = (payloadIndex + 1) * base * (1 + 0.02 * Math.sin(rep * 2.1 + threads + memoryMB / 97));
        const startedAt = new Date(clock).toISOString();
        clock += Math.ceil(processingMs) + 20;
        records.push({
          runId: options.runId,
          functionName,
          arch,
          memoryMB,
          threads,
          strategy,
          rep,
          warmup,
          coldStart: warmup,
          processingMs,
          durationMs: processingMs + 3,
          billedMs: Math.ceil(processingMs + 3),
          initMs: warmup ? 150 : null,
          maxMemoryMB: 80,
          cores: memoryMB > 3008 ? 3 : 2,
          cpuModel: 'synthetic',
          error: null,
          retries: 0,
          startedAt,
          endedAt: new Date(clock).toISOString(),
          ...(options.cpuLimit !== undefined ? { cpuLimit: options.cpuLimit } : {}),
          ...(options.payloads ? { payload: options.payloads[payloadIndex] } : {}),
        });
      }
    }
  }
  return records;
}

/** Creates `<workspace>/.lambda-lab/runs/<runId>/` and returns its path and the configurations written. */
export function writeSyntheticRun(workspace: string, options: SyntheticRunOptions): { runDir: string; configs: number } {
  const runDir = join(workspace, '.lambda-lab', 'runs', options.runId);
  mkdirSync(runDir, { recursive: true });
  const now = new Date().toISOString();
  writeFileSync(
    join(runDir, 'run.json'),
    JSON.stringify(
      {
        formatVersion: 1,
        runId: options.runId,
        experimentId: 'synthetic',
        region: 'us-east-1',
        plan: { items: 8 },
        status: options.status ?? 'completed',
        startedAt: now,
        updatedAt: now,
        ...(options.cpuLimit !== undefined ? { cpuLimit: options.cpuLimit } : {}),
        ...(options.payloads ? { ownFunction: { payloads: options.payloads.map((name) => ({ name, file: name, weight: 1 })) } } : {}),
      },
      null,
      2,
    ),
  );
  const records = syntheticRecords(options);
  writeFileSync(join(runDir, 'invocations.jsonl'), records.map((r) => JSON.stringify(r)).join('\n') + '\n');
  return { runDir, configs: (options.memories ?? [512, 1024, 1769, 3538]).length * (options.threads ?? [1, 2]).length };
}

/** Appends one more memory size's records, as a running sweep would. */
export function appendSyntheticConfigs(runDir: string, options: SyntheticRunOptions): number {
  const records = syntheticRecords(options);
  appendFileSync(join(runDir, 'invocations.jsonl'), records.map((r) => JSON.stringify(r)).join('\n') + '\n');
  return (options.memories ?? []).length * (options.threads ?? [1, 2]).length;
}
