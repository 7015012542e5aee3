// The endpoint runs code, so: loopback only, every request signed with the generated
// credentials, and deployment packages that try to escape their folder are refused.
import test, { after, before, describe } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import * as http from 'node:http';
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
    const external = Object.values(os.networkInterfaces())
      .flat()
      .find((address) => address && address.family === 'IPv4' && !address.internal);
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
    await assert.rejects(
      foreign.send(new ListFunctionsCommand({})),
      (error: Error & { $metadata: { httpStatusCode: number } }) => error.name === 'UnrecognizedClientException' && error.$metadata.httpStatusCode === 403,
    );
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
        client.send(
          new CreateFunctionCommand({
            FunctionName: `evil-${i}`,
            Role: TEST_ROLE_ARN,
            Runtime: 'nodejs20.x',
            Handler: 'index.handler',
            Code: { ZipFile: zip },
          }),
        ),
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

  test('a 50 MB unsigned POST is refused from its headers: the 403 arrives while the client has sent 1 MB, and the connection is closed', async () => {
    const outcome = await postPartially(handle.endpoint, { authorization: undefined, declaredBytes: 50 * 1024 * 1024, sentBytes: 1024 * 1024 });
    // Were the body read before the auth check, the server would wait for the other 49 MB and
    // never answer (postPartially then fails with its own timeout).
    assert.equal(outcome.status, 403);
    assert.equal(outcome.errorType, 'MissingAuthenticationTokenException');
    assert.equal(outcome.connectionHeader, 'close');
    assert.equal(outcome.socketClosed, true, 'the server closed the connection instead of reading the rest');
  });

  test('a large POST signed with a foreign key, or with a garbled Authorization, is refused before its body is read', async () => {
    const foreign = await postPartially(handle.endpoint, {
      authorization: signatureHeader('AKIAIOSFODNN7EXAMPLE'),
      declaredBytes: 50 * 1024 * 1024,
      sentBytes: 64 * 1024,
    });
    assert.equal(foreign.status, 403);
    assert.equal(foreign.errorType, 'UnrecognizedClientException');
    const garbled = await postPartially(handle.endpoint, { authorization: 'Bearer x', declaredBytes: 50 * 1024 * 1024, sentBytes: 64 * 1024 });
    assert.equal(garbled.status, 403);
    assert.equal(garbled.errorType, 'InvalidSignatureException');
    // Our key id with a wrong signature over a declared body hash: the whole signature is checked from the headers.
    // (Without x-amz-content-sha256, as botocore signs, it can only be checked after the body: localEndpointSlowBodies.test.)
    const wrongSignature = await postPartially(handle.endpoint, {
      authorization: signatureHeader(handle.accessKeyId),
      declaredBytes: 50 * 1024 * 1024,
      sentBytes: 64 * 1024,
      extraHeaders: { 'x-amz-content-sha256': 'a'.repeat(64) },
    });
    assert.equal(wrongSignature.status, 403);
    assert.equal(wrongSignature.errorType, 'InvalidSignatureException');
  });

  test('requests with an Origin header (web pages) or another Host (DNS rebinding) get 403, signed or not', async () => {
    const port = Number(new URL(handle.endpoint).port);
    const fromPage = await rawRequest(port, { Origin: 'https://evil.example', Host: `127.0.0.1:${port}` });
    assert.equal(fromPage.status, 403);
    assert.equal(fromPage.errorType, 'AccessDeniedException');
    assert.match(fromPage.message, /Requests from web pages \(Origin: https:\/\/evil\.example\) are refused/);
    const rebound = await rawRequest(port, { Host: `evil.example:${port}` });
    assert.equal(rebound.status, 403);
    assert.equal(rebound.errorType, 'AccessDeniedException');
    assert.match(rebound.message, new RegExp(`Host "evil\\.example:${port}" is not this endpoint.*DNS rebinding`));
    assert.equal((await rawRequest(port, { Host: `127.0.0.1:${port + 1}` })).errorType, 'AccessDeniedException', 'another port is another host');
    // localhost and 127.0.0.1 on our port reach the auth check (and fail it only for lack of a signature).
    assert.equal((await rawRequest(port, { Host: `localhost:${port}` })).errorType, 'MissingAuthenticationTokenException');
    assert.equal((await rawRequest(port, { Host: `127.0.0.1:${port}` })).errorType, 'MissingAuthenticationTokenException');
    // The SDK sends neither Origin nor a foreign Host, so it is unaffected.
    assert.ok(Array.isArray((await client.send(new ListFunctionsCommand({}))).Functions));
  });
});

