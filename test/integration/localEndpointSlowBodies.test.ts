// Slow bodies cannot block the endpoint: strangers who know only the access key id are refused
// from the headers when they declare a payload hash, and even requests with a valid signature (a
// captured one, replayed slowly) hold a reading slot only until their deadline and cost only the
// bytes they have sent, while a real SDK client deploys and invokes as usual. Requests without a
// payload hash header (botocore's way) can only be checked after their body: they are read in a
// budget of their own, so the same strangers cannot hold up signed SDK clients that way either.
import test, { after, before, describe } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import * as http from 'node:http';
import { InvokeCommand, ListFunctionsCommand, type LambdaClient } from '@aws-sdk/client-lambda';
import { DEFAULT_UNVERIFIED_BODY_LIMITS } from '../../src/localEndpoint/requestBody';
import { zipSync } from 'fflate';
import type { LocalEndpointHandle, LocalEndpointOptions } from '../../src/localEndpoint';
import { captureSignedRequests, createActiveFunction, startTestEndpoint, zipOf, type CapturedRequest } from '../support/localEndpointFixture';

const SLOW_CONNECTIONS = 10;

/** Counts the endpoint's "receiving a body" log lines and lets a test wait for the n-th. */
function bodyReadWatcher(): { log: (line: string) => void; reached: (count: number) => Promise<void> } {
  let seen = 0;
  const waiters: Array<{ count: number; resolve: () => void }> = [];
  return {
    log: (line) => {
      if (!/: receiving a .*-byte body/.test(line)) return;
      seen++;
      for (const waiter of waiters.filter((w) => w.count <= seen)) {
        waiters.splice(waiters.indexOf(waiter), 1);
        waiter.resolve();
      }
    },
    reached: (count) => (seen >= count ? Promise.resolve() : new Promise((resolve) => waiters.push({ count, resolve }))),
  };
}

interface SlowUpload {
  /** The answer, if the server gives one before the upload ends. */
  answered: Promise<{ status: number; errorType: string | undefined }>;
  isOpen(): boolean;
  abort(): void;
}

/** Sends the headers and the first `sentBytes` of the body, then nothing more. */
function slowUpload(endpoint: string, request: { method: string; path: string; headers: Record<string, string> }, body: Buffer, sentBytes: number): SlowUpload {
  const url = new URL(endpoint);
  let open = true;
  const outgoing = http.request({
    host: url.hostname,
    port: url.port,
    method: request.method,
    path: request.path,
    headers: { ...request.headers, 'content-length': String(body.length) },
    agent: false,
    setHost: false,
  });
  const answered = new Promise<{ status: number; errorType: string | undefined }>((resolve) => {
    outgoing.on('response', (response) => {
      response.resume();
      resolve({ status: response.statusCode!, errorType: response.headers['x-amzn-errortype'] as string | undefined });
    });
  });
  outgoing.on('error', () => {});
  outgoing.on('close', () => (open = false));
  outgoing.flushHeaders();
  outgoing.write(body.subarray(0, sentBytes));
  return { answered, isOpen: () => open && !outgoing.destroyed, abort: () => outgoing.destroy() };
}

/** A stored zip of incompressible bytes, so the signed CreateFunction body is large. */
function bulkyZip(megabytes: number): Uint8Array {
  return zipSync(
    { 'index.mjs': new TextEncoder().encode('export const handler = async () => 1;'), 'data.bin': new Uint8Array(randomBytes(megabytes * 1024 * 1024)) },
    { level: 0 },
  );
}

async function endpointWithCapturedUpload(
  options: LocalEndpointOptions & { log: (line: string) => void },
): Promise<{ handle: LocalEndpointHandle; client: LambdaClient; upload: CapturedRequest }> {
  const { handle, client } = await startTestEndpoint({ cpuLimit: 'none', ...options });
  const captured = captureSignedRequests(client);
  await createActiveFunction(client, { FunctionName: 'bulky', zip: bulkyZip(1) });
  const upload = captured.find((request) => request.method === 'POST' && request.path.endsWith('/functions'))!;
  assert.ok(upload.body.length > 1024 * 1024);
  return { handle, client, upload };
}

const megabytes = (bytes: number) => (bytes / 1048576).toFixed(1);

