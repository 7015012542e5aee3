import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isLoopbackHost, targetBills } from '../../src/core/targetBilling';

test('only the built-in endpoint and loopback endpoints are free', () => {
  assert.equal(targetBills({ target: { kind: 'local' }, endpoint: 'http://127.0.0.1:9000', builtInEndpoint: true }), false);
  assert.equal(
    targetBills({ target: { kind: 'endpoint' }, endpoint: 'http://192.168.1.5:9000', builtInEndpoint: true }),
    false,
    'the built-in endpoint, whatever its address',
  );
  assert.equal(targetBills({ target: { kind: 'aws' }, builtInEndpoint: false }), true);
  for (const url of [
    'http://127.0.0.1:4566',
    'http://localhost:4566',
    'http://127.1.2.3:5000',
    'http://[::1]:4566',
    'http://127.1:4566',
    'http://[::ffff:127.0.0.1]:1',
  ]) {
    assert.equal(targetBills({ target: { kind: 'endpoint' }, endpoint: url, builtInEndpoint: false }), false, url);
  }
  // AWS_ENDPOINT_URL_LAMBDA pointing at a VPC interface endpoint or a FIPS endpoint bills for real.
  for (const url of [
    'https://vpce-0123456789abcdef0-abcdefgh.lambda.us-east-1.vpce.amazonaws.com',
    'https://lambda-fips.us-east-1.amazonaws.com',
    'http://localstack:4566',
    'http://10.0.0.5:4566',
    'http://128.0.0.1:4566',
    'http://localhost.example.com:4566',
    'not a url',
  ]) {
    assert.equal(targetBills({ target: { kind: 'endpoint' }, endpoint: url, builtInEndpoint: false }), true, url);
  }
});

test('loopback hosts', () => {
  for (const host of ['localhost', 'LOCALHOST', 'localhost.', '127.0.0.1', '127.255.255.254', '[::1]', '::1', '[::ffff:7f00:1]'])
    assert.equal(isLoopbackHost(host), true, host);
  for (const host of ['0.0.0.0', '10.0.0.1', '126.0.0.1', '[::2]', '[::ffff:a00:1]', 'example.com', '127.0.0.1.nip.io'])
    assert.equal(isLoopbackHost(host), false, host);
});
