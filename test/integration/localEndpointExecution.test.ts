// Execution through the real SDK: cold and warm starts, errors, crashes, timeouts, concurrency,
// environment retirement on update, measured memory, fault injection seen by SDK retries.
import test, { after, before, describe } from 'node:test';
import assert from 'node:assert/strict';
import {
  GetFunctionCommand,
  InvokeCommand,
  LambdaClient,
  UpdateFunctionConfigurationCommand,
  waitUntilFunctionUpdatedV2,
  CreateFunctionCommand,
} from '@aws-sdk/client-lambda';
import { findReportLine } from '../../src/core/reportLine';
import type { LocalEndpointHandle } from '../../src/localEndpoint';
import { clientFor, createActiveFunction, decodeLog, decodePayload, startTestEndpoint, TEST_ROLE_ARN, zipOf } from '../support/localEndpointFixture';

const probeHandler = zipOf({
  'index.mjs': `
let invocations = 0;
const loadedAt = Date.now();
export const handler = async (event, context) => {
  invocations++;
  if (event && event.sleepMs) await new Promise((r) => setTimeout(r, event.sleepMs));
  if (event && event.allocateMB) { globalThis.keep = Buffer.alloc(event.allocateMB * 1024 * 1024, 1); }
  if (event && event.print) console.log(event.print);
  if (event && event.throwMessage) throw new TypeError(event.throwMessage);
  if (event && event.exitCode !== undefined) process.exit(event.exitCode);
  if (event && event.hang) await new Promise(() => {});
  return {
    pid: process.pid,
    invocations,
    env: process.env,
    cwd: process.cwd(),
    remaining: context.getRemainingTimeInMillis(),
    requestId: context.awsRequestId,
    memoryLimitInMB: context.memoryLimitInMB,
  };
};
`,
});

interface ProbeResult {
  pid: number;
  invocations: number;
  env: Record<string, string>;
  cwd: string;
  remaining: number;
  requestId: string;
  memoryLimitInMB: string;
}

