// Deploy must work for a user on macOS, Windows or Linux arm64, where no Linux x64 native binary
// exists. Packages the template in a child process that reports itself as each of those platforms
// and cannot resolve esbuild or any @esbuild/* binary, then runs the produced zip on the built-in endpoint.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { InvokeCommand } from '@aws-sdk/client-lambda';
import { packageFunction } from '../../src/deploy/packager';
import { createActiveFunction, decodePayload, startTestEndpoint } from '../support/localEndpointFixture';

const repoRoot = path.resolve(__dirname, '../../..');
const templateDir = path.join(repoRoot, 'lambda-template');
const packagerModule = path.join(repoRoot, 'out/src/deploy/packager.js');

/** Fakes the platform before anything loads and makes every esbuild module unresolvable, as on a machine without them. */
const CHILD_SCRIPT = `
const Module = require('node:module');
const [platform, arch, packager, templateDir, outFile] = process.argv.slice(1);
Object.defineProperty(process, 'platform', { value: platform });
Object.defineProperty(process, 'arch', { value: arch });
const resolve = Module._resolveFilename;
Module._resolveFilename = function (request, ...rest) {
  if (/^(esbuild|esbuild-wasm|@esbuild\\/)/.test(request)) throw Object.assign(new Error('Cannot find module ' + request), { code: 'MODULE_NOT_FOUND' });
  return resolve.call(this, request, ...rest);
};
require(packager).packageFunction(templateDir).then((pkg) => {
  require('node:fs').writeFileSync(outFile, pkg.zip);
  const loaded = Object.keys(require.cache).filter((file) => /[\\\\/](esbuild|@esbuild)[\\\\/]/.test(file));
  process.stdout.write(JSON.stringify({ codeSha256: pkg.codeSha256, platform: process.platform, arch: process.arch, loaded }));
}, (error) => { process.stderr.write(String(error && error.stack || error)); process.exit(1); });
`;

const PLATFORMS: Array<[string, string]> = [
  ['darwin', 'arm64'],
  ['win32', 'x64'],
  ['linux', 'arm64'],
];

describe('packaging the function on a machine without esbuild binaries', () => {
  let workDir: string;
  let endpoint: Awaited<ReturnType<typeof startTestEndpoint>>;
  before(async () => {
    workDir = mkdtempSync(path.join(os.tmpdir(), 'packager-platforms-'));
    endpoint = await startTestEndpoint();
  });
  after(async () => {
    await endpoint?.handle.stop();
    rmSync(workDir, { recursive: true, force: true });
  });

  for (const [platform, arch] of PLATFORMS) {
    it(`${platform}-${arch}: packages without esbuild, the same CodeSha256 as here, and the zip runs on the built-in endpoint`, async () => {
      const outFile = path.join(workDir, `${platform}-${arch}.zip`);
      const child = spawnSync(process.execPath, ['-e', CHILD_SCRIPT, platform, arch, packagerModule, templateDir, outFile], { encoding: 'utf8' });
      assert.equal(child.status, 0, child.stderr);
      const report = JSON.parse(child.stdout) as { codeSha256: string; platform: string; arch: string; loaded: string[] };
      assert.deepEqual([report.platform, report.arch], [platform, arch]);
      assert.deepEqual(report.loaded, [], 'no esbuild module may be loaded');
      assert.equal(report.codeSha256, (await packageFunction(templateDir)).codeSha256, 'same code, same CodeSha256 on every platform');

      const name = `platform-${platform}-${arch}`;
      await createActiveFunction(endpoint.client, { FunctionName: name, zip: new Uint8Array(readFileSync(outFile)), MemorySize: 1769, Timeout: 60 });
      const response = await endpoint.client.send(new InvokeCommand({ FunctionName: name, Payload: JSON.stringify({ items: 2, workers: 2, cost: 4 }) }));
      assert.equal(response.FunctionError, undefined, Buffer.from(response.Payload ?? []).toString());
      const result = decodePayload(response.Payload) as { items?: number; workers?: number };
      assert.equal(result.items, 2);
      assert.equal(result.workers, 2);
    });
  }
});