describe('local endpoint: slow bodies do not block signed clients', () => {
  const watcher = bodyReadWatcher();
  let handle: LocalEndpointHandle;
  let client: LambdaClient;
  let upload: CapturedRequest;
  const slow: SlowUpload[] = [];
  before(async () => {
    // A long deadline, so the slow uploads are certainly still open while the SDK works.
    ({ handle, client, upload } = await endpointWithCapturedUpload({ log: watcher.log, bodyLimits: { bodyDeadlineMs: 300_000 } }));
  });
  after(async () => {
    for (const s of slow) s.abort();
    client?.destroy();
    await handle?.stop();
  });

  test(`${SLOW_CONNECTIONS} uploads that know only the access key id are refused from their headers`, async () => {
    const date = new Date().toISOString().replace(/[-:]|\.\d+/g, '');
    const headers = {
      host: new URL(handle.endpoint).host,
      'x-amz-date': date,
      'x-amz-content-sha256': '0'.repeat(64),
      authorization: `AWS4-HMAC-SHA256 Credential=${handle.accessKeyId}/${date.slice(0, 8)}/us-east-1/lambda/aws4_request, SignedHeaders=host;x-amz-date, Signature=${'0'.repeat(64)}`,
    };
    const declaredBody = Buffer.alloc(69_000_000);
    const strangers = Array.from({ length: SLOW_CONNECTIONS }, () =>
      slowUpload(handle.endpoint, { method: 'POST', path: '/2015-03-31/functions', headers }, declaredBody, 1024),
    );
    const answers = await Promise.all(strangers.map((s) => s.answered));
    for (const s of strangers) s.abort();
    assert.deepEqual(new Set(answers.map((a) => `${a.status} ${a.errorType}`)), new Set(['403 InvalidSignatureException']));
  });

  test(`while ${SLOW_CONNECTIONS} validly signed uploads trickle, the SDK deploys and invokes; memory stays bounded`, async (t) => {
    global.gc?.();
    const before = process.memoryUsage();
    const sentPerUpload = 1024 * 1024;
    for (let i = 0; i < SLOW_CONNECTIONS; i++) slow.push(slowUpload(handle.endpoint, upload, upload.body, sentPerUpload));
    // bulky's own create was the first body read.
    await watcher.reached(1 + SLOW_CONNECTIONS);
    await createActiveFunction(client, {
      FunctionName: 'quick',
      zip: zipOf({ 'index.mjs': 'export const handler = async (event) => ({ doubled: event.n * 2 });' }),
    });
    const response = await client.send(new InvokeCommand({ FunctionName: 'quick', Payload: JSON.stringify({ n: 21 }) }));
    assert.equal(Buffer.from(response.Payload!).toString('utf8'), '{"doubled":42}');
    assert.deepEqual(
      slow.map((s) => s.isOpen()),
      slow.map(() => true),
      'the slow uploads are still open: the SDK did not have to wait for them',
    );
    const during = process.memoryUsage();
    t.diagnostic(
      `memory with ${SLOW_CONNECTIONS} slow uploads of ${megabytes(upload.body.length)} MB open (${megabytes(sentPerUpload)} MB sent each): ` +
        `rss ${megabytes(before.rss)} -> ${megabytes(during.rss)} MB, arrayBuffers ${megabytes(before.arrayBuffers)} -> ${megabytes(during.arrayBuffers)} MB`,
    );
    for (const s of slow) s.abort();
  });
});

