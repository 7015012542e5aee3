// An invocation does not outlive its client: when a sweep is killed or cancelled, its connection
// closes and the endpoint stops that invocation's execution environment (the process group).
import test, { after, before, describe } from 'node:test';
import assert from 'node:assert/strict';
import { InvokeCommand, type LambdaClient } from '@aws-sdk/client-lambda';
import type { LocalEndpointHandle } from '../../src/localEndpoint';
import { isProcessAlive } from '../../src/os/processLiveness';
import { clientFor, createActiveFunction, startTestEndpoint, zipOf } from '../support/localEndpointFixture';

describe('local endpoint: abandoned invocations', () => {
  let handle: LocalEndpointHandle;
  let client: LambdaClient;
  const environmentStarted: Array<(pid: number) => void> = [];
  before(async () => {
    const log = (line: string) => {
      const started = /new execution environment pid (\d+)/.exec(line);
      if (started) environmentStarted.shift()?.(Number(started[1]));
    };
    ({ handle, client } = await startTestEndpoint({ cpuLimit: 'none', log }));
    // Busy for up to 5 minutes: only the abort can end it within the test.
    const spinner = zipOf({
      'index.mjs': 'export const handler = async () => { const end = Date.now() + 300_000; while (Date.now() < end) {} return "done"; };',
    });
    await createActiveFunction(client, { FunctionName: 'spinner', zip: spinner, Timeout: 900 });
  });
  after(async () => {
    client?.destroy();
    await handle?.stop();
  });

  test("aborting the SDK call stops the invocation's execution environment", async (t) => {
    const pidKnown = new Promise<number>((resolve) => environmentStarted.push(resolve));
    const abortable = clientFor(handle, 1);
    const controller = new AbortController();
    const invocation = abortable.send(new InvokeCommand({ FunctionName: 'spinner', Payload: '{}' }), { abortSignal: controller.signal });
    const pid = await pidKnown;
    assert.ok(isProcessAlive(pid), 'the environment runs the invocation');
    const abortedAt = Date.now();
    controller.abort();
    await assert.rejects(invocation, (error: Error) => error.name === 'AbortError');
    // Generous: the process must go, however loaded the machine is.
    const deadline = Date.now() + 60_000;
    while (isProcessAlive(pid) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
    assert.equal(isProcessAlive(pid), false, `execution environment pid ${pid} is gone after the client aborted`);
    t.diagnostic(`the environment was gone ${Date.now() - abortedAt} ms after the abort`);
    abortable.destroy();
  });
});
