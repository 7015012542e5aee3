// A small finished run folder (run.json + invocations.jsonl) for CLI tests that need one on disk.
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';

export function writeRunFolder(dir: string, change: { withoutPlan?: boolean } = {}): string {
  mkdirSync(dir, { recursive: true });
  const meta: Record<string, unknown> = {
    formatVersion: 1,
    runId: path.basename(dir),
    experimentId: 'x',
    target: { kind: 'local' },
    region: 'us-east-1',
    plan: {
      functions: [{ functionName: 'llab-x-512-x86_64', arch: 'x86_64', memoryMB: 512 }],
      threadCounts: [1],
      strategies: ['pool'],
      repetitions: 1,
      seed: 1,
      items: 4,
      cost: 6,
      concurrency: 1,
      plannedInvocations: 2,
    },
    seed: 1,
    adaptive: null,
    maxCostUsd: null,
    templateHash: null,
    extensionVersion: '0',
    cpuLimit: 'cgroup-v1',
    startedAt: '2026-01-01T00:00:00.000Z',
    updatedAt: '2026-01-01T00:00:00.000Z',
    status: 'completed',
    statusReason: null,
    estimatedCostUsd: null,
    costSoFarUsd: 0,
    configStops: [],
  };
  if (change.withoutPlan) delete meta.plan;
  writeFileSync(path.join(dir, 'run.json'), JSON.stringify(meta));
  const record = {
    runId: path.basename(dir),
    functionName: 'llab-x-512-x86_64',
    arch: 'x86_64',
    memoryMB: 512,
    threads: 1,
    strategy: 'pool',
    rep: 1,
    warmup: false,
    coldStart: false,
    processingMs: 100,
    durationMs: 110,
    billedMs: 111,
    initMs: null,
    maxMemoryMB: 60,
    cores: 2,
    cpuModel: 'c',
    cpuLimit: 'cgroup-v1',
    error: null,
    retries: 0,
    startedAt: '2026-01-01T00:00:00.000Z',
    endedAt: '2026-01-01T00:00:01.000Z',
  };
  writeFileSync(path.join(dir, 'invocations.jsonl'), `${JSON.stringify(record)}\n`);
  return dir;
}