describe('local endpoint: slow bodies without x-amz-content-sha256 do not block signed clients', () => {
  const watcher = bodyReadWatcher();
  let handle: LocalEndpointHandle;
  let client: LambdaClient;
  const slow: SlowUpload[] = [];
  before(async () => {
    // A long deadline, so the slow uploads are certainly still open while the SDK works.
    ({ handle, client } = await startTestEndpoint({ cpuLimit: 'none', log: watcher.log, unverifiedBodyLimits: { bodyDeadlineMs: 300_000 } }));
  });
  after(async () => {
    for (const s of slow) s.abort();
    client?.destroy();
    await handle?.stop();
  });

  /** What a holder of only the access key id can send: no payload hash header (as botocore), so the signature is checked after the body. */
  const keyIdOnlyHeaders = () => {
    const date = new Date().toISOString().replace(/[-:]|\.\d+/g, '');
    return {
      host: new URL(handle.endpoint).host,
      'x-amz-date': date,
      authorization: `AWS4-HMAC-SHA256 Credential=${handle.accessKeyId}/${date.slice(0, 8)}/us-east-1/lambda/aws4_request, SignedHeaders=host;x-amz-date, Signature=${'0'.repeat(64)}`,
    };
  };

  test(`while ${SLOW_CONNECTIONS} such uploads from a holder of only the key id trickle, the SDK deploys and invokes; memory stays bounded`, async (t) => {
    global.gc?.();
    const before = process.memoryUsage();
    const declaredBody = Buffer.alloc(69_000_000);
    const sentPerUpload = 1024 * 1024;
    for (let i = 0; i < SLOW_CONNECTIONS; i++) {
      slow.push(slowUpload(handle.endpoint, { method: 'POST', path: '/2015-03-31/functions', headers: keyIdOnlyHeaders() }, declaredBody, sentPerUpload));
    }
    // Only DEFAULT_UNVERIFIED_BODY_LIMITS.reading of them are read at once; the rest wait unread.
    await watcher.reached(DEFAULT_UNVERIFIED_BODY_LIMITS.reading);
    await createActiveFunction(client, {
      FunctionName: 'quick',
      zip: zipOf({ 'index.mjs': 'export const handler = async (event) => ({ doubled: event.n * 2 });' }),
    });
    const response = await client.send(new InvokeCommand({ FunctionName: 'quick', Payload: JSON.stringify({ n: 21 }) }));
    assert.equal(Buffer.from(response.Payload!).toString('utf8'), '{"doubled":42}');
    assert.deepEqual(
      slow.map((s) => s.isOpen()),
      slow.map(() => true),
      'the slow uploads are still open: the SDK did not have to wait for them',
    );
    const during = process.memoryUsage();
    t.diagnostic(
      `memory with ${SLOW_CONNECTIONS} unverified slow uploads of ${megabytes(declaredBody.length)} MB open (${megabytes(sentPerUpload)} MB sent each, ` +
        `${DEFAULT_UNVERIFIED_BODY_LIMITS.reading} read at once): rss ${megabytes(before.rss)} -> ${megabytes(during.rss)} MB, ` +
        `arrayBuffers ${megabytes(before.arrayBuffers)} -> ${megabytes(during.arrayBuffers)} MB`,
    );
    for (const s of slow) s.abort();
  });

  test('such a body, once complete, is refused by its signature and runs nothing', async () => {
    const body = Buffer.from(
      JSON.stringify({ FunctionName: 'forged', Role: 'arn:aws:iam::123456789012:role/x', Runtime: 'nodejs20.x', Handler: 'index.handler' }),
    );
    const complete = slowUpload(handle.endpoint, { method: 'POST', path: '/2015-03-31/functions', headers: keyIdOnlyHeaders() }, body, body.length);
    assert.deepEqual(await complete.answered, { status: 403, errorType: 'InvalidSignatureException' });
    complete.abort();
    const names = (await client.send(new ListFunctionsCommand({}))).Functions?.map((f) => f.FunctionName);
    assert.ok(!names?.includes('forged'));
  });
});

describe('local endpoint: body deadline and the cap on buffered bytes', () => {
  const watcher = bodyReadWatcher();
  let handle: LocalEndpointHandle;
  let client: LambdaClient;
  let upload: CapturedRequest;
  before(async () => {
    ({ handle, client, upload } = await endpointWithCapturedUpload({
      log: watcher.log,
      bodyLimits: { bodyDeadlineMs: 5_000, bufferedBytes: 2 * 1024 * 1024 },
    }));
  });
  after(async () => {
    client?.destroy();
    await handle?.stop();
  });

  test('a body that would exceed the bytes buffered in total gets 429; one that misses its deadline gets 408 and is closed', async () => {
    const first = slowUpload(handle.endpoint, upload, upload.body, 1024 * 1024);
    await watcher.reached(2);
    const second = slowUpload(handle.endpoint, upload, upload.body, upload.body.length - 1);
    assert.deepEqual(await second.answered, { status: 429, errorType: 'TooManyRequestsException' });
    second.abort();
    assert.deepEqual(await first.answered, { status: 408, errorType: 'RequestTimeoutException' });
    first.abort();
  });
});
