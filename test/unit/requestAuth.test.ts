import test from 'node:test';
import assert from 'node:assert/strict';
import { generateCredentials, parseSigV4Authorization, verifyRequest } from '../../src/localEndpoint/requestAuth';

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