/** A well-formed SigV4 Authorization header for `accessKeyId` whose signature is wrong. */
function signatureHeader(accessKeyId: string): string {
  const date = new Date().toISOString().slice(0, 10).replace(/-/g, '');
  return `AWS4-HMAC-SHA256 Credential=${accessKeyId}/${date}/us-east-1/lambda/aws4_request, SignedHeaders=host;x-amz-date, Signature=${'0'.repeat(64)}`;
}

interface PartialPostOutcome {
  status: number;
  errorType: string | undefined;
  connectionHeader: string | undefined;
  /** Whether the server closed the connection within a few seconds of answering, without the rest of the body. */
  socketClosed: boolean;
}

/**
 * POSTs a CreateFunction declaring `declaredBytes` but sends only `sentBytes`, then waits for the
 * answer. A server that reads the whole body before answering never answers: that is a failure
 * after 15 s, not a hang.
 */
function postPartially(
  endpoint: string,
  options: { authorization: string | undefined; declaredBytes: number; sentBytes: number; extraHeaders?: Record<string, string> },
): Promise<PartialPostOutcome> {
  const url = new URL('/2015-03-31/functions', endpoint);
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = {
      'Content-Type': 'application/json',
      'Content-Length': String(options.declaredBytes),
      'X-Amz-Date': new Date().toISOString().replace(/[-:]|\.\d+/g, ''),
      ...options.extraHeaders,
    };
    if (options.authorization) headers.Authorization = options.authorization;
    const request = http.request(url, { method: 'POST', headers, agent: false });
    const timer = setTimeout(() => {
      request.destroy();
      reject(new Error(`no answer within 15 s after sending ${options.sentBytes} of ${options.declaredBytes} declared bytes: the server waits for the body`));
    }, 15_000);
    request.on('error', () => {}); // the server may close while we still hold unsent bytes
    request.on('response', (response) => {
      clearTimeout(timer);
      response.resume();
      const socket = request.socket!;
      const outcome = {
        status: response.statusCode!,
        errorType: response.headers['x-amzn-errortype'] as string | undefined,
        connectionHeader: response.headers.connection,
      };
      if (socket.destroyed) return resolve({ ...outcome, socketClosed: true });
      const closeTimer = setTimeout(() => {
        request.destroy();
        resolve({ ...outcome, socketClosed: false });
      }, 5_000);
      socket.once('close', () => {
        clearTimeout(closeTimer);
        resolve({ ...outcome, socketClosed: true });
      });
    });
    request.flushHeaders();
    if (options.sentBytes > 0) request.write(Buffer.alloc(options.sentBytes, 0x20));
  });
}

/** A GET with exactly these headers (Node's client would otherwise set Host itself). */
function rawRequest(port: number, headers: Record<string, string>): Promise<{ status: number; errorType: string | undefined; message: string }> {
  return new Promise((resolve, reject) => {
    const request = http.request(
      { host: '127.0.0.1', port, method: 'GET', path: '/2015-03-31/functions', headers, agent: false, setHost: false },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () => {
          const body = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as { message?: string };
          resolve({ status: response.statusCode!, errorType: response.headers['x-amzn-errortype'] as string | undefined, message: body.message ?? '' });
        });
      },
    );
    request.on('error', reject);
    request.end();
  });
}
