// The local endpoint's control-plane rules without HTTP: routing, validation wording, states.
import test from 'node:test';
import assert from 'node:assert/strict';
import { routeRequest } from '../../src/localEndpoint/lambdaApiServer';
import { FunctionRegistry } from '../../src/localEndpoint/functionRegistry';
import type { FunctionRevision } from '../../src/localEndpoint/functionRecord';
import { validateSettings } from '../../src/localEndpoint/functionValidation';
import { LambdaApiError } from '../../src/localEndpoint/lambdaErrors';

test('routes AWS paths to operations', () => {
  assert.deepEqual(routeRequest('POST', '/2015-03-31/functions'), { op: 'CreateFunction' });
  assert.deepEqual(routeRequest('GET', '/2015-03-31/functions/'), { op: 'ListFunctions' });
  assert.deepEqual(routeRequest('GET', '/2015-03-31/functions/f'), { op: 'GetFunction', name: 'f' });
  assert.deepEqual(routeRequest('DELETE', '/2015-03-31/functions/f'), { op: 'DeleteFunction', name: 'f' });
  assert.deepEqual(routeRequest('PUT', '/2015-03-31/functions/f/configuration'), { op: 'UpdateFunctionConfiguration', name: 'f' });
  assert.deepEqual(routeRequest('PUT', '/2015-03-31/functions/f/code'), { op: 'UpdateFunctionCode', name: 'f' });
  assert.deepEqual(routeRequest('POST', '/2015-03-31/functions/f/invocations'), { op: 'Invoke', name: 'f' });
  assert.deepEqual(routeRequest('DELETE', '/2017-03-31/tags/arn%3Aaws'), { op: 'UntagResource', arn: 'arn%3Aaws' });
  assert.equal(routeRequest('PATCH', '/2015-03-31/functions/f'), null);
  assert.equal(routeRequest('GET', '/2015-03-31/functions/f/policy'), null);
});

test('settings are validated with AWS wording', () => {
  const valid = { Runtime: 'nodejs22.x', Handler: 'index.handler', MemorySize: 1769, Timeout: 30, Environment: { Variables: { A: '1' } } };
  assert.deepEqual(validateSettings(valid).environment, { A: '1' });
  const message = (overrides: Record<string, unknown>) => {
    try {
      validateSettings({ ...valid, ...overrides });
    } catch (error) {
      assert.ok(error instanceof LambdaApiError);
      return `${error.errorType}: ${error.message}`;
    }
    return 'accepted';
  };
  assert.equal(
    message({ MemorySize: 127 }),
    "ValidationException: 1 validation error detected: Value '127' at 'memorySize' failed to satisfy constraint: Member must have value greater than or equal to 128",
  );
  assert.match(message({ MemorySize: 10241 }), /less than or equal to 10240/);
  assert.match(message({ MemorySize: 512.5 }), /must be an integer/);
  assert.match(message({ Timeout: 0 }), /^ValidationException: .*'timeout'.*greater than or equal to 1/);
  assert.match(message({ Timeout: 901 }), /less than or equal to 900/);
  assert.match(message({ Runtime: 'nodejs14.x' }), /^InvalidParameterValueException: The runtime parameter of nodejs14.x is no longer supported/);
  assert.match(message({ Runtime: 'cobol' }), /^ValidationException: .*at 'runtime' failed to satisfy constraint: Member must satisfy enum value set/);
  assert.match(message({ Handler: 'has space.handler' }), /at 'handler'/);
  assert.match(message({ Environment: { Variables: { AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '1' } } }), /reserved keys.*AWS_LAMBDA_FUNCTION_MEMORY_SIZE/);
  assert.match(message({ Environment: { Variables: { BIG: 'x'.repeat(5000) } } }), /exceeded the 4KB limit/);
  for (const runtime of ['nodejs18.x', 'nodejs20.x', 'nodejs22.x', 'nodejs24.x']) assert.equal(message({ Runtime: runtime }), 'accepted');
});

