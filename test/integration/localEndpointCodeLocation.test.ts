// GetFunction's Code.Location serves the function's zip to whoever holds the URL, for a short
// while, as Lambda's presigned S3 URL does; a changed or foreign token gets S3's 403.
import test from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { GetFunctionCommand } from '@aws-sdk/client-lambda';
import { CODE_URL_LIFETIME_MS, CodeUrlSigner } from '../../src/localEndpoint/codeUrls';
import { createActiveFunction, startTestEndpoint, zipOf } from '../support/localEndpointFixture';

test('Code.Location downloads the deployed zip; a tampered URL is refused', async () => {
  const { handle, client } = await startTestEndpoint({ cpuLimit: 'none' });
  try {
    const zip = zipOf({ 'index.mjs': 'export const handler = async () => "copied";' });
    await createActiveFunction(client, { FunctionName: 'to-copy', zip });
    const got = await client.send(new GetFunctionCommand({ FunctionName: 'to-copy' }));
    assert.equal(got.Code!.RepositoryType, 'S3');
    const location = got.Code!.Location!;
    assert.ok(location.startsWith(`${handle.endpoint}/`), location);
    const response = await fetch(location);
    assert.equal(response.status, 200);
    assert.equal(response.headers.get('content-type'), 'application/zip');
    const downloaded = Buffer.from(await response.arrayBuffer());
    assert.deepEqual(downloaded, Buffer.from(zip));
    assert.equal(createHash('sha256').update(downloaded).digest('base64'), got.Configuration!.CodeSha256);

    const tampered = location.replace(/-([0-9a-f])/, (_, digit: string) => `-${digit === '0' ? '1' : '0'}`);
    assert.notEqual(tampered, location);
    assert.equal((await fetch(tampered)).status, 403);
    assert.equal((await fetch(location.replace('to-copy', 'other'))).status, 403, 'the token is bound to the function');
  } finally {
    client.destroy();
    await handle.stop();
  }
});

test('code URLs expire after their lifetime and are bound to name, hash and key', () => {
  const signer = new CodeUrlSigner();
  const now = Date.parse('2026-01-01T00:00:00Z');
  const token = /\/lambda-lab\/code\/([^/]+)\//.exec(signer.pathFor('f', 'SHA=', now))![1];
  assert.equal(signer.verify(token, 'f', 'SHA=', now + CODE_URL_LIFETIME_MS - 1), true);
  assert.equal(signer.verify(token, 'f', 'SHA=', now + CODE_URL_LIFETIME_MS + 1), false, 'expired');
  assert.equal(signer.verify(token, 'g', 'SHA=', now), false, 'another function');
  assert.equal(signer.verify(token, 'f', 'OTHER=', now), false, 'other code');
  assert.equal(new CodeUrlSigner().verify(token, 'f', 'SHA=', now), false, "another endpoint's key");
  const later = token.replace(/^\d+/, String(now + 10 * CODE_URL_LIFETIME_MS));
  assert.equal(signer.verify(later, 'f', 'SHA=', now + 5 * CODE_URL_LIFETIME_MS), false, 'the expiry cannot be extended');
});
