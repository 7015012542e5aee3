// The endpoint's function registry without HTTP: the exact configuration Lambda returns, names and
// ARNs, tags, paging, and the record it persists and restores from.
import { createHash } from 'node:crypto';
import test from 'node:test';
import assert from 'node:assert/strict';
import { FunctionRegistry } from '../../src/localEndpoint/functionRegistry';
import type { LoadedFunction, StoredFunctionRecord } from '../../src/localEndpoint/functionRecord';
import { LambdaApiError } from '../../src/localEndpoint/lambdaErrors';

const ROLE = 'arn:aws:iam::123456789012:role/r';
const ARN = 'arn:aws:lambda:eu-west-1:123456789012:function:f';
const ZIP = Buffer.from('PK fake zip');

interface Harness {
  registry: FunctionRegistry;
  saved: StoredFunctionRecord[];
  removed: string[];
  /** Resolves when the named function's Pending or InProgress has ended. */
  settled: (name: string) => Promise<void>;
}

function harness(): Harness {
  const saved: StoredFunctionRecord[] = [];
  const removed: string[] = [];
  const waiting = new Map<string, () => void>();
  const completed = new Set<string>();
  const registry = new FunctionRegistry({
    region: 'eu-west-1',
    accountId: '123456789012',
    transitionMs: () => 0,
    hostArchitecture: 'x86_64',
    codeUrl: (name, sha) => `http://code/${name}/${sha}`,
    onRevisionRetired: () => {},
    codeStore: { unpack: async (name) => `/code/${name}`, discard: () => {} },
    persistence: { save: (record) => saved.push(structuredClone(record)), remove: (name) => removed.push(name) },
    onTransitionComplete: (name) => {
      completed.add(name);
      waiting.get(name)?.();
    },
  });
  const settled = (name: string) =>
    new Promise<void>((resolve) => {
      if (completed.delete(name)) return resolve();
      const keepAlive = setInterval(() => {}, 60_000);
      waiting.set(name, () => {
        clearInterval(keepAlive);
        waiting.delete(name);
        completed.delete(name);
        resolve();
      });
    });
  return { registry, saved, removed, settled };
}

async function createF(h: Harness, name = 'f', extra: Record<string, unknown> = {}): Promise<Record<string, unknown>> {
  const created = await h.registry.create({
    FunctionName: name,
    Role: ROLE,
    Runtime: 'nodejs22.x',
    Handler: 'index.handler',
    MemorySize: 1769,
    Timeout: 30,
    Description: 'd',
    Environment: { Variables: { A: '1' } },
    Tags: { experiment: 'e1' },
    Code: { ZipFile: ZIP.toString('base64') },
    ...extra,
  });
  await h.settled(name);
  return created;
}

/** The configuration without the fields that change on every call (revision id, time). */
function stable(config: Record<string, unknown>): Record<string, unknown> {
  assert.match(String(config.RevisionId), /^[0-9a-f-]{36}$/);
  assert.match(String(config.LastModified), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+0000$/);
  const { RevisionId: _revision, LastModified: _modified, ...rest } = config;
  return rest;
}

const SHA = createHash('sha256').update(ZIP).digest('base64');

test('configuration: the fields Lambda returns, Pending while creating, then Active; GetFunction adds Code and Tags', async () => {
  const h = harness();
  const created = await h.registry.create({
    FunctionName: 'f',
    Role: ROLE,
    Runtime: 'nodejs22.x',
    Handler: 'index.handler',
    Code: { ZipFile: ZIP.toString('base64') },
  });
  assert.equal(created.State, 'Pending');
  assert.equal(created.StateReason, 'The function is being created.');
  assert.equal(created.StateReasonCode, 'Creating');
  assert.equal(created.LastUpdateStatus, undefined);
  await h.settled('f');
  const updating = h.registry.updateConfiguration('f', { MemorySize: 1769, Timeout: 30, Description: 'd', Environment: { Variables: { A: '1' } } });
  assert.equal(updating.LastUpdateStatus, 'InProgress');
  assert.equal(updating.LastUpdateStatusReason, 'The function is being updated.');
  await h.settled('f');
  h.registry.tag(ARN, { experiment: 'e1' });
  const got = h.registry.get('f');
  assert.deepEqual(stable(got.Configuration as Record<string, unknown>), {
    FunctionName: 'f',
    FunctionArn: ARN,
    Runtime: 'nodejs22.x',
    Role: ROLE,
    Handler: 'index.handler',
    CodeSize: ZIP.length,
    Description: 'd',
    Timeout: 30,
    MemorySize: 1769,
    CodeSha256: SHA,
    Version: '$LATEST',
    TracingConfig: { Mode: 'PassThrough' },
    State: 'Active',
    PackageType: 'Zip',
    Architectures: ['x86_64'],
    EphemeralStorage: { Size: 512 },
    LoggingConfig: { LogFormat: 'Text', LogGroup: '/aws/lambda/f' },
    Environment: { Variables: { A: '1' } },
    LastUpdateStatus: 'Successful',
  });
  assert.deepEqual(got.Code, { RepositoryType: 'S3', Location: `http://code/f/${SHA}` });
  assert.deepEqual(got.Tags, { experiment: 'e1' });
  assert.deepEqual(h.registry.codeFor('f', SHA), new Uint8Array(ZIP));
  assert.equal(h.registry.codeFor('f', 'other'), null);
  h.registry.close();
});

