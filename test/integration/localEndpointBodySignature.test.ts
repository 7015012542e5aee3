// The signature covers the body: requests the real SDK signed are captured on their way out, then
// replayed with another body of the same length. The endpoint must refuse them before anything
// runs, and refuse requests whose payload hash is UNSIGNED-PAYLOAD. Requests signed as botocore
// signs them (no x-amz-content-sha256: the hash is only inside the canonical request) are checked
// once their body is in, with the same result for a changed body.
import test, { after, before, describe } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  GetFunctionCommand,
  InvokeCommand,
  ListFunctionsCommand,
  UpdateFunctionCodeCommand,
  waitUntilFunctionActiveV2,
  waitUntilFunctionUpdatedV2,
  type LambdaClient,
} from '@aws-sdk/client-lambda';
import { zipSync } from 'fflate';
import type { LocalEndpointHandle } from '../../src/localEndpoint';
import {
  captureSignedRequests,
  clientFor,
  createActiveFunction,
  replay,
  startTestEndpoint,
  TEST_ROLE_ARN,
  zipOf,
  type CapturedRequest,
} from '../support/localEndpointFixture';
import { botocoreStyleClient } from '../support/botocoreSigning';

const execFileAsync = promisify(execFile);

/** The same bytes with one character swapped for another of the same length. */
function alteredSameLength(body: Buffer, from: string, to: string): Buffer {
  const text = body.toString('utf8');
  const at = text.indexOf(from);
  assert.ok(at >= 0, `the captured body contains ${from}`);
  const altered = Buffer.from(text.slice(0, at) + to + text.slice(at + from.length));
  assert.equal(altered.length, body.length);
  return altered;
}

