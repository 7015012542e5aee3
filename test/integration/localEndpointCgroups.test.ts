// Every execution environment's cgroup goes when the environment does (idle timeout, crash, a new
// revision, the endpoint stopping), for limited and for unthrottled environments: an endpoint that
// runs for days starts thousands of environments and must not leave a folder behind for each.
import test, { after, before, describe } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import { InvokeCommand, UpdateFunctionConfigurationCommand, waitUntilFunctionUpdatedV2, type LambdaClient } from '@aws-sdk/client-lambda';
import type { LocalEndpointHandle } from '../../src/localEndpoint';
import { createActiveFunction, startTestEndpoint, zipOf } from '../support/localEndpointFixture';

const ROUNDS = 8;
const CONCURRENT = 3;

/** The limiter's cgroup folder named in the endpoint's CPU detail, or null when it made none. */
function cgroupBaseOf(handle: LocalEndpointHandle): string | null {
  return /(\/\S+\/lambda-lab-\d+-[0-9a-f]+)/.exec(handle.cpuLimitDetail)?.[1] ?? null;
}

const environmentDirs = (base: string) => (existsSync(base) ? readdirSync(base).filter((name) => name.startsWith('env-')) : []);

async function waitForNoEnvironments(base: string): Promise<string[]> {
  // Generous: environments end by themselves (idle timeout, crash), however loaded the machine is.
  const deadline = Date.now() + 60_000;
  while (environmentDirs(base).length > 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
  return environmentDirs(base);
}

for (const cpuLimit of ['none', 'auto'] as const) {
  describe(`local endpoint (cpuLimit ${cpuLimit}): environment cgroups do not leak`, () => {
    let handle: LocalEndpointHandle;
    let client: LambdaClient;
    let base: string | null = null;
    const started: string[] = [];
    before(async () => {
      const log = (line: string) => {
        if (/new execution environment pid/.test(line)) started.push(line);
      };
      ({ handle, client } = await startTestEndpoint({ cpuLimit, idleTimeoutMs: 200, log }));
      base = cgroupBaseOf(handle);
      const pause = 'await new Promise((resolve) => setTimeout(resolve, 100));';
      await createActiveFunction(client, { FunctionName: 'short', zip: zipOf({ 'index.mjs': `export const handler = async () => { ${pause} return 1; };` }) });
      await createActiveFunction(client, {
        FunctionName: 'crashes',
        zip: zipOf({ 'index.mjs': `export const handler = async () => { ${pause} process.exit(3); };` }),
      });
    });
    after(async () => {
      client?.destroy();
      await handle?.stop();
    });

    test('many environments come and go and leave no cgroup behind', async (t) => {
      if (!base) return t.skip(`the endpoint makes no cgroups here: ${handle.cpuLimitDetail}`);
      for (let round = 0; round < ROUNDS; round++) {
        const invocations = Array.from({ length: CONCURRENT }, (_, i) =>
          client.send(new InvokeCommand({ FunctionName: i === 0 ? 'crashes' : 'short', Payload: '{}' })),
        );
        const results = await Promise.all(invocations);
        assert.equal(results[0].FunctionError, 'Unhandled');
        assert.equal(results[1].FunctionError, undefined);
        if (round % 2 === 1) {
          // A new revision retires the old one's environments.
          await client.send(new UpdateFunctionConfigurationCommand({ FunctionName: 'short', Description: `round ${round}` }));
          await waitUntilFunctionUpdatedV2({ client, maxWaitTime: 60 }, { FunctionName: 'short' });
        } else {
          assert.deepEqual(await waitForNoEnvironments(base), [], 'idle and crashed environments leave no cgroup');
        }
      }
      assert.deepEqual(await waitForNoEnvironments(base), []);
      assert.ok(started.length >= ROUNDS * CONCURRENT, `${started.length} environments were started`);
      t.diagnostic(`${started.length} environments started and ended; ${base} has no env-* folder left`);
      await handle.stop();
      assert.equal(existsSync(base), false, "stopping the endpoint removes the limiter's folder");
    });
  });
}
