// Copying a user's function on moto_server (an independent Lambda control plane): the copies get
// the original's runtime, handler, role, environment (plus the thread variable), layers, timeout
// and architecture; the original keeps its configuration, code hash and tags; cleanup deletes only
// the copies. moto's GetFunction gives a Code.Location on real S3 (awslambda-<region>-tasks.s3
// .<region>.amazonaws.com) that moto itself does not serve, so here the zip is served from a
// test-only location. moto runs functions in Docker, which this machine lacks: the sweep itself is
// tested against the built-in endpoint (ownFunctionSweep.test.ts).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { CreateFunctionCommand, GetFunctionCommand, LambdaClient, ListFunctionsCommand, PublishLayerVersionCommand } from '@aws-sdk/client-lambda';
import { planCopies, TAG_COPY_OF } from '../../src/core/ownFunction';
import { cleanupExperiment } from '../../src/deploy/cleanup';
import { configurationFingerprint, CopyRefusedError, createCopies, describeOriginal, downloadCode } from '../../src/ownFunction/copyFunction';
import { createActiveFunction, motoUnavailableReason, startMoto, zipOf, type MotoServer } from '../support/localEndpointFixture';

const motoSkip = motoUnavailableReason();

describe('own function copies on moto_server', { skip: motoSkip ?? false }, () => {
  let moto: MotoServer;
  let client: LambdaClient;
  let codeServer: http.Server;
  let served: Uint8Array = new Uint8Array();
  let codeUrl = '';
  const zip = zipOf({ 'index.mjs': 'export const handler = async (event) => ({ threads: Number(process.env.THREADS ?? 1), event });' });

  before(async () => {
    moto = await startMoto();
    client = new LambdaClient({ endpoint: moto.endpoint, region: 'us-east-1', credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' } });
    codeServer = http.createServer((request, response) => {
      if (request.url === '/code.zip') {
        response.writeHead(200, { 'content-type': 'application/zip' });
        response.end(served);
      } else {
        response.writeHead(403).end();
      }
    });
    await new Promise<void>((resolve) => codeServer.listen(0, '127.0.0.1', resolve));
    codeUrl = `http://127.0.0.1:${(codeServer.address() as AddressInfo).port}/code.zip`;
  });

  after(async () => {
    client?.destroy();
    await moto?.stop();
    await new Promise((resolve) => codeServer?.close(resolve));
  });

  test('copies carry the configuration and layers; the original is unchanged; cleanup deletes only the copies', async () => {
    const layer = await client.send(
      new PublishLayerVersionCommand({ LayerName: 'shared-libs', Content: { ZipFile: zipOf({ 'nodejs/x.js': '1' }) }, CompatibleRuntimes: ['nodejs20.x'] }),
    );
    await createActiveFunction(
      client,
      {
        FunctionName: 'orders-report',
        zip,
        MemorySize: 1024,
        Timeout: 42,
        Environment: { Variables: { TABLE: 'orders' } },
        Layers: [layer.LayerVersionArn!],
        Tags: { team: 'billing' },
      },
      moto.roleArn,
    );
    const original = await describeOriginal(client, 'orders-report', { copyVpc: false });
    assert.match(original.codeLocation, /^https:\/\/awslambda-us-east-1-tasks\.s3\.us-east-1\.amazonaws\.com\//, "moto's Code.Location names real S3");
    const before = configurationFingerprint(original.configuration);
    const beforeTags = (await client.send(new GetFunctionCommand({ FunctionName: 'orders-report' }))).Tags;

    served = zip;
    const downloaded = await downloadCode({ ...original, codeLocation: codeUrl });
    const copies = planCopies({
      experimentId: 'own-orders',
      memorySizesMB: [256, 512],
      arch: original.arch,
      threadCounts: [1, 2],
      dimension: { kind: 'env', name: 'THREADS' },
    });
    const made = await createCopies({
      client,
      experimentId: 'own-orders',
      original,
      zip: downloaded,
      copies,
      dimension: { kind: 'env', name: 'THREADS' },
      copyVpc: false,
    });
    assert.equal(made.length, 4);
    for (const copy of copies) {
      const got = await client.send(new GetFunctionCommand({ FunctionName: copy.functionName }));
      const c = got.Configuration!;
      assert.equal(c.MemorySize, copy.memoryMB);
      assert.equal(c.Runtime, 'nodejs20.x');
      assert.equal(c.Handler, 'index.handler');
      assert.equal(c.Role, moto.roleArn);
      assert.equal(c.Timeout, 42);
      assert.equal(c.CodeSha256, original.configuration.CodeSha256);
      assert.deepEqual(c.Environment?.Variables, { TABLE: 'orders', THREADS: String(copy.threads) });
      assert.deepEqual(
        c.Layers?.map((l) => l.Arn),
        [layer.LayerVersionArn],
      );
      assert.equal(got.Tags?.[TAG_COPY_OF], 'orders-report');
    }
    // Running again reuses the copies instead of touching them.
    const again = await createCopies({
      client,
      experimentId: 'own-orders',
      original,
      zip: downloaded,
      copies,
      dimension: { kind: 'env', name: 'THREADS' },
      copyVpc: false,
    });
    assert.deepEqual(new Set(again.map((r) => r.action)), new Set(['reused']));

    const cleaned = await cleanupExperiment({ client, experimentId: 'own-orders' });
    assert.deepEqual(cleaned.deletedFunctions.sort(), copies.map((c) => c.functionName).sort());
    const left = ((await client.send(new ListFunctionsCommand({}))).Functions ?? []).map((f) => f.FunctionName);
    assert.deepEqual(left, ['orders-report']);
    const after = await client.send(new GetFunctionCommand({ FunctionName: 'orders-report' }));
    assert.equal(configurationFingerprint(after.Configuration!), before, 'the original keeps its code hash and configuration');
    assert.deepEqual(after.Tags, beforeTags);
  });

  test('a code location that answers 403 refuses the copy, and nothing is created', async () => {
    const original = await describeOriginal(client, 'orders-report', { copyVpc: false });
    await assert.rejects(downloadCode({ ...original, codeLocation: codeUrl.replace('code.zip', 'other.zip') }), (error: Error) => {
      assert.ok(error instanceof CopyRefusedError);
      assert.match(error.message, /answered HTTP 403: its code cannot be downloaded, so it cannot be copied/);
      return true;
    });
  });

  test('a container image function is refused: only .zip functions can be copied', async () => {
    await client.send(
      new CreateFunctionCommand({
        FunctionName: 'image-fn',
        Role: moto.roleArn,
        PackageType: 'Image',
        Code: { ImageUri: '123456789012.dkr.ecr.us-east-1.amazonaws.com/app:latest' },
      }),
    );
    await assert.rejects(describeOriginal(client, 'image-fn', { copyVpc: false }), (error: Error) => {
      assert.ok(error instanceof CopyRefusedError);
      assert.match(error.message, /image-fn is a container image function \(PackageType Image\); only \.zip functions can be copied/);
      return true;
    });
  });
});