describe('local endpoint: the signature covers the body', () => {
  let handle: LocalEndpointHandle;
  let client: LambdaClient;
  let captured: CapturedRequest[];
  let workDir: string;
  let invocationLog: string;
  before(async () => {
    workDir = mkdtempSync(path.join(os.tmpdir(), 'endpoint-body-signature-'));
    invocationLog = path.join(workDir, 'invocations.log');
    ({ handle, client } = await startTestEndpoint({ cpuLimit: 'none' }));
    captured = captureSignedRequests(client);
    // Every invocation that really runs leaves its event in the log file.
    const recorder = zipOf({
      'index.mjs': `import { appendFileSync } from 'node:fs';\nexport const handler = async (event) => { appendFileSync(process.env.INVOCATION_LOG, JSON.stringify(event) + '\\n'); return 'v1'; };`,
    });
    await createActiveFunction(client, { FunctionName: 'recorder', zip: recorder, Environment: { Variables: { INVOCATION_LOG: invocationLog } } });
  });
  after(async () => {
    client?.destroy();
    await handle?.stop();
    rmSync(workDir, { recursive: true, force: true });
  });

  const loggedEvents = () => readFileSync(invocationLog, 'utf8').trim().split('\n');

  test('an Invoke replayed with another payload of the same length is refused and runs nothing; the unchanged replay runs again', async () => {
    const response = await client.send(new InvokeCommand({ FunctionName: 'recorder', Payload: JSON.stringify({ amount: 1 }) }));
    assert.equal(response.StatusCode, 200);
    const signedInvoke = [...captured].reverse().find((request) => request.path.endsWith('/invocations'))!;
    assert.match(signedInvoke.headers['x-amz-content-sha256'], /^[0-9a-f]{64}$/, 'the SDK sends the body hash');
    const forged = await replay(handle.endpoint, signedInvoke, alteredSameLength(signedInvoke.body, '1', '9'));
    assert.equal(forged.status, 403);
    assert.equal(forged.errorType, 'InvalidSignatureException');
    const forgedBody = JSON.parse(forged.body) as { Type: string; message: string };
    assert.equal(forgedBody.Type, 'User');
    assert.match(forgedBody.message, /body does not match the signed x-amz-content-sha256.*signed by the AWS SDK/);
    assert.deepEqual(loggedEvents(), ['{"amount":1}'], 'the forged payload never reached the function');
    // SigV4 has no nonce: like AWS, the endpoint runs an unchanged request again within the signature's 15 minutes.
    const unchanged = await replay(handle.endpoint, signedInvoke, signedInvoke.body);
    assert.equal(unchanged.status, 200);
    assert.deepEqual(loggedEvents(), ['{"amount":1}', '{"amount":1}']);
  });

  test('an UpdateFunctionCode replayed with other code of the same length is refused and changes nothing', async () => {
    // Stored (uncompressed) zips of two handlers that differ in one character have the same length;
    // a fixed mtime keeps two builds of the same version byte-identical across a clock tick.
    const storedZip = (version: string) =>
      zipSync(
        { 'index.mjs': new TextEncoder().encode(`export const handler = async () => '${version}';`) },
        { level: 0, mtime: new Date('2026-01-01T00:00:00Z') },
      );
    const updated = await client.send(new UpdateFunctionCodeCommand({ FunctionName: 'recorder', ZipFile: storedZip('v2') }));
    await waitUntilFunctionUpdatedV2({ client, maxWaitTime: 30 }, { FunctionName: 'recorder' });
    const signedUpdate = [...captured].reverse().find((request) => request.path.endsWith('/code'))!;
    const forgedBody = Buffer.from(
      signedUpdate.body.toString('utf8').replace(Buffer.from(storedZip('v2')).toString('base64'), Buffer.from(storedZip('v3')).toString('base64')),
    );
    assert.equal(forgedBody.length, signedUpdate.body.length);
    assert.notDeepEqual(forgedBody, signedUpdate.body);
    const forged = await replay(handle.endpoint, signedUpdate, forgedBody);
    assert.equal(forged.status, 403);
    assert.equal(forged.errorType, 'InvalidSignatureException');
    const afterwards = await client.send(new GetFunctionCommand({ FunctionName: 'recorder' }));
    assert.equal(afterwards.Configuration!.CodeSha256, updated.CodeSha256, 'the code is still the signed v2');
    assert.equal(afterwards.Configuration!.LastUpdateStatus, 'Successful', 'no update was started');
  });

  test('UNSIGNED-PAYLOAD and a signed x-amz-content-sha256 removed after signing are refused with what to do', async () => {
    const unsignedPayload = clientFor(handle);
    unsignedPayload.middlewareStack.add(
      (next) => async (args) => {
        (args.request as { headers: Record<string, string> }).headers['x-amz-content-sha256'] = 'UNSIGNED-PAYLOAD';
        return next(args);
      },
      { step: 'build', name: 'unsignedPayload' },
    );
    await assert.rejects(unsignedPayload.send(new ListFunctionsCommand({})), (error: Error & { $metadata: { httpStatusCode: number } }) => {
      assert.equal(error.name, 'InvalidSignatureException');
      assert.equal(error.$metadata.httpStatusCode, 403);
      assert.match(error.message, /UNSIGNED-PAYLOAD: Lambda requires the body to be signed\. Sign the request with the AWS SDK or CLI/);
      return true;
    });
    unsignedPayload.destroy();
    const noHash = clientFor(handle);
    noHash.middlewareStack.add(
      (next) => async (args) => {
        delete (args.request as { headers: Record<string, string> }).headers['x-amz-content-sha256'];
        return next(args);
      },
      { step: 'deserialize', name: 'dropPayloadHash' },
    );
    await assert.rejects(
      noHash.send(new ListFunctionsCommand({})),
      (error: Error) => error.name === 'InvalidSignatureException' && /lists x-amz-content-sha256 in SignedHeaders but does not carry it/.test(error.message),
    );
    noHash.destroy();
  });

  test('a client signing as botocore does (no x-amz-content-sha256) creates, invokes and updates; replayed with another body it is refused', async () => {
    const botocore = botocoreStyleClient(handle);
    const sent = captureSignedRequests(botocore);
    const botocoreLog = path.join(workDir, 'botocore-invocations.log');
    const events = () => readFileSync(botocoreLog, 'utf8').trim().split('\n');
    try {
      const recorder = zipOf({
        'index.mjs': `import { appendFileSync } from 'node:fs';\nexport const handler = async (event) => { appendFileSync(process.env.INVOCATION_LOG, JSON.stringify(event) + '\\n'); return 'b1'; };`,
      });
      await createActiveFunction(botocore, { FunctionName: 'botocore-recorder', zip: recorder, Environment: { Variables: { INVOCATION_LOG: botocoreLog } } });
      const signedCreate = sent.find((request) => request.method === 'POST' && request.path.endsWith('/functions'))!;
      assert.equal(signedCreate.headers['x-amz-content-sha256'], undefined, 'signed without the payload hash header');
      const response = await botocore.send(new InvokeCommand({ FunctionName: 'botocore-recorder', Payload: JSON.stringify({ amount: 2 }) }));
      assert.equal(response.StatusCode, 200);
      assert.deepEqual(events(), ['{"amount":2}']);
      const signedInvoke = [...sent].reverse().find((request) => request.path.endsWith('/invocations'))!;
      assert.equal(signedInvoke.headers['x-amz-content-sha256'], undefined);
      const forged = await replay(handle.endpoint, signedInvoke, alteredSameLength(signedInvoke.body, '2', '7'));
      assert.equal(forged.status, 403);
      assert.equal(forged.errorType, 'InvalidSignatureException');
      assert.deepEqual(events(), ['{"amount":2}'], 'the forged payload never reached the function');
      // Code too: the signature over the body's hash protects UpdateFunctionCode the same way.
      const storedZip = (version: string) =>
        zipSync(
          { 'index.mjs': new TextEncoder().encode(`export const handler = async () => '${version}';`) },
          { level: 0, mtime: new Date('2026-01-01T00:00:00Z') },
        );
      const updated = await botocore.send(new UpdateFunctionCodeCommand({ FunctionName: 'botocore-recorder', ZipFile: storedZip('b4') }));
      await waitUntilFunctionUpdatedV2({ client, maxWaitTime: 30 }, { FunctionName: 'botocore-recorder' });
      const signedUpdate = [...sent].reverse().find((request) => request.path.endsWith('/code'))!;
      const forgedCode = Buffer.from(
        signedUpdate.body.toString('utf8').replace(Buffer.from(storedZip('b4')).toString('base64'), Buffer.from(storedZip('b5')).toString('base64')),
      );
      assert.equal(forgedCode.length, signedUpdate.body.length);
      assert.notDeepEqual(forgedCode, signedUpdate.body);
      const refused = await replay(handle.endpoint, signedUpdate, forgedCode);
      assert.equal(refused.status, 403);
      assert.equal(refused.errorType, 'InvalidSignatureException');
      const afterwards = await client.send(new GetFunctionCommand({ FunctionName: 'botocore-recorder' }));
      assert.equal(afterwards.Configuration!.CodeSha256, updated.CodeSha256, 'the code is still the signed b4');
    } finally {
      botocore.destroy();
    }
  });

  // The endpoint runs in this process: the CLI must run asynchronously, or nobody would answer it.
  test("the AWS CLI (botocore) creates, lists and invokes; a wrong secret gets the endpoint's explanation", { skip: awsCliUnavailable() }, async () => {
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      AWS_ACCESS_KEY_ID: handle.accessKeyId,
      AWS_SECRET_ACCESS_KEY: handle.secretAccessKey,
      AWS_DEFAULT_REGION: handle.region,
      AWS_CONFIG_FILE: path.join(workDir, 'no-config'),
      AWS_SHARED_CREDENTIALS_FILE: path.join(workDir, 'no-credentials'),
      AWS_PAGER: '',
    };
    delete env.AWS_PROFILE;
    delete env.AWS_SESSION_TOKEN;
    const aws = async (args: string[], extraEnv: NodeJS.ProcessEnv = {}) =>
      (
        await execFileAsync('aws', ['--endpoint-url', handle.endpoint, '--output', 'json', ...args], {
          env: { ...env, ...extraEnv },
          encoding: 'utf8',
          timeout: 120_000,
        })
      ).stdout;
    const zipFile = path.join(workDir, 'cli.zip');
    writeFileSync(zipFile, zipOf({ 'index.mjs': 'export const handler = async (event) => ({ cli: event.amount });' }));
    await aws([
      'lambda',
      'create-function',
      '--function-name',
      'from-cli',
      '--runtime',
      'nodejs20.x',
      '--handler',
      'index.handler',
      '--role',
      TEST_ROLE_ARN,
      '--zip-file',
      `fileb://${zipFile}`,
    ]);
    await waitUntilFunctionActiveV2({ client, maxWaitTime: 30 }, { FunctionName: 'from-cli' });
    const listed = JSON.parse(await aws(['lambda', 'list-functions'])) as { Functions: Array<{ FunctionName: string }> };
    assert.ok(listed.Functions.some((f) => f.FunctionName === 'from-cli'));
    const out = path.join(workDir, 'cli-out.json');
    const payload = path.join(workDir, 'cli-event.json');
    writeFileSync(payload, '{"amount":3}');
    const invoked = JSON.parse(await aws(['lambda', 'invoke', '--function-name', 'from-cli', '--payload', `fileb://${payload}`, out])) as {
      StatusCode: number;
    };
    assert.equal(invoked.StatusCode, 200);
    assert.equal(readFileSync(out, 'utf8'), '{"cli":3}');
    await assert.rejects(aws(['lambda', 'list-functions'], { AWS_SECRET_ACCESS_KEY: 'wrong' }), (error: Error & { stderr: string }) =>
      /InvalidSignatureException.*accepts only the credentials it generated when it started/s.test(error.stderr),
    );
  });
});

function awsCliUnavailable(): string | false {
  try {
    execFileSync('aws', ['--version'], { stdio: 'ignore', timeout: 30_000 });
    return false;
  } catch {
    return 'the AWS CLI is not installed here';
  }
}
