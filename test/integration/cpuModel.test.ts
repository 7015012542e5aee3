// Lambda's CPU shape on the local endpoint, with the real template: CPU time in proportion to
// memory, so one thread at 885 MB takes about twice as long as at 1,769 MB; a second thread pays
// off only when memory buys a second CPU. Ratios with generous bounds: the machine is shared.
import test, { after, before, describe } from 'node:test';
import assert from 'node:assert/strict';
import type { LambdaClient } from '@aws-sdk/client-lambda';
import type { LocalEndpointHandle } from '../../src/localEndpoint';
import { startTestEndpoint } from '../support/localEndpointFixture';
import { deployTemplate, invokeTemplate, medianProcessingMs, type TemplateEvent } from '../support/localEndpointCpuRuns';

const event = (workers: number): TemplateEvent => ({ items: 12, workers, cost: 8, strategy: 'pool' });
const REPETITIONS = 3;

describe('CPU model on the local endpoint', () => {
  let handle: LocalEndpointHandle;
  let client: LambdaClient;
  let skipReason: string | null = null;
  before(async () => {
    ({ handle, client } = await startTestEndpoint());
    if (handle.cpuLimit === 'none') skipReason = `no CPU limit can be applied on this machine: ${handle.cpuLimitDetail}`;
    else await deployTemplate(client, [885, 1024, 1769, 3538]);
  });
  after(async () => {
    client?.destroy();
    await handle?.stop();
  });

  test('1 worker at 885 MB takes about twice as long as at 1,769 MB', async (t) => {
    if (skipReason) return t.skip(skipReason);
    const slow = await medianProcessingMs(client, 885, event(1), REPETITIONS);
    const full = await medianProcessingMs(client, 1769, event(1), REPETITIONS);
    const ratio = slow / full;
    t.diagnostic(`885 MB: ${slow.toFixed(0)} ms, 1769 MB: ${full.toFixed(0)} ms, ratio ${ratio.toFixed(2)} (model 2.00)`);
    assert.ok(ratio > 1.4 && ratio < 3.0, `ratio ${ratio.toFixed(2)} should be near 2`);
  });

  test('at 3,538 MB two workers clearly beat one', async (t) => {
    if (skipReason) return t.skip(skipReason);
    if (handle.hostCores < 2) return t.skip('the host has a single core');
    const one = await medianProcessingMs(client, 3538, event(1), REPETITIONS);
    const two = await medianProcessingMs(client, 3538, event(2), REPETITIONS);
    t.diagnostic(`3538 MB: 1 worker ${one.toFixed(0)} ms, 2 workers ${two.toFixed(0)} ms, ratio ${(two / one).toFixed(2)} (model 0.50)`);
    assert.ok(two / one < 0.8, `2 workers took ${((two / one) * 100).toFixed(0)}% of 1 worker's time`);
  });

  test('at 1,024 MB two workers are not faster than one', async (t) => {
    if (skipReason) return t.skip(skipReason);
    const one = await medianProcessingMs(client, 1024, event(1), REPETITIONS);
    const two = await medianProcessingMs(client, 1024, event(2), REPETITIONS);
    t.diagnostic(`1024 MB: 1 worker ${one.toFixed(0)} ms, 2 workers ${two.toFixed(0)} ms, ratio ${(two / one).toFixed(2)} (model 1.00)`);
    assert.ok(two / one > 0.85, `2 workers took ${((two / one) * 100).toFixed(0)}% of 1 worker's time`);
  });

  test('the function sees the visible-core band through CPU affinity', async (t) => {
    if (skipReason) return t.skip(skipReason);
    if (!handle.cpuAffinity) return t.skip('taskset is not available: visible cores are not limited');
    const result = await invokeTemplate(client, 885, event(1));
    assert.equal(result.availableParallelism, Math.min(2, handle.hostCores));
  });
});