describe('local endpoint execution', () => {
  let handle: LocalEndpointHandle;
  let client: LambdaClient;
  before(async () => {
    ({ handle, client } = await startTestEndpoint({ cpuLimit: 'none' }));
    await createActiveFunction(client, {
      FunctionName: 'probe',
      zip: probeHandler,
      MemorySize: 512,
      Timeout: 2,
      Environment: { Variables: { USER_SETTING: 'on' } },
    });
  });
  after(async () => {
    client?.destroy();
    await handle?.stop();
  });

  const invoke = async (payload: unknown, name = 'probe') => {
    const response = await client.send(new InvokeCommand({ FunctionName: name, LogType: 'Tail', Payload: JSON.stringify(payload) }));
    const log = decodeLog(response.LogResult);
    return { response, log, report: findReportLine(log), body: decodePayload(response.Payload) };
  };

  test('cold then warm: Init Duration only on the first invoke of an environment; Lambda variables set, no endpoint credentials', async () => {
    const cold = await invoke({});
    assert.equal(cold.response.StatusCode, 200);
    assert.equal(cold.response.FunctionError, undefined);
    assert.equal(cold.response.ExecutedVersion, '$LATEST');
    assert.ok(cold.report, `REPORT line in log tail:\n${cold.log}`);
    assert.equal(cold.report.coldStart, true);
    assert.ok(cold.report.initDurationMs! > 0);
    assert.equal(cold.report.memorySizeMB, 512);
    assert.ok(cold.report.billedMs >= Math.ceil(cold.report.durationMs + cold.report.initDurationMs!), 'cold start bills INIT');
    assert.ok(cold.report.maxMemoryUsedMB > 10 && cold.report.maxMemoryUsedMB < 512, `measured memory ${cold.report.maxMemoryUsedMB}`);
    assert.match(cold.log, /^START RequestId: [0-9a-f-]{36} Version: \$LATEST$/m);
    assert.match(cold.log, /^END RequestId: /m);
    assert.ok(cold.log.endsWith('\t\n'), 'REPORT line ends with a tab');
    // ...and what the environment got instead: the limited environments' high CPU weight, or the normal one where no cgroup can be made.
    assert.match(
      cold.log,
      /^LAMBDA_LAB\tcpuLimit: none \(unthrottled: CPU limiting switched off by option; environments (have no CPU quota but a high|run at the normal) CPU weight/m,
      'an unthrottled result says so',
    );
    const body = cold.body as ProbeResult;
    assert.equal(cold.report.requestId, body.requestId);
    assert.equal(body.env.AWS_LAMBDA_FUNCTION_NAME, 'probe');
    assert.equal(body.env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE, '512');
    assert.equal(body.env.AWS_LAMBDA_FUNCTION_VERSION, '$LATEST');
    assert.equal(body.env.AWS_REGION, handle.region);
    assert.equal(body.env.AWS_EXECUTION_ENV, 'AWS_Lambda_nodejs20.x');
    assert.equal(body.env.LAMBDA_TASK_ROOT, body.cwd);
    assert.equal(body.env.USER_SETTING, 'on');
    assert.equal(body.memoryLimitInMB, '512');
    assert.ok(body.remaining > 0 && body.remaining <= 2000);
    const everything = JSON.stringify(body.env);
    assert.ok(!everything.includes(handle.secretAccessKey) && !everything.includes(handle.accessKeyId), 'endpoint credentials must not reach the function');
    assert.equal(body.env.AWS_SECRET_ACCESS_KEY, undefined);

    const warm = await invoke({});
    assert.equal(warm.report!.coldStart, false);
    assert.equal(warm.report!.initDurationMs, null);
    assert.equal((warm.body as ProbeResult).pid, body.pid, 'same environment');
    assert.equal((warm.body as ProbeResult).invocations, 2);
  });

  test('Max Memory Used is measured: a 150 MB allocation shows', async () => {
    const { report } = await invoke({ allocateMB: 150 });
    assert.ok(report!.maxMemoryUsedMB >= 150, `Max Memory Used ${report!.maxMemoryUsedMB} MB`);
  });

  test('function output appears in the log tail, which is at most 4 KB and ends with REPORT', async () => {
    const small = await invoke({ print: 'hello from the handler' });
    assert.match(small.log, /\tINFO\thello from the handler\n/);
    const big = await invoke({ print: 'x'.repeat(10_000) });
    assert.ok(Buffer.from(big.response.LogResult!, 'base64').length <= 4096);
    assert.ok(big.report, 'REPORT survives truncation');
  });

  test('handler error: X-Amz-Function-Error Unhandled, error body, environment stays warm', async () => {
    const before = (await invoke({})).body as ProbeResult;
    const failed = await invoke({ throwMessage: 'bad input' });
    assert.equal(failed.response.StatusCode, 200);
    assert.equal(failed.response.FunctionError, 'Unhandled');
    const body = failed.body as { errorType: string; errorMessage: string; trace: string[] };
    assert.equal(body.errorType, 'TypeError');
    assert.equal(body.errorMessage, 'bad input');
    assert.ok(Array.isArray(body.trace));
    assert.match(failed.log, /ERROR\tInvoke Error \t\{"errorType":"TypeError"/);
    const after = (await invoke({})).body as ProbeResult;
    assert.equal(after.pid, before.pid);
  });

  test('crash: Runtime.ExitError, environment replaced by a cold one', async () => {
    const before = (await invoke({})).body as ProbeResult;
    const crashed = await invoke({ exitCode: 3 });
    assert.equal(crashed.response.FunctionError, 'Unhandled');
    assert.deepEqual(crashed.body, {
      errorType: 'Runtime.ExitError',
      errorMessage: `RequestId: ${crashed.report!.requestId} Error: Runtime exited with error: exit status 3`,
    });
    assert.match(crashed.log, /Runtime exited with error: exit status 3/);
    assert.match(crashed.log, /Status: error\tError Type: Runtime.ExitError\t/);
    const next = await invoke({});
    assert.notEqual((next.body as ProbeResult).pid, before.pid);
    assert.equal(next.report!.coldStart, true);
  });

  test('timeout: Sandbox.Timedout after the configured seconds, environment replaced', async () => {
    const before = (await invoke({})).body as ProbeResult;
    const timedOut = await invoke({ hang: true });
    assert.equal(timedOut.response.FunctionError, 'Unhandled');
    assert.equal((timedOut.body as { errorType: string }).errorType, 'Sandbox.Timedout');
    assert.match(timedOut.log, /Task timed out after 2.00 seconds/);
    assert.match(timedOut.log, /Status: timeout/);
    assert.ok(timedOut.report!.durationMs >= 2000);
    const next = await invoke({});
    assert.notEqual((next.body as ProbeResult).pid, before.pid);
    assert.throws(() => process.kill(before.pid, 0), 'the timed-out process is gone');
  });

  test('concurrent invocations get separate environments', async () => {
    const results = await Promise.all([1, 2, 3].map(() => invoke({ sleepMs: 400 })));
    const pids = new Set(results.map((r) => (r.body as ProbeResult).pid));
    assert.equal(pids.size, 3, 'three environments for three concurrent invocations');
  });

  test('a configuration update retires old environments; new ones see the new settings', async () => {
    const before = (await invoke({})).body as ProbeResult;
    await client.send(new UpdateFunctionConfigurationCommand({ FunctionName: 'probe', MemorySize: 640, Environment: { Variables: { USER_SETTING: 'off' } } }));
    await waitUntilFunctionUpdatedV2({ client, maxWaitTime: 30 }, { FunctionName: 'probe' });
    const after = await invoke({});
    const body = after.body as ProbeResult;
    assert.notEqual(body.pid, before.pid);
    assert.equal(after.report!.coldStart, true);
    assert.equal(body.env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE, '640');
    assert.equal(body.env.USER_SETTING, 'off');
    assert.throws(() => process.kill(before.pid, 0), 'the old environment was stopped');
  });

  test('LAMBDA_LAB_FAULT=crash makes a deployed function crash on every invoke', async () => {
    await createActiveFunction(client, { FunctionName: 'faulty', zip: probeHandler, Environment: { Variables: { LAMBDA_LAB_FAULT: 'crash' } } });
    const { response, body } = await invoke({}, 'faulty');
    assert.equal(response.FunctionError, 'Unhandled');
    assert.equal((body as { errorType: string }).errorType, 'Runtime.ExitError');
  });

  test('import errors and missing handlers are function errors, as in Lambda', async () => {
    await createActiveFunction(client, { FunctionName: 'broken', zip: zipOf({ 'index.mjs': 'throw new Error("boom at load");' }) });
    const broken = await invoke({}, 'broken');
    assert.equal(broken.response.FunctionError, 'Unhandled');
    assert.equal((broken.body as { errorType: string }).errorType, 'Runtime.ImportModuleError');
    assert.match((broken.body as { errorMessage: string }).errorMessage, /boom at load/);
    await createActiveFunction(client, { FunctionName: 'nohandler', zip: probeHandler, Handler: 'index.other' });
    assert.equal(((await invoke({}, 'nohandler')).body as { errorType: string }).errorType, 'Runtime.HandlerNotFound');
  });

  test('Invoke right after create is 409 (Pending); Event invocations are accepted with 202', async () => {
    await client.send(
      new CreateFunctionCommand({
        FunctionName: 'fresh',
        Role: TEST_ROLE_ARN,
        Runtime: 'nodejs20.x',
        Handler: 'index.handler',
        Code: { ZipFile: probeHandler },
      }),
    );
    await assert.rejects(
      client.send(new InvokeCommand({ FunctionName: 'fresh' })),
      (error: Error) => error.name === 'ResourceConflictException' && /Pending/.test(error.message),
    );
    const event = await client.send(new InvokeCommand({ FunctionName: 'probe', InvocationType: 'Event', Payload: '{}' }));
    assert.equal(event.StatusCode, 202);
  });
});

describe('local endpoint limits and code download', () => {
  test('beyond maxEnvironments concurrent invocations get 429 TooManyRequestsException', async () => {
    const { handle, client } = await startTestEndpoint({ cpuLimit: 'none', maxEnvironments: 2 });
    const noRetry = clientFor(handle, 1);
    try {
      await createActiveFunction(client, { FunctionName: 'busy', zip: probeHandler });
      const outcomes = await Promise.all(
        [1, 2, 3].map(() =>
          noRetry.send(new InvokeCommand({ FunctionName: 'busy', Payload: JSON.stringify({ sleepMs: 1500 }) })).then(
            () => 'ok',
            (error: Error & { $metadata: { httpStatusCode: number } }) => `${error.name}:${error.$metadata.httpStatusCode}`,
          ),
        ),
      );
      assert.deepEqual(outcomes.sort(), ['TooManyRequestsException:429', 'ok', 'ok']);
    } finally {
      noRetry.destroy();
      client.destroy();
      await handle.stop();
    }
  });

  test("GetFunction's Code.Location serves the deployed zip, and only with its secret token", async () => {
    const { handle, client } = await startTestEndpoint({ cpuLimit: 'none' });
    try {
      await createActiveFunction(client, { FunctionName: 'download', zip: probeHandler });
      const { Code } = await client.send(new GetFunctionCommand({ FunctionName: 'download' }));
      assert.equal(Code!.RepositoryType, 'S3');
      const response = await fetch(Code!.Location!);
      assert.equal(response.status, 200);
      assert.deepEqual(new Uint8Array(await response.arrayBuffer()), probeHandler);
      const guessed = Code!.Location!.replace(/\/code\/[^/]+\//, '/code/00000000000000000000000000000000/');
      assert.notEqual(guessed, Code!.Location!);
      assert.equal((await fetch(guessed)).status, 403);
    } finally {
      client.destroy();
      await handle.stop();
    }
  });
});

describe('local endpoint fault injection', () => {
  test('429 TooManyRequests and 500 ServiceException are retried by the SDK ($metadata.attempts)', async () => {
    const { handle, client } = await startTestEndpoint({ cpuLimit: 'none', faults: { throttleRate: 0.3, serverErrorRate: 0.2, seed: 42 } });
    const retrying = clientFor(handle, 6);
    try {
      await createActiveFunction(client, { FunctionName: 'flaky', zip: zipOf({ 'index.mjs': 'export const handler = async () => "ok";' }) });
      let attempts = 0;
      let retried = 0;
      for (let i = 0; i < 12; i++) {
        const response = await retrying.send(new InvokeCommand({ FunctionName: 'flaky', Payload: '{}' }));
        assert.equal(Buffer.from(response.Payload!).toString(), '"ok"');
        attempts += response.$metadata.attempts ?? 1;
        if ((response.$metadata.attempts ?? 1) > 1) retried++;
      }
      assert.ok(retried >= 2, `some invocations needed retries (retried ${retried})`);
      assert.ok(attempts > 12);
      // Without retries the faults reach the caller with AWS's error names and statuses.
      const single = clientFor(handle, 1);
      const seen = new Set<string>();
      for (let i = 0; i < 30 && seen.size < 2; i++) {
        await single.send(new InvokeCommand({ FunctionName: 'flaky', Payload: '{}' })).catch((error: Error & { $metadata: { httpStatusCode: number } }) => {
          seen.add(`${error.name}:${error.$metadata.httpStatusCode}`);
        });
      }
      single.destroy();
      assert.deepEqual([...seen].sort(), ['ServiceException:500', 'TooManyRequestsException:429']);
    } finally {
      client.destroy();
      retrying.destroy();
      await handle.stop();
    }
  });
});
