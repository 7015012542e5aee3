import test from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { botocoreSigner } from '../support/botocoreSigning';
import {
  checkHeadersOfUndeclaredBody,
  declaresPayloadHash,
  generateCredentials,
  parseSigV4Authorization,
  verifyHeadersBeforeBody,
  verifyPayloadHash,
  verifyRequest,
} from '../../src/localEndpoint/requestAuth';

const EXAMPLE = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY' };
const EXAMPLE_NOW = Date.parse('2015-08-30T12:36:00Z');

// AWS's published Signature Version 4 examples (IAM ListUsers and the test suite's get-vanilla).
test('verifies AWS published SigV4 examples', () => {
  const listUsers = {
    method: 'GET',
    url: '/?Action=ListUsers&Version=2010-05-08',
    headers: {
      host: 'iam.amazonaws.com',
      'content-type': 'application/x-www-form-urlencoded; charset=utf-8',
      'x-amz-date': '20150830T123600Z',
      authorization:
        'AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/iam/aws4_request, SignedHeaders=content-type;host;x-amz-date, Signature=5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7',
    },
    body: Buffer.alloc(0),
  };
  assert.deepEqual(verifyRequest(listUsers, EXAMPLE, EXAMPLE_NOW), { ok: true });
  const vanilla = {
    method: 'GET',
    url: '/',
    headers: {
      host: 'example.amazonaws.com',
      'x-amz-date': '20150830T123600Z',
      authorization:
        'AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31',
    },
    body: Buffer.alloc(0),
  };
  assert.deepEqual(verifyRequest(vanilla, EXAMPLE, EXAMPLE_NOW), { ok: true });
  // One changed query value breaks the signature.
  const tampered = { ...listUsers, url: '/?Action=ListRoles&Version=2010-05-08' };
  assert.equal((verifyRequest(tampered, EXAMPLE, EXAMPLE_NOW) as { errorType: string }).errorType, 'InvalidSignatureException');
});

test('rejects missing, foreign-key, stale and unparsable authorization', () => {
  const base = { method: 'GET', url: '/', headers: {} as Record<string, string>, body: Buffer.alloc(0) };
  assert.equal((verifyRequest(base, EXAMPLE, EXAMPLE_NOW) as { errorType: string }).errorType, 'MissingAuthenticationTokenException');
  const other = {
    ...base,
    headers: {
      'x-amz-date': '20150830T123600Z',
      authorization: 'AWS4-HMAC-SHA256 Credential=AKIAOTHER/20150830/us-east-1/lambda/aws4_request, SignedHeaders=host, Signature=' + '0'.repeat(64),
    },
  };
  const foreign = verifyRequest(other, EXAMPLE, EXAMPLE_NOW);
  assert.equal(foreign.ok, false);
  assert.equal((foreign as { errorType: string }).errorType, 'UnrecognizedClientException');
  assert.equal((foreign as { status: number }).status, 403);
  const stale = {
    ...base,
    headers: {
      'x-amz-date': '20150830T123600Z',
      authorization: 'AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/lambda/aws4_request, SignedHeaders=host, Signature=' + '0'.repeat(64),
    },
  };
  assert.match((verifyRequest(stale, EXAMPLE, EXAMPLE_NOW + 20 * 60_000) as { message: string }).message, /Signature expired/);
  assert.equal(parseSigV4Authorization('Basic abc'), null);
  assert.equal(parseSigV4Authorization('AWS4-HMAC-SHA256 Credential=a/b/c, SignedHeaders=host, Signature=00'), null);
});

test('generated credentials look like AWS keys and differ per call', () => {
  const a = generateCredentials();
  const b = generateCredentials();
  assert.match(a.accessKeyId, /^AKIA[A-Z2-7]{16}$/);
  assert.equal(a.secretAccessKey.length, 40);
  assert.notEqual(a.accessKeyId, b.accessKeyId);
  assert.notEqual(a.secretAccessKey, b.secretAccessKey);
});
// The real SDK's signatures (paths with encoded ARNs, query lists) are checked end to end in
// test/integration/lambdaConformance.test.ts.

/** Signs as botocore (the AWS CLI) does for Lambda: no x-amz-content-sha256 header, the body's hash only in the canonical request. */
async function signLikeBotocore(body: string, now: number): Promise<{ method: string; url: string; headers: Record<string, string>; body: Buffer }> {
  const signer = botocoreSigner(EXAMPLE, 'us-east-1');
  const path = '/2015-03-31/functions/f/invocations';
  const signed = await signer.sign(
    {
      method: 'POST',
      protocol: 'http:',
      hostname: '127.0.0.1',
      port: 9001,
      path,
      headers: { host: '127.0.0.1:9001', 'content-type': 'application/json' },
      body,
    },
    { signingDate: new Date(now) },
  );
  const headers = Object.fromEntries(Object.entries(signed.headers).map(([name, value]) => [name.toLowerCase(), value]));
  return { method: 'POST', url: path, headers, body: Buffer.from(body) };
}

test('a request signed without x-amz-content-sha256 verifies over its body, and a changed body does not', async () => {
  const request = await signLikeBotocore('{"n":1}', EXAMPLE_NOW);
  assert.equal(request.headers['x-amz-content-sha256'], undefined, 'signed the way botocore signs');
  assert.equal(declaresPayloadHash(request.headers), false);
  assert.deepEqual(checkHeadersOfUndeclaredBody(request.headers, EXAMPLE, EXAMPLE_NOW), { ok: true });
  assert.deepEqual(verifyRequest(request, EXAMPLE, EXAMPLE_NOW), { ok: true });
  const changed = verifyRequest({ ...request, body: Buffer.from('{"n":9}') }, EXAMPLE, EXAMPLE_NOW);
  assert.equal(changed.ok, false);
  assert.equal((changed as { errorType: string }).errorType, 'InvalidSignatureException');
  // The headers alone already refuse a stranger's key id and a stale date, before any body is read.
  const foreign = { ...request.headers, authorization: request.headers.authorization.replace('AKIDEXAMPLE', 'AKIAOTHER') };
  assert.equal((checkHeadersOfUndeclaredBody(foreign, EXAMPLE, EXAMPLE_NOW) as { errorType: string }).errorType, 'UnrecognizedClientException');
  assert.match((checkHeadersOfUndeclaredBody(request.headers, EXAMPLE, EXAMPLE_NOW + 20 * 60_000) as { message: string }).message, /Signature expired/);
});

test('a declared UNSIGNED-PAYLOAD or a declared hash that does not match the body is refused', async () => {
  const request = await signLikeBotocore('{"n":1}', EXAMPLE_NOW);
  const unsigned = verifyHeadersBeforeBody({ ...request, headers: { ...request.headers, 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD' } }, EXAMPLE, EXAMPLE_NOW);
  assert.match((unsigned as { message: string }).message, /is UNSIGNED-PAYLOAD: Lambda requires the body to be signed/);
  const mismatching = verifyPayloadHash({ 'x-amz-content-sha256': createHash('sha256').update('{"n":9}').digest('hex') }, request.body);
  assert.match((mismatching as { message: string }).message, /body does not match the signed x-amz-content-sha256/);
});

test('a signed header removed after signing is named', async () => {
  const request = await signLikeBotocore('{}', EXAMPLE_NOW);
  const headers: Record<string, string> = { ...request.headers };
  delete headers['content-type'];
  assert.match(
    (verifyRequest({ ...request, headers }, EXAMPLE, EXAMPLE_NOW) as { message: string }).message,
    /lists content-type in SignedHeaders but does not carry it/,
  );
});
