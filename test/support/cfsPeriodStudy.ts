// Measures whether the CFS period changes run-to-run noise on the local endpoint: starts one
// endpoint per period, deploys the real template to each, and invokes every configuration warm,
// interleaving the periods invocation by invocation so load from other processes hits all alike.
// Run: npx tsc -p . && node out/test/support/cfsPeriodStudy.js [--rounds 40] [--periods 100000,20000,10000,none]
// (`none`: an endpoint with no CPU limit, the host's own noise floor.)
// Result on the 2-core dev VM (Nov 2026, 40 rounds, 8 items cost 7): shorter periods did not cut
// noise below the unthrottled floor (~6-8% CV) and slowed throttled cells by 10-40%, so the
// default stays at 100 ms. Only 1769 MB with 2 threads (quota 1 CPU burned in half a period) got
// steadier (CV ~21% -> ~9%), at +22-43% mean time.
import type { LambdaClient } from '@aws-sdk/client-lambda';
import * as os from 'node:os';
import { parseArgs } from 'node:util';
import type { LocalEndpointHandle } from '../../src/localEndpoint';
import { startTestEndpoint } from './localEndpointFixture';
import { deployTemplate, invokeTemplate, median, type TemplateEvent } from './localEndpointCpuRuns';

const CONFIGS: ReadonlyArray<{ memory: number; workers: number }> = [
  { memory: 512, workers: 1 },
  { memory: 1769, workers: 1 },
  { memory: 1769, workers: 2 },
  { memory: 3538, workers: 2 },
];
const WARMUP_INVOCATIONS = 2;

interface Arm {
  /** 0: unthrottled. */
  periodUs: number;
  handle: LocalEndpointHandle;
  client: LambdaClient;
}

function stats(values: number[]): { mean: number; stdev: number; cv: number; median: number; min: number; max: number } {
  const mean = values.reduce((sum, v) => sum + v, 0) / values.length;
  const stdev = Math.sqrt(values.reduce((sum, v) => sum + (v - mean) ** 2, 0) / Math.max(1, values.length - 1));
  return { mean, stdev, cv: stdev / mean, median: median(values), min: Math.min(...values), max: Math.max(...values) };
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      rounds: { type: 'string', default: '40' },
      periods: { type: 'string', default: '100000,20000,10000' },
      items: { type: 'string', default: '8' },
      cost: { type: 'string', default: '7' },
    },
  });
  const rounds = Number(values.rounds);
  const periods = values.periods.split(',').map((p) => (p === 'none' ? 0 : Number(p)));
  const eventFor = (workers: number): TemplateEvent => ({ items: Number(values.items), workers, cost: Number(values.cost), strategy: 'pool' });

  const arms: Arm[] = [];
  const stopAll = async () => {
    for (const arm of arms.splice(0)) {
      arm.client.destroy();
      await arm.handle.stop().catch((error: unknown) => console.error(`stop failed: ${String(error)}`));
    }
  };
  const onSignal = (signal: NodeJS.Signals) => {
    void stopAll().finally(() => process.exit(signal === 'SIGINT' ? 130 : 143));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    for (const periodUs of periods) {
      const { handle, client } = await startTestEndpoint(periodUs ? { cfsPeriodUs: periodUs } : { cpuLimit: 'none' });
      arms.push({ periodUs, handle, client });
      if (periodUs && handle.cpuLimit === 'none') throw new Error(`no CPU limit on this machine: ${handle.cpuLimitDetail}`);
      await deployTemplate(client, [...new Set(CONFIGS.map((c) => c.memory))]);
    }
    console.log(
      `limit: ${arms[0].handle.cpuLimitDetail}; host cores ${arms[0].handle.hostCores}; load at start ${os
        .loadavg()
        .map((l) => l.toFixed(2))
        .join(' ')}`,
    );
    for (const arm of arms)
      for (const config of CONFIGS) for (let i = 0; i < WARMUP_INVOCATIONS; i++) await invokeTemplate(arm.client, config.memory, eventFor(config.workers));

    const samples = new Map<string, number[]>();
    const key = (periodUs: number, memory: number, workers: number) => `${periodUs}/${memory}/${workers}`;
    for (let round = 0; round < rounds; round++) {
      for (const config of CONFIGS) {
        // Rotate which period goes first so none is always right after another's burst.
        for (let j = 0; j < arms.length; j++) {
          const arm = arms[(round + j) % arms.length];
          const result = await invokeTemplate(arm.client, config.memory, eventFor(config.workers));
          const k = key(arm.periodUs, config.memory, config.workers);
          samples.set(k, [...(samples.get(k) ?? []), result.processingMs]);
        }
      }
    }
    console.log(
      `load at end ${os
        .loadavg()
        .map((l) => l.toFixed(2))
        .join(' ')}; ${rounds} warm invocations per cell, items ${values.items}, cost ${values.cost}, pool`,
    );
    console.log(`| memory MB | threads | period µs | mean ms | stdev ms | CV % | median ms | min | max | mean vs ${periods[0] || 'unthrottled'} |`);
    console.log('|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
    for (const config of CONFIGS) {
      const base = samples.get(key(periods[0], config.memory, config.workers));
      for (const periodUs of periods) {
        const s = stats(samples.get(key(periodUs, config.memory, config.workers)) ?? []);
        const rel = base ? `${((s.mean / stats(base).mean - 1) * 100).toFixed(1)}%` : '';
        console.log(
          `| ${config.memory} | ${config.workers} | ${periodUs || 'unthrottled'} | ${s.mean.toFixed(1)} | ${s.stdev.toFixed(1)} | ${(s.cv * 100).toFixed(1)} | ${s.median.toFixed(1)} | ${s.min.toFixed(0)} | ${s.max.toFixed(0)} | ${rel} |`,
        );
      }
    }
    if (process.env.CFS_STUDY_RAW) console.log(JSON.stringify(Object.fromEntries(samples)));
    return 0;
  } finally {
    await stopAll();
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error instanceof Error ? error.stack : String(error));
    process.exit(1);
  },
);
