// The same deploy/update/tag/delete/error calls, through the real @aws-sdk/client-lambda, against
// our local endpoint and against moto_server (an independent Lambda control plane). Where moto
// behaves differently from AWS (and from us) the assertion names the difference.
import test, { after, before, describe } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { hostLambdaArchitecture } from '../../src/core/hostArchitecture';
import {
  CreateFunctionCommand,
  DeleteFunctionCommand,
  GetFunctionCommand,
  GetFunctionConfigurationCommand,
  LambdaClient,
  ListFunctionsCommand,
  ListTagsCommand,
  TagResourceCommand,
  UntagResourceCommand,
  UpdateFunctionCodeCommand,
  UpdateFunctionConfigurationCommand,
  waitUntilFunctionActiveV2,
  waitUntilFunctionUpdatedV2,
} from '@aws-sdk/client-lambda';
import type { LocalEndpointHandle } from '../../src/localEndpoint';
import { motoUnavailableReason, startMoto, startTestEndpoint, TEST_ROLE_ARN, zipOf, type MotoServer } from '../support/localEndpointFixture';

interface Target {
  client: LambdaClient;
  roleArn: string;
  /** moto makes functions Active at once (no Pending) and has no InProgress window for updates. */
  hasTransitions: boolean;
  /** moto does not check memory bounds or runtimes. */
  validatesSettings: boolean;
  /** moto keeps the RevisionId on code updates and returns every function on one page. */
  fullBookkeeping: boolean;
  /**
   * The built-in endpoint runs code natively, so it accepts only the host's architecture (and
   * defaults to it); moto, like AWS, accepts both and defaults to x86_64.
   */
  hostArchitectureOnly: boolean;
}

const handlerZip = zipOf({ 'index.mjs': 'export const handler = async (event) => ({ echo: event });' });
const otherZip = zipOf({ 'index.mjs': 'export const handler = async () => "v2";' });
const sha = (zip: Uint8Array) => createHash('sha256').update(zip).digest('base64');

function errorOf(error: unknown): { name: string; status: number | undefined; message: string } {
  const e = error as { name: string; message: string; $metadata?: { httpStatusCode?: number } };
  return { name: e.name, status: e.$metadata?.httpStatusCode, message: e.message };
}

async function expectError(promise: Promise<unknown>, name: string, status: number): Promise<string> {
  try {
    await promise;
  } catch (error) {
    const got = errorOf(error);
    assert.equal(got.name, name, `expected ${name}, got ${got.name}: ${got.message}`);
    assert.equal(got.status, status);
    return got.message;
  }
  assert.fail(`expected ${name}, but the call succeeded`);
}

