import test from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { unzipSync } from 'fflate';
import { packageFunction, PackagingError } from '../../src/deploy/packager';
import { readArchiveEntries } from '../../src/localEndpoint/codeArchive';

const repoRoot = path.resolve(__dirname, '../../..');
const templateDir = path.join(repoRoot, 'lambda-template');

test('packages the template deterministically: same code, same CodeSha256', async () => {
  const first = await packageFunction(templateDir);
  const second = await packageFunction(templateDir);
  assert.equal(first.codeSha256, second.codeSha256);
  assert.deepEqual(Buffer.from(first.zip), Buffer.from(second.zip));
  assert.equal(first.codeSha256, createHash('sha256').update(first.zip).digest('base64'));
  assert.equal(first.sizeBytes, first.zip.length);
  // Every top-level .mjs but the local runner, bundled with bcryptjs inside.
  assert.ok(first.files.includes('index.mjs'));
  assert.ok(first.files.includes('hashWorker.mjs'));
  assert.ok(!first.files.includes('run-local.mjs'));
  const unzipped = unzipSync(first.zip);
  const worker = new TextDecoder().decode(unzipped['hashWorker.mjs']);
  assert.doesNotMatch(worker, /from ['"]bcryptjs['"]/, 'bcryptjs must be bundled, not imported at run time');
  assert.match(new TextDecoder().decode(unzipped['index.mjs']), /hashWorker\.mjs/);
  for (const entry of readArchiveEntries(first.zip)) assert.equal(entry.unixMode, 0o100644);
});

test('a code change changes the CodeSha256; a missing handler is a clear error', async () => {
  const copy = mkdtempSync(path.join(os.tmpdir(), 'packager-test-'));
  try {
    cpSync(templateDir, copy, { recursive: true, filter: (source) => !source.includes('node_modules') });
    const before = await packageFunction(copy);
    writeFileSync(path.join(copy, 'index.mjs'), `${readFileSync(path.join(copy, 'index.mjs'), 'utf8')}\nexport const packagerTestMarker = 1;\n`);
    const after = await packageFunction(copy);
    assert.notEqual(before.codeSha256, after.codeSha256);
    rmSync(path.join(copy, 'index.mjs'));
    await assert.rejects(packageFunction(copy), PackagingError);
  } finally {
    rmSync(copy, { recursive: true, force: true });
  }
});
