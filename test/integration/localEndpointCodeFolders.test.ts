// Code folders: removed with their function and when the endpoint stops; a package that cannot
// be unpacked, or a handler pointing outside the code, gets a clear 400; and no answer names one
// of the endpoint's own folders.
import test, { after, before, describe } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  CreateFunctionCommand,
  DeleteFunctionCommand,
  InvokeCommand,
  UpdateFunctionCodeCommand,
  UpdateFunctionConfigurationCommand,
  waitUntilFunctionUpdatedV2,
  type LambdaClient,
} from '@aws-sdk/client-lambda';
import type { LocalEndpointHandle } from '../../src/localEndpoint';
import { createActiveFunction, startTestEndpoint, TEST_ROLE_ARN, zipOf } from '../support/localEndpointFixture';

type SdkError = Error & { $metadata: { httpStatusCode: number }; $response?: { body?: unknown } };

describe('local endpoint code folders and handler paths', () => {
  let handle: LocalEndpointHandle;
  let client: LambdaClient;
  let workDir: string;
  let outsideModule: string;
  const codeFolders = () => {
    const endpointDir = readdirSync(workDir).find((name) => name.startsWith('lambda-lab-endpoint-'));
    const codeDir = endpointDir ? path.join(workDir, endpointDir, 'code') : '';
    return codeDir && existsSync(codeDir) ? readdirSync(codeDir) : [];
  };
  /** Removal happens once the environment has exited; a generous bound, never a fixed sleep. */
  const waitForCodeFolders = async (expected: number) => {
    const deadline = Date.now() + 30_000;
    while (codeFolders().length !== expected && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
    assert.equal(codeFolders().length, expected, `code folders: ${codeFolders().join(', ')}`);
  };
  before(async () => {
    workDir = mkdtempSync(path.join(os.tmpdir(), 'endpoint-code-folders-'));
    outsideModule = path.join(workDir, 'outside.mjs');
    writeFileSync(outsideModule, 'export const handler = async () => "outside";');
    ({ handle, client } = await startTestEndpoint({ cpuLimit: 'none', workDir }));
  });
  after(async () => {
    client?.destroy();
    await handle?.stop();
    rmSync(workDir, { recursive: true, force: true });
  });

  const assertNoInternalPath = (text: string) => {
    assert.ok(!text.includes(workDir), `the answer names an internal folder: ${text}`);
    assert.ok(!text.includes('lambda-lab-endpoint-'), `the answer names an internal folder: ${text}`);
  };

  test('DeleteFunction removes the code folders of every revision, also after updates and invocations', async () => {
    await createActiveFunction(client, { FunctionName: 'short-lived', zip: zipOf({ 'index.mjs': 'export const handler = async () => 1;' }) });
    await client.send(new InvokeCommand({ FunctionName: 'short-lived', Payload: '{}' }));
    await client.send(new UpdateFunctionCodeCommand({ FunctionName: 'short-lived', ZipFile: zipOf({ 'index.mjs': 'export const handler = async () => 2;' }) }));
    await waitUntilFunctionUpdatedV2({ client, maxWaitTime: 30 }, { FunctionName: 'short-lived' });
    await client.send(new InvokeCommand({ FunctionName: 'short-lived', Payload: '{}' }));
    await client.send(new DeleteFunctionCommand({ FunctionName: 'short-lived' }));
    await waitForCodeFolders(0);
  });

  test('a zip with a file "a" and a folder "a/b" gets a clear 400 without an internal path', async () => {
    const clash = zipOf({ a: 'file', 'a/b': 'inside a folder named a', 'index.mjs': 'export const handler = async () => 1;' });
    await assert.rejects(
      client.send(
        new CreateFunctionCommand({ FunctionName: 'clash', Role: TEST_ROLE_ARN, Runtime: 'nodejs20.x', Handler: 'index.handler', Code: { ZipFile: clash } }),
      ),
      (error: SdkError) => {
        assert.equal(error.$metadata.httpStatusCode, 400);
        assert.equal(error.name, 'InvalidParameterValueException');
        assert.match(error.message, /a file "a" and also a folder of that name \("a\/b"\).*Rename one of them/);
        assertNoInternalPath(error.message);
        return true;
      },
    );
    await waitForCodeFolders(0);
  });

  test('handlers outside the code folder are refused at create and update; nested ones work', async () => {
    for (const handler of ['../x.handler', '/etc/passwd.handler', 'sub/../../x.handler', 'C:/x.handler', '..\\x.handler']) {
      await assert.rejects(
        client.send(
          new CreateFunctionCommand({
            FunctionName: 'escape',
            Role: TEST_ROLE_ARN,
            Runtime: 'nodejs20.x',
            Handler: handler,
            Code: { ZipFile: zipOf({ 'index.mjs': '' }) },
          }),
        ),
        (error: SdkError) =>
          error.name === 'InvalidParameterValueException' &&
          error.$metadata.httpStatusCode === 400 &&
          /must name a file inside the deployment package/.test(error.message),
        handler,
      );
    }
    await createActiveFunction(client, {
      FunctionName: 'nested',
      Handler: 'sub/dir/file.fn',
      zip: zipOf({ 'sub/dir/file.mjs': 'export const fn = async () => "nested";' }),
    });
    const nested = await client.send(new InvokeCommand({ FunctionName: 'nested', Payload: '{}' }));
    assert.equal(Buffer.from(nested.Payload!).toString('utf8'), '"nested"');
    await assert.rejects(
      client.send(new UpdateFunctionConfigurationCommand({ FunctionName: 'nested', Handler: '../x.handler' })),
      (error: SdkError) => error.name === 'InvalidParameterValueException',
    );
  });

  test('a symlink out of the code folder, made after deployment, is refused again at invoke', async () => {
    const linker = zipOf({
      'index.mjs': `import { symlinkSync } from 'node:fs';\nexport const handler = async (event) => { symlinkSync(event.target, 'link.mjs'); return 'linked'; };`,
    });
    await createActiveFunction(client, { FunctionName: 'linker', zip: linker });
    await client.send(new InvokeCommand({ FunctionName: 'linker', Payload: JSON.stringify({ target: outsideModule }) }));
    await client.send(new UpdateFunctionConfigurationCommand({ FunctionName: 'linker', Handler: 'link.handler' }));
    await waitUntilFunctionUpdatedV2({ client, maxWaitTime: 30 }, { FunctionName: 'linker' });
    const response = await client.send(new InvokeCommand({ FunctionName: 'linker', Payload: '{}' }));
    assert.equal(response.FunctionError, 'Unhandled');
    const body = Buffer.from(response.Payload!).toString('utf8');
    assert.match(body, /Runtime\.HandlerNotFound.*outside the function's code folder/);
    assert.doesNotMatch(body, /outside"/, 'the module outside did not run');
    assertNoInternalPath(body);
  });

  test('error answers name no internal folder: missing module, thrown error with its trace', async () => {
    await createActiveFunction(client, { FunctionName: 'missing', Handler: 'nothere.handler', zip: zipOf({ 'index.mjs': '' }) });
    const missing = await client.send(new InvokeCommand({ FunctionName: 'missing', Payload: '{}' }));
    assert.equal(missing.FunctionError, 'Unhandled');
    assertNoInternalPath(Buffer.from(missing.Payload!).toString('utf8'));
    await createActiveFunction(client, {
      FunctionName: 'thrower',
      zip: zipOf({ 'index.mjs': 'export const handler = async () => { throw new Error("boom"); };' }),
    });
    const thrown = await client.send(new InvokeCommand({ FunctionName: 'thrower', Payload: '{}' }));
    const thrownBody = Buffer.from(thrown.Payload!).toString('utf8');
    assert.match(thrownBody, /\/var\/task\/index\.mjs/, 'the trace names the code folder as Lambda does');
    assertNoInternalPath(thrownBody);
  });
});

test('stopping the endpoint removes its code folders', async () => {
  const workDir = mkdtempSync(path.join(os.tmpdir(), 'endpoint-stop-'));
  try {
    const { handle, client } = await startTestEndpoint({ cpuLimit: 'none', workDir });
    await createActiveFunction(client, { FunctionName: 'kept-until-stop', zip: zipOf({ 'index.mjs': 'export const handler = async () => 1;' }) });
    assert.equal(readdirSync(workDir).length, 1);
    client.destroy();
    await handle.stop();
    assert.deepEqual(readdirSync(workDir), []);
  } finally {
    rmSync(workDir, { recursive: true, force: true });
  }
});
