// The built-in endpoint as the benchmarks use it: started in this process, stopped on every exit path.
import type { LambdaClient } from '@aws-sdk/client-lambda';
import type { LocalEndpointHandle } from '../src/localEndpoint';
import { startTestEndpoint } from '../test/support/localEndpointFixture';
import { onCleanup, setCpuLimitMethod } from './common';

export interface BenchEndpoint {
  handle: LocalEndpointHandle;
  client: LambdaClient;
}

/** `throttled`: CPU limited like Lambda (if this machine can); otherwise no limit at all. */
export async function startBenchEndpoint(throttled: boolean, stateTransitionMs?: number): Promise<BenchEndpoint> {
  const { handle, client } = await startTestEndpoint({
    ...(throttled ? {} : { cpuLimit: 'none' }),
    ...(stateTransitionMs !== undefined ? { stateTransitionMs } : {}),
  });
  onCleanup(async () => {
    client.destroy();
    await handle.stop();
  });
  if (throttled)
    setCpuLimitMethod(handle.cpuLimit === 'none' ? `none (${handle.cpuLimitDetail})` : `${handle.cpuLimit}${handle.cpuAffinity ? ' + taskset' : ''}`);
  return { handle, client };
}
