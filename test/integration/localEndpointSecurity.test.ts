// The endpoint runs code, so: loopback only, every request signed with the generated
// credentials, and deployment packages that try to escape their folder are refused.
import test, { after, before, describe } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { CreateFunctionCommand, LambdaClient, ListFunctionsCommand } from '@aws-sdk/client-lambda';
import { zipSync } from 'fflate';
import type { LocalEndpointHandle } from '../../src/localEndpoint';
import { clientFor, startTestEndpoint, TEST_ROLE_ARN } from '../support/localEndpointFixture';

describe('local endpoint security', () => {
  let handle: LocalEndpointHandle;
  let client: LambdaClient;
  let workDir: string;
  before(async () => {
    workDir = mkdtempSync(path.join(os.tmpdir(), 'endpoint-security-'));
    ({ handle, client } = await startTestEndpoint({ cpuLimit: 'none', workDir }));
  });
  after(async () => {
    client?.destroy();
    await handle?.stop();
    rmSync(workDir, { recursive: true, force: true });
  });

  test('listens on 127.0.0.1 only', async () => {
    assert.match(handle.endpoint, /^http:\/\/127\.0\.0\.1:\d+$/);
    const port = new URL(handle.endpoint).port;
    const external = Object.values(os.networkInterfaces()).flat().find((address) => address && address.family === 'IPv4' && !address.internal);
    if (!external) return; // no other interface on this machine to try
    await assert.rejects(fetch(`http://${external.address}:${port}/2015-03-31/functions`), 'not reachable on a non-loopback address');
  });

  test('unsigned requests get 403 MissingAuthenticationTokenException in AWS error shape', async () => {
    const response = await fetch(`${handle.endpoint}/2015-03-31/functions`);
    assert.equal(response.status, 403);
    assert.equal(response.headers.get('x-amzn-errortype'), 'MissingAuthenticationTokenException');
    assert.deepEqual(await response.json(), { Type: 'User', message: 'Missing Authentication Token' });
  });

  test('a foreign access key is UnrecognizedClientException; a wrong secret is InvalidSignatureException', async () => {
    const foreign = clientFor({ ...handle, accessKeyId: 'AKIAIOSFODNN7EXAMPLE' });
    await assert.rejects(foreign.send(new ListFunctionsCommand({})), (error: Error & { $metadata: { httpStatusCode: number } }) => error.name === 'UnrecognizedClientException' && error.$metadata.httpStatusCode === 403);
    foreign.destroy();
    const wrongSecret = clientFor({ ...handle, secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY' });
    await assert.rejects(wrongSecret.send(new ListFunctionsCommand({})), (error: Error) => error.name === 'InvalidSignatureException');
    wrongSecret.destroy();
    assert.ok(Array.isArray((await client.send(new ListFunctionsCommand({}))).Functions), 'the generated credentials work');
  });

  test('zips with path traversal or symlinks are refused with InvalidParameterValueException and write nothing outside', async () => {
    const text = (s: string) => new TextEncoder().encode(s);
    const evil = [
      zipSync({ 'index.mjs': text('export const handler = async () => 1;'), '../../escaped.mjs': text('pwned') }),
      zipSync({ 'index.mjs': text('export const handler = async () => 1;'), '/tmp/escaped-abs.mjs': text('pwned') }),
      zipSync({ 'index.mjs': text('export const handler = async () => 1;'), link: [text('/etc/passwd'), { os: 3, attrs: (0o120777 << 16) >>> 0 }] }),
    ];
    for (const [i, zip] of evil.entries()) {
      await assert.rejects(
        client.send(new CreateFunctionCommand({ FunctionName: `evil-${i}`, Role: TEST_ROLE_ARN, Runtime: 'nodejs20.x', Handler: 'index.handler', Code: { ZipFile: zip } })),
        (error: Error & { $metadata: { httpStatusCode: number } }) => error.name === 'InvalidParameterValueException' && error.$metadata.httpStatusCode === 400,
      );
    }
    assert.equal(existsSync(path.join(workDir, 'escaped.mjs')), false);
    assert.equal(existsSync(path.join(path.dirname(workDir), 'escaped.mjs')), false);
    assert.equal(existsSync('/tmp/escaped-abs.mjs'), false);
    const endpointDir = readdirSync(workDir).find((name) => name.startsWith('lambda-lab-endpoint-'))!;
    const codeDir = path.join(workDir, endpointDir, 'code');
    assert.deepEqual(existsSync(codeDir) ? readdirSync(codeDir) : [], [], 'refused packages leave no code folder');
    assert.equal((await client.send(new ListFunctionsCommand({}))).Functions!.length, 0);
  });
});