test('names: a name, a full, URL-encoded or partial ARN, and $LATEST are one function; another qualifier is not found', async () => {
  const h = harness();
  await createF(h);
  for (const name of [
    'f',
    ARN,
    encodeURIComponent(ARN),
    '123456789012:function:f',
    'f:$LATEST',
    `${ARN}:$LATEST`,
    'arn:aws-cn:lambda:cn-north-1:123456789012:function:f',
  ])
    assert.equal(h.registry.resolveName(name), 'f', name);
  assert.equal(h.registry.resolveName('%E0%A4%A'), '%E0%A4%A', 'a malformed escape is kept as it is');
  assert.throws(
    () => h.registry.resolveName('f:1'),
    (e: LambdaApiError) => e.status === 404 && e.body().Message === `Function not found: ${ARN}:1`,
  );
  assert.throws(
    () => h.registry.getConfiguration('g'),
    (e: LambdaApiError) => e.status === 404 && e.body().Message === 'Function not found: arn:aws:lambda:eu-west-1:123456789012:function:g',
  );
  await assert.rejects(createF(h), (e: LambdaApiError) => e.status === 409 && e.message === 'Function already exist: f');
  await assert.rejects(createF(h, 'bad name'), (e: LambdaApiError) => e.errorType === 'ValidationException' && /at 'functionName'/.test(e.message));
  await assert.rejects(createF(h, 'g', { Role: 'nope' }), (e: LambdaApiError) => e.errorType === 'ValidationException' && /at 'role'/.test(e.message));
  assert.throws(
    () => h.registry.updateConfiguration('f', { Role: 'nope' }),
    (e: LambdaApiError) => e.errorType === 'ValidationException' && /at 'role'/.test(e.message),
  );
  h.registry.close();
});

test('tags by ARN: tag, untag and list; a malformed ARN is a bad parameter, another region or account is not found', async () => {
  const h = harness();
  await createF(h);
  h.registry.tag(ARN, { b: '2' });
  h.registry.untag(encodeURIComponent(ARN), ['experiment']);
  assert.deepEqual(h.registry.listTags(ARN), { Tags: { b: '2' } });
  assert.throws(
    () => h.registry.listTags('f'),
    (e: LambdaApiError) => e.errorType === 'InvalidParameterValueException' && /not a Lambda function ARN: f$/.test(e.message),
  );
  assert.throws(
    () => h.registry.listTags('arn:aws:lambda:us-east-1:123456789012:function:f'),
    (e: LambdaApiError) => e.status === 404,
  );
  assert.throws(
    () => h.registry.listTags('arn:aws:lambda:eu-west-1:999999999999:function:f'),
    (e: LambdaApiError) => e.status === 404,
  );
  h.registry.close();
});

test('list: sorted by name, at most 50 a page, NextMarker until the last page', async () => {
  const h = harness();
  for (const name of ['c', 'a', 'b']) await createF(h, name);
  const first = h.registry.list(undefined, 2);
  assert.deepEqual(
    (first.Functions as Array<{ FunctionName: string }>).map((f) => f.FunctionName),
    ['a', 'b'],
  );
  assert.equal(typeof first.NextMarker, 'string');
  const second = h.registry.list(first.NextMarker as string, 2);
  assert.deepEqual(
    (second.Functions as Array<{ FunctionName: string }>).map((f) => f.FunctionName),
    ['c'],
  );
  assert.equal(second.NextMarker, undefined);
  assert.equal((h.registry.list(undefined, 500).Functions as unknown[]).length, 3);
  assert.deepEqual(h.registry.list(Buffer.from('z').toString('base64url'), undefined).Functions, []);
  h.registry.close();
});

test('persistence: every change saves the record; a restored function is Active with the same configuration', async () => {
  const h = harness();
  await createF(h);
  const last = () => h.saved.at(-1)!;
  const record = last();
  assert.deepEqual(
    { ...record, revisionId: '', lastModified: '' },
    {
      name: 'f',
      role: ROLE,
      description: 'd',
      runtime: 'nodejs22.x',
      handler: 'index.handler',
      memorySize: 1769,
      timeout: 30,
      environment: { A: '1' },
      architectures: ['x86_64'],
      tags: { experiment: 'e1' },
      codeSha256: SHA,
      revisionId: '',
      lastModified: '',
    },
  );
  h.registry.tag(ARN, { b: '2' });
  assert.deepEqual(last().tags, { experiment: 'e1', b: '2' });
  h.registry.updateConfiguration('f', { MemorySize: 3538 });
  await h.settled('f');
  assert.equal(last().memorySize, 3538);
  assert.notEqual(last().revisionId, record.revisionId);
  const before = h.registry.getConfiguration('f');

  const other = harness();
  const loaded: LoadedFunction = { record: last(), zip: new Uint8Array(ZIP) };
  await other.registry.restore(loaded);
  assert.deepEqual(other.registry.getConfiguration('f'), before, 'same configuration, revision id and time');
  assert.equal(other.registry.revisionForInvoke('f').memorySize, 3538);
  assert.equal(other.saved.length, 0, 'restoring writes nothing');
  await assert.rejects(other.registry.restore(loaded), /"f" is not a usable function name here/);
  await assert.rejects(other.registry.restore({ ...loaded, record: { ...last(), name: 'g', role: 'nope' } }), /its role is not an IAM role ARN/);
  await assert.rejects(other.registry.restore({ ...loaded, record: { ...last(), name: 'h', memorySize: 99 } }), /memorySize/);

  h.registry.delete('f');
  assert.deepEqual(h.removed, ['f']);
  h.registry.close();
  other.registry.close();
});