test('states: Pending then Active; InProgress blocks updates with 409; Invoke uses the completed revision', async () => {
  const retired: FunctionRevision[] = [];
  const discarded: string[] = [];
  let n = 0;
  const transitions = transitionWaiter();
  const registry = new FunctionRegistry({
    region: 'eu-west-1',
    accountId: '123456789012',
    transitionMs: () => 30,
    onTransitionComplete: transitions.completed,
    codeUrl: (name) => `http://x/${name}`,
    onRevisionRetired: (revision) => retired.push(revision),
    codeStore: { unpack: async () => `/code/${++n}`, discard: (dir) => discarded.push(dir) },
  });
  const zip = Buffer.from('PK fake zip').toString('base64');
  const created = await registry.create({
    FunctionName: 'f',
    Role: 'arn:aws:iam::123456789012:role/r',
    Runtime: 'nodejs20.x',
    Handler: 'index.handler',
    Code: { ZipFile: zip },
  });
  assert.equal(created.State, 'Pending');
  assert.equal(created.MemorySize, 128);
  assert.equal(created.Timeout, 3);
  assert.equal(created.FunctionArn, 'arn:aws:lambda:eu-west-1:123456789012:function:f');
  assert.throws(
    () => registry.revisionForInvoke('f'),
    (e: LambdaApiError) => e.status === 409 && /Pending/.test(e.message),
  );
  assert.throws(
    () => registry.updateConfiguration('f', { MemorySize: 256 }),
    (e: LambdaApiError) => e.status === 409,
  );
  await transitions.next();
  assert.equal(registry.getConfiguration('arn:aws:lambda:eu-west-1:123456789012:function:f').State, 'Active');
  const first = registry.revisionForInvoke('f:$LATEST');
  const updated = registry.updateConfiguration('f', { MemorySize: 256 });
  assert.equal(updated.LastUpdateStatus, 'InProgress');
  assert.throws(
    () => registry.updateConfiguration('f', { MemorySize: 512 }),
    (e: LambdaApiError) =>
      e.errorType === 'ResourceConflictException' && /An update is in progress for resource: arn:aws:lambda:eu-west-1:123456789012:function:f/.test(e.message),
  );
  assert.equal(registry.revisionForInvoke('f'), first, 'Invoke keeps using the old revision until the update completes');
  await transitions.next();
  const second = registry.revisionForInvoke('f');
  assert.equal(second.memorySize, 256);
  assert.deepEqual(retired, [first]);
  assert.throws(
    () => registry.updateConfiguration('f', { MemorySize: 512, RevisionId: 'stale' }),
    (e: LambdaApiError) => e.status === 412,
  );
  assert.throws(
    () => registry.revisionForInvoke('f:7'),
    (e: LambdaApiError) => e.status === 404,
  );
  assert.equal(registry.resolveName('123456789012:function:f'), 'f');
  assert.equal(registry.resolveName('my-function:$LATEST'), 'my-function');
  registry.delete('f');
  assert.deepEqual(retired, [first, second]);
  assert.throws(
    () => registry.get('f'),
    (e: LambdaApiError) => e.status === 404 && e.body().Message === 'Function not found: arn:aws:lambda:eu-west-1:123456789012:function:f',
  );
  registry.close();
});

test('only the host architecture is accepted: the code runs natively, so another label would be measured on one CPU and priced as the other', async () => {
  for (const host of ['x86_64', 'arm64'] as const) {
    const transitions = transitionWaiter();
    const foreign = host === 'x86_64' ? 'arm64' : 'x86_64';
    const registry = new FunctionRegistry({
      region: 'us-east-1',
      accountId: '123456789012',
      transitionMs: () => 0,
      codeUrl: (name) => `http://x/${name}`,
      onRevisionRetired: () => {},
      codeStore: { unpack: async () => '/code', discard: () => {} },
      hostArchitecture: host,
      onTransitionComplete: transitions.completed,
    });
    const zip = Buffer.from('PK fake zip').toString('base64');
    const base = { Role: 'arn:aws:iam::123456789012:role/r', Runtime: 'nodejs20.x', Handler: 'index.handler', Code: { ZipFile: zip } };
    await assert.rejects(registry.create({ ...base, FunctionName: 'foreign', Architectures: [foreign] }), (error: LambdaApiError) => {
      assert.equal(error.status, 400);
      assert.equal(error.errorType, 'InvalidParameterValueException');
      assert.equal(
        error.message,
        `Architecture ${foreign} cannot run here: the built-in endpoint runs functions on this machine's CPU (${host}); deploy with --arch ${host}, or use AWS to compare architectures.`,
      );
      return true;
    });
    assert.deepEqual((await registry.create({ ...base, FunctionName: 'native', Architectures: [host] })).Architectures, [host]);
    assert.deepEqual((await registry.create({ ...base, FunctionName: 'omitted' })).Architectures, [host], 'omitted means the host architecture');
    await transitions.count(2); // native and omitted are Active
    await assert.rejects(
      registry.updateCode('native', { ZipFile: zip, Architectures: [foreign] }),
      (error: LambdaApiError) => error.errorType === 'InvalidParameterValueException' && error.message.includes(`(${host})`),
    );
    assert.deepEqual(registry.getConfiguration('native').Architectures, [host], 'a refused update changes nothing');
    registry.close();
  }
});

/**
 * Resolves when the registry reports a completed Pending/InProgress transition (no sleeping). The
 * registry's timers do not keep a process alive, so a waiter holds a handle until it resolves.
 */
function transitionWaiter(): { completed: (name: string) => void; next: () => Promise<void>; count: (n: number) => Promise<void> } {
  let done = 0;
  let consumed = 0;
  const waiters: Array<{ target: number; resolve: () => void }> = [];
  const wait = (target: number) =>
    new Promise<void>((resolve) => {
      const keepAlive = setInterval(() => {}, 60_000);
      waiters.push({ target, resolve: () => (clearInterval(keepAlive), resolve()) });
    });
  return {
    completed: () => {
      done++;
      for (const waiter of waiters.filter((w) => w.target <= done)) {
        waiters.splice(waiters.indexOf(waiter), 1);
        waiter.resolve();
      }
    },
    next: () => {
      consumed++;
      const target = consumed;
      return done >= target ? Promise.resolve() : wait(target);
    },
    count: (n) => (done >= n ? Promise.resolve() : wait(n)),
  };
}