function conformanceSuite(targetName: string, getTarget: () => Target): void {
  const prefix = `conf-${targetName}`;

  test(`${targetName}: create returns 201 fields, then the ActiveV2 waiter sees Active`, async () => {
    const { client, roleArn, hasTransitions, hostArchitectureOnly } = getTarget();
    const created = await client.send(
      new CreateFunctionCommand({
        FunctionName: `${prefix}-a`,
        Role: roleArn,
        Runtime: 'nodejs20.x',
        Handler: 'index.handler',
        MemorySize: 512,
        Timeout: 30,
        Code: { ZipFile: handlerZip },
        Tags: { experiment: 'exp-1' },
      }),
    );
    assert.equal(created.$metadata.httpStatusCode, 201);
    assert.equal(created.FunctionName, `${prefix}-a`);
    assert.match(created.FunctionArn!, new RegExp(`^arn:aws:lambda:us-east-1:\\d{12}:function:${prefix}-a$`));
    assert.equal(created.CodeSha256, sha(handlerZip));
    assert.equal(created.CodeSize, handlerZip.length);
    assert.equal(created.MemorySize, 512);
    assert.deepEqual(created.Architectures, [hostArchitectureOnly ? hostLambdaArchitecture() : 'x86_64']);
    if (hasTransitions) assert.equal(created.State, 'Pending');
    else assert.equal(created.State, 'Active', 'moto difference: functions are Active at once, never Pending');
    const waited = await waitUntilFunctionActiveV2({ client, maxWaitTime: 30 }, { FunctionName: `${prefix}-a` });
    assert.equal(waited.state, 'SUCCESS');
    const got = await client.send(new GetFunctionCommand({ FunctionName: `${prefix}-a` }));
    assert.equal(got.Configuration!.State, 'Active');
    assert.equal(got.Tags?.experiment, 'exp-1');
    if (hasTransitions) assert.equal(got.Configuration!.LastUpdateStatus, 'Successful');
  });

  test(`${targetName}: creating an existing function is 409 ResourceConflictException`, async () => {
    const { client, roleArn } = getTarget();
    await expectError(
      client.send(
        new CreateFunctionCommand({
          FunctionName: `${prefix}-a`,
          Role: roleArn,
          Runtime: 'nodejs20.x',
          Handler: 'index.handler',
          Code: { ZipFile: handlerZip },
        }),
      ),
      'ResourceConflictException',
      409,
    );
  });

  test(`${targetName}: update configuration, 409 while InProgress, UpdatedV2 waiter, then code update`, async () => {
    const { client, hasTransitions } = getTarget();
    const name = `${prefix}-a`;
    const updated = await client.send(
      new UpdateFunctionConfigurationCommand({ FunctionName: name, MemorySize: 1024, Timeout: 60, Environment: { Variables: { MODE: 'fast' } } }),
    );
    assert.equal(updated.MemorySize, 1024);
    if (hasTransitions) {
      assert.equal(updated.LastUpdateStatus, 'InProgress');
      const message = await expectError(
        client.send(new UpdateFunctionConfigurationCommand({ FunctionName: name, MemorySize: 2048 })),
        'ResourceConflictException',
        409,
      );
      assert.match(message, /An update is in progress for resource: arn:aws:lambda:/);
      await expectError(client.send(new UpdateFunctionCodeCommand({ FunctionName: name, ZipFile: otherZip })), 'ResourceConflictException', 409);
    }
    // (moto difference: no InProgress window, so a second update at once succeeds there.)
    await waitUntilFunctionUpdatedV2({ client, maxWaitTime: 30 }, { FunctionName: name });
    const config = await client.send(new GetFunctionConfigurationCommand({ FunctionName: name }));
    assert.equal(config.MemorySize, 1024);
    assert.equal(config.Timeout, 60);
    assert.deepEqual(config.Environment?.Variables, { MODE: 'fast' });
    assert.equal(config.LastUpdateStatus, 'Successful');
    const codeUpdate = await client.send(new UpdateFunctionCodeCommand({ FunctionName: name, ZipFile: otherZip }));
    assert.equal(codeUpdate.CodeSha256, sha(otherZip));
    if (getTarget().fullBookkeeping) assert.notEqual(codeUpdate.RevisionId, config.RevisionId);
    // (moto difference: UpdateFunctionCode keeps the old RevisionId; AWS issues a new one.)
    await waitUntilFunctionUpdatedV2({ client, maxWaitTime: 30 }, { FunctionName: name });
    assert.equal((await client.send(new GetFunctionConfigurationCommand({ FunctionName: name }))).CodeSha256, sha(otherZip));
  });

  test(`${targetName}: tags by ARN: tag, list, untag`, async () => {
    const { client } = getTarget();
    const arn = (await client.send(new GetFunctionConfigurationCommand({ FunctionName: `${prefix}-a` }))).FunctionArn!;
    await client.send(new TagResourceCommand({ Resource: arn, Tags: { owner: 'lab', 'lambda-lab:run': 'r 1' } }));
    assert.deepEqual((await client.send(new ListTagsCommand({ Resource: arn }))).Tags, { experiment: 'exp-1', owner: 'lab', 'lambda-lab:run': 'r 1' });
    await client.send(new UntagResourceCommand({ Resource: arn, TagKeys: ['owner', 'lambda-lab:run'] }));
    assert.deepEqual((await client.send(new ListTagsCommand({ Resource: arn }))).Tags, { experiment: 'exp-1' });
  });

  test(`${targetName}: ListFunctions pages with Marker`, async () => {
    const { client, roleArn, fullBookkeeping } = getTarget();
    for (const suffix of ['b', 'c']) {
      await client.send(
        new CreateFunctionCommand({
          FunctionName: `${prefix}-${suffix}`,
          Role: roleArn,
          Runtime: 'nodejs22.x',
          Handler: 'index.handler',
          Code: { ZipFile: handlerZip },
        }),
      );
    }
    const names: string[] = [];
    let marker: string | undefined;
    let pages = 0;
    do {
      const page = await client.send(new ListFunctionsCommand({ MaxItems: 2, Marker: marker }));
      names.push(...page.Functions!.map((f) => f.FunctionName!));
      marker = page.NextMarker;
      pages++;
    } while (marker && pages < 10);
    if (fullBookkeeping) assert.ok(pages >= 2, 'three functions in pages of two need two pages');
    // (moto difference: MaxItems is ignored and everything comes on one page without NextMarker.)
    for (const suffix of ['a', 'b', 'c']) assert.ok(names.includes(`${prefix}-${suffix}`), `${suffix} listed`);
    assert.equal(new Set(names).size, names.length, 'no function listed twice');
  });

  test(`${targetName}: validation errors`, async () => {
    const { client, roleArn, validatesSettings } = getTarget();
    const create = (overrides: Record<string, unknown>) =>
      client.send(
        new CreateFunctionCommand({
          FunctionName: `${prefix}-bad`,
          Role: roleArn,
          Runtime: 'nodejs20.x',
          Handler: 'index.handler',
          Code: { ZipFile: handlerZip },
          ...overrides,
        }),
      );
    if (validatesSettings) {
      assert.match(
        await expectError(create({ MemorySize: 100 }), 'ValidationException', 400),
        /Value '100' at 'memorySize' failed to satisfy constraint: Member must have value greater than or equal to 128/,
      );
      assert.match(await expectError(create({ MemorySize: 10241 }), 'ValidationException', 400), /less than or equal to 10240/);
      assert.match(await expectError(create({ Timeout: 901 }), 'ValidationException', 400), /at 'timeout'/);
      assert.match(await expectError(create({ Runtime: 'nodejs16.x' }), 'InvalidParameterValueException', 400), /nodejs16.x is no longer supported/);
      assert.match(await expectError(create({ Runtime: 'python3.12' }), 'InvalidParameterValueException', 400), /Node.js functions only/);
      assert.match(
        await expectError(create({ Environment: { Variables: { AWS_REGION: 'x' } } }), 'InvalidParameterValueException', 400),
        /reserved keys.*AWS_REGION/,
      );
    } else {
      // moto difference: memory bounds are not checked (AWS and the local endpoint say ValidationException).
      const accepted = await create({ MemorySize: 100 });
      assert.equal(accepted.MemorySize, 100);
      await client.send(new DeleteFunctionCommand({ FunctionName: `${prefix}-bad` }));
    }
    await expectError(client.send(new GetFunctionCommand({ FunctionName: `${prefix}-missing` })), 'ResourceNotFoundException', 404);
  });

  test(`${targetName}: architectures`, async () => {
    const { client, roleArn, hostArchitectureOnly } = getTarget();
    const host = hostLambdaArchitecture();
    const foreign = host === 'x86_64' ? 'arm64' : 'x86_64';
    const create = (arch: 'x86_64' | 'arm64') =>
      client.send(
        new CreateFunctionCommand({
          FunctionName: `${prefix}-arch`,
          Role: roleArn,
          Runtime: 'nodejs20.x',
          Handler: 'index.handler',
          Code: { ZipFile: handlerZip },
          Architectures: [arch],
        }),
      );
    if (hostArchitectureOnly) {
      // It would run on this CPU anyway; accepting the label would price x86 work at arm64 rates (or the reverse).
      const message = await expectError(create(foreign), 'InvalidParameterValueException', 400);
      assert.equal(
        message,
        `Architecture ${foreign} cannot run here: the built-in endpoint runs functions on this machine's CPU (${host}); deploy with --arch ${host}, or use AWS to compare architectures.`,
      );
      await expectError(
        client.send(new UpdateFunctionCodeCommand({ FunctionName: `${prefix}-a`, ZipFile: handlerZip, Architectures: [foreign] })),
        'InvalidParameterValueException',
        400,
      );
      await expectError(client.send(new GetFunctionCommand({ FunctionName: `${prefix}-arch` })), 'ResourceNotFoundException', 404);
    } else {
      // moto difference: any architecture is accepted (it runs nothing), as AWS accepts both.
      assert.deepEqual((await create(foreign)).Architectures, [foreign]);
      await client.send(new DeleteFunctionCommand({ FunctionName: `${prefix}-arch` }));
    }
  });

  test(`${targetName}: delete is 2xx, then GetFunction is 404 ResourceNotFoundException`, async () => {
    const { client } = getTarget();
    for (const suffix of ['a', 'b', 'c']) {
      const deleted = await client.send(new DeleteFunctionCommand({ FunctionName: `${prefix}-${suffix}` }));
      assert.ok(deleted.$metadata.httpStatusCode! >= 200 && deleted.$metadata.httpStatusCode! < 300);
    }
    const message = await expectError(client.send(new GetFunctionCommand({ FunctionName: `${prefix}-a` })), 'ResourceNotFoundException', 404);
    assert.match(message, /Function not found: arn:aws:lambda:us-east-1:\d{12}:function:conf-/);
    await expectError(client.send(new DeleteFunctionCommand({ FunctionName: `${prefix}-a` })), 'ResourceNotFoundException', 404);
  });
}

