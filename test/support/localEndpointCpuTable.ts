// Prints the issue-3 table: the template (pool, cost 10, 20 items) on the local endpoint,
// median processing time for memory x workers next to the model t1 / min(workers, memory/1769, cores).
// Run: npx tsc -p . && node out/test/support/localEndpointCpuTable.js [repetitions]
import { lambdaCpuShare } from '../../src/localEndpoint/lambdaCpuModel';
import { startTestEndpoint } from './localEndpointFixture';
import { deployTemplate, medianProcessingMs } from './localEndpointCpuRuns';

const MEMORY = [512, 885, 1769, 3538];
const WORKERS = [1, 2, 4];

async function main(): Promise<void> {
  const repetitions = Number(process.argv[2] ?? 5);
  const { handle, client } = await startTestEndpoint();
  const stop = async () => {
    client.destroy();
    await handle.stop();
  };
  process.once('SIGINT', () => void stop().then(() => process.exit(130)));
  try {
    process.stderr.write(`CPU limit: ${handle.cpuLimit} (${handle.cpuLimitDetail}); affinity: ${handle.cpuAffinity}; host cores: ${handle.hostCores}\n`);
    await deployTemplate(client, MEMORY);
    const measured = new Map<string, number>();
    for (const memory of MEMORY) {
      for (const workers of WORKERS) {
        const ms = await medianProcessingMs(client, memory, { items: 20, workers, cost: 10, strategy: 'pool' }, repetitions);
        measured.set(`${memory}/${workers}`, ms);
        process.stderr.write(`${memory} MB, ${workers} workers: ${ms.toFixed(0)} ms\n`);
      }
    }
    const t1 = measured.get('1769/1')!;
    const rows = ['| memory MB | workers | median ms | model ms | measured/model |', '|---:|---:|---:|---:|---:|'];
    for (const memory of MEMORY) {
      const share = lambdaCpuShare(memory, handle.hostCores);
      for (const workers of WORKERS) {
        const model = t1 / Math.min(workers, memory / 1769, share.visibleCores);
        const ms = measured.get(`${memory}/${workers}`)!;
        rows.push(`| ${memory} | ${workers} | ${ms.toFixed(0)} | ${model.toFixed(0)} | ${(ms / model).toFixed(2)} |`);
      }
    }
    process.stdout.write(
      `t1 = median at 1769 MB, 1 worker = ${t1.toFixed(0)} ms; cores = min(visible band, host ${handle.hostCores}); ${repetitions} warm repetitions per cell\n`,
    );
    process.stdout.write(`${rows.join('\n')}\n`);
  } finally {
    await stop();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exitCode = 1;
});
