// Lambda's CPU shape on the local endpoint, with the real template: what holds on a loaded machine.
// The CPU-time ratios (885 vs 1,769 MB, 2 vs 1 workers) need the whole machine, so they are measured
// by the benchmarks (npm run bench -- --only cpumodel,fidelity), which print and do not fail.
import test, { after, before, describe } from 'node:test';
import assert from 'node:assert/strict';
import type { LambdaClient } from '@aws-sdk/client-lambda';
import type { LocalEndpointHandle } from '../../src/localEndpoint';
import { startTestEndpoint } from '../support/localEndpointFixture';
import { deployTemplate, invokeTemplate, type TemplateEvent } from '../support/localEndpointCpuRuns';

const event = (workers: number): TemplateEvent => ({ items: 4, workers, cost: 6, strategy: 'pool' });

describe('CPU model on the local endpoint', () => {
  let handle: LocalEndpointHandle;
  let client: LambdaClient;
  let skipReason: string | null = null;
  before(async () => {
    ({ handle, client } = await startTestEndpoint());
    if (handle.cpuLimit === 'none') skipReason = `no CPU limit can be applied on this machine: ${handle.cpuLimitDetail}`;
    else await deployTemplate(client, [885, 3538]);
  });
  after(async () => {
    client?.destroy();
    await handle?.stop();
  });

  test('the function sees the visible-core band through CPU affinity', async (t) => {
    if (skipReason) return t.skip(skipReason);
    if (!handle.cpuAffinity) return t.skip('taskset is not available: visible cores are not limited');
    const result = await invokeTemplate(client, 885, event(1));
    assert.equal(result.availableParallelism, Math.min(2, handle.hostCores));
  });

  test('the function reports the CPU limit the endpoint applies', async (t) => {
    if (skipReason) return t.skip(skipReason);
    const result = (await invokeTemplate(client, 3538, event(2))) as unknown as { cpuLimit: string | null; memoryMB: number };
    assert.equal(result.cpuLimit, handle.cpuLimit);
    assert.equal(result.memoryMB, 3538);
  });
});