describe('conformance: local endpoint', () => {
  let handle: LocalEndpointHandle;
  let client: LambdaClient;
  before(async () => {
    ({ handle, client } = await startTestEndpoint({ cpuLimit: 'none' }));
  });
  after(async () => {
    client?.destroy();
    await handle?.stop();
  });
  conformanceSuite('local', () => ({
    client,
    roleArn: TEST_ROLE_ARN,
    hasTransitions: true,
    validatesSettings: true,
    fullBookkeeping: true,
    hostArchitectureOnly: true,
  }));

  test('local: the role must exist as a well-formed role ARN (moto checks its own IAM instead)', async () => {
    await expectError(
      client.send(
        new CreateFunctionCommand({
          FunctionName: 'conf-local-role',
          Role: 'not-an-arn',
          Runtime: 'nodejs20.x',
          Handler: 'index.handler',
          Code: { ZipFile: handlerZip },
        }),
      ),
      'ValidationException',
      400,
    );
  });
});

const motoSkip = motoUnavailableReason();
describe('conformance: moto_server', { skip: motoSkip ?? false }, () => {
  let moto: MotoServer;
  let client: LambdaClient;
  before(async () => {
    moto = await startMoto();
    client = new LambdaClient({ endpoint: moto.endpoint, region: 'us-east-1', credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' } });
  });
  after(async () => {
    client?.destroy();
    await moto?.stop();
  });
  conformanceSuite('moto', () => ({
    client,
    roleArn: moto.roleArn,
    hasTransitions: false,
    validatesSettings: false,
    fullBookkeeping: false,
    hostArchitectureOnly: false,
  }));

  test('moto: a role missing from its IAM is refused with 400 (the local endpoint has no IAM)', async () => {
    const error = await client
      .send(
        new CreateFunctionCommand({
          FunctionName: 'conf-moto-role',
          Role: 'arn:aws:iam::123456789012:role/nope',
          Runtime: 'nodejs20.x',
          Handler: 'index.handler',
          Code: { ZipFile: handlerZip },
        }),
      )
      .then(
        () => null,
        (e: unknown) => errorOf(e),
      );
    assert.ok(error, 'moto should refuse a role it does not know');
    assert.equal(error.status, 400);
  });
});
