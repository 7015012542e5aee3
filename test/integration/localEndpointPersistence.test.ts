// Functions outlive the endpoint: a new endpoint on the same store finds them deployed and
// invocable; a damaged entry is set aside with a warning while the others load; two endpoints
// cannot share a store; no credential is ever written there.
import test from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  GetFunctionCommand,
  InvokeCommand,
  ListFunctionsCommand,
  UpdateFunctionConfigurationCommand,
  waitUntilFunctionUpdatedV2,
} from '@aws-sdk/client-lambda';
import { defaultEndpointStoreDir, StoreInUseError } from '../../src/localEndpoint';
import { createActiveFunction, startTestEndpoint, zipOf } from '../support/localEndpointFixture';

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    return statSync(full).isDirectory() ? filesUnder(full) : [full];
  });
}

test('a restarted endpoint on the same store lists, describes and invokes the functions deployed before', async () => {
  const storeDir = mkdtempSync(path.join(os.tmpdir(), 'endpoint-store-'));
  try {
    const first = await startTestEndpoint({ cpuLimit: 'none', storeDir });
    await createActiveFunction(first.client, {
      FunctionName: 'kept-a',
      zip: zipOf({ 'index.mjs': 'export const handler = async (e) => ({ a: e.n });' }),
      Tags: { experiment: 'e1' },
    });
    await createActiveFunction(first.client, { FunctionName: 'kept-b', zip: zipOf({ 'index.mjs': 'export const handler = async () => "b";' }) });
    await first.client.send(new UpdateFunctionConfigurationCommand({ FunctionName: 'kept-b', MemorySize: 1024 }));
    await waitUntilFunctionUpdatedV2({ client: first.client, maxWaitTime: 30 }, { FunctionName: 'kept-b' });
    const shaBefore = (await first.client.send(new GetFunctionCommand({ FunctionName: 'kept-a' }))).Configuration!.CodeSha256;
    first.client.destroy();
    await first.handle.stop();
    const secrets = [first.handle.secretAccessKey, first.handle.accessKeyId];

    const second = await startTestEndpoint({ cpuLimit: 'none', storeDir });
    try {
      assert.notEqual(second.handle.accessKeyId, first.handle.accessKeyId, 'credentials are new on every start');
      const names = (await second.client.send(new ListFunctionsCommand({}))).Functions!.map((f) => f.FunctionName).sort();
      assert.deepEqual(names, ['kept-a', 'kept-b']);
      const a = await second.client.send(new GetFunctionCommand({ FunctionName: 'kept-a' }));
      assert.equal(a.Configuration!.State, 'Active');
      assert.equal(a.Configuration!.CodeSha256, shaBefore);
      assert.deepEqual(a.Tags, { experiment: 'e1' });
      assert.equal((await second.client.send(new GetFunctionCommand({ FunctionName: 'kept-b' }))).Configuration!.MemorySize, 1024);
      const invoked = await second.client.send(new InvokeCommand({ FunctionName: 'kept-a', Payload: JSON.stringify({ n: 7 }) }));
      assert.equal(Buffer.from(invoked.Payload!).toString('utf8'), '{"a":7}');

      await assert.rejects(startTestEndpoint({ cpuLimit: 'none', storeDir }), (error: Error) => {
        assert.ok(error instanceof StoreInUseError);
        assert.match(
          error.message,
          new RegExp(`Another local endpoint \\(process ${process.pid}\\) is using the function store .*Use that endpoint, or stop it first`),
        );
        return true;
      });
    } finally {
      second.client.destroy();
      await second.handle.stop();
    }
    for (const file of filesUnder(storeDir)) {
      const content = readFileSync(file, 'latin1');
      for (const secret of secrets) assert.ok(!content.includes(secret), `${file} holds a credential`);
    }
  } finally {
    rmSync(storeDir, { recursive: true, force: true });
  }
});

test('a damaged stored function is set aside with a warning; the others load', async () => {
  const storeDir = mkdtempSync(path.join(os.tmpdir(), 'endpoint-store-damaged-'));
  try {
    const first = await startTestEndpoint({ cpuLimit: 'none', storeDir });
    for (const name of ['good', 'broken', 'bad-code'])
      await createActiveFunction(first.client, { FunctionName: name, zip: zipOf({ 'index.mjs': `export const handler = async () => "${name}";` }) });
    first.client.destroy();
    await first.handle.stop();
    writeFileSync(path.join(storeDir, 'functions', 'broken', 'function.json'), '{"format":1,"name":"bro');
    writeFileSync(path.join(storeDir, 'functions', 'bad-code', 'code.zip'), 'not the zip that was deployed');

    const warnings: string[] = [];
    const second = await startTestEndpoint({ cpuLimit: 'none', storeDir, log: (line) => line.startsWith('warning:') && warnings.push(line) });
    try {
      assert.deepEqual(
        (await second.client.send(new ListFunctionsCommand({}))).Functions!.map((f) => f.FunctionName),
        ['good'],
      );
      const invoked = await second.client.send(new InvokeCommand({ FunctionName: 'good', Payload: '{}' }));
      assert.equal(Buffer.from(invoked.Payload!).toString('utf8'), '"good"');
      assert.equal(warnings.length, 2, warnings.join('\n'));
      assert.match(
        warnings.join('\n'),
        /"bad-code" is damaged \(code\.zip does not match its recorded CodeSha256\); it was moved to .*damaged.* Deploy it again/,
      );
      assert.match(warnings.join('\n'), /"broken" is damaged \(function\.json cannot be read/);
      const setAside = readdirSync(path.join(storeDir, 'damaged'));
      assert.deepEqual(setAside.map((name) => name.replace(/-\d{4}-.*$/, '')).sort(), ['bad-code', 'broken'], 'nothing is lost: the damaged entries are kept');
    } finally {
      second.client.destroy();
      await second.handle.stop();
    }
  } finally {
    rmSync(storeDir, { recursive: true, force: true });
  }
});

test('the default store is per user and follows each platform', () => {
  assert.equal(defaultEndpointStoreDir({ LAMBDA_LAB_ENDPOINT_STORE: '/x/store', HOME: '/home/u' }, 'linux'), '/x/store');
  assert.equal(defaultEndpointStoreDir({ HOME: '/home/u' }, 'linux'), '/home/u/.local/state/lambda-lab/endpoint');
  assert.equal(defaultEndpointStoreDir({ HOME: '/home/u', XDG_STATE_HOME: '/state' }, 'linux'), '/state/lambda-lab/endpoint');
  assert.equal(defaultEndpointStoreDir({ HOME: '/Users/u' }, 'darwin'), '/Users/u/Library/Application Support/lambda-lab/endpoint');
  assert.equal(
    defaultEndpointStoreDir({ LOCALAPPDATA: 'C:\\Users\\u\\AppData\\Local', HOME: 'C:\\Users\\u' }, 'win32'),
    path.join('C:\\Users\\u\\AppData\\Local', 'lambda-lab', 'endpoint'),
  );
  assert.equal(defaultEndpointStoreDir({ LAMBDA_LAB_HOME: '/lab', HOME: '/home/u' }, 'linux'), '/lab/endpoint-store');
});
