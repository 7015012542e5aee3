import test from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { unzipSync } from 'fflate';
import { checkZipEntryName, packageFunction, PackagingError } from '../../src/deploy/packager';
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
  // The function's own files (not the local runner or notes) and bcryptjs as a production dependency, no bundler.
  assert.deepEqual(
    first.files.filter((name) => !name.startsWith('node_modules/')),
    ['hashWorker.mjs', 'index.mjs', 'package.json'],
  );
  assert.ok(first.files.includes('node_modules/bcryptjs/package.json'));
  assert.ok(first.files.includes('node_modules/bcryptjs/index.js'));
  assert.deepEqual(first.files, [...first.files].sort());
  const unzipped = unzipSync(first.zip);
  assert.equal(new TextDecoder().decode(unzipped['hashWorker.mjs']), readFileSync(path.join(templateDir, 'hashWorker.mjs'), 'utf8'));
  for (const entry of readArchiveEntries(first.zip)) {
    assert.equal(entry.unixMode, 0o100644, entry.name);
    assert.doesNotMatch(entry.name, /^\/|\\|(^|\/)\.\.(\/|$)|^[A-Za-z]:/, entry.name);
  }
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

test('a dependency neither installed nor shipped is a clear error that names it; installed ones are taken from the folder', async () => {
  const copy = mkdtempSync(path.join(os.tmpdir(), 'packager-test-'));
  try {
    cpSync(templateDir, copy, { recursive: true, filter: (source) => !source.includes('node_modules') });
    const manifest = JSON.parse(readFileSync(path.join(copy, 'package.json'), 'utf8'));
    manifest.dependencies['left-pad-not-installed'] = '^1.0.0';
    writeFileSync(path.join(copy, 'package.json'), JSON.stringify(manifest));
    await assert.rejects(packageFunction(copy), (error: Error) => error instanceof PackagingError && /"left-pad-not-installed"/.test(error.message));
    mkdirSync(path.join(copy, 'node_modules', 'left-pad-not-installed'), { recursive: true });
    writeFileSync(path.join(copy, 'node_modules', 'left-pad-not-installed', 'package.json'), '{"name":"left-pad-not-installed","version":"1.0.0"}');
    writeFileSync(path.join(copy, '.env'), 'SECRET=do-not-ship');
    const pkg = await packageFunction(copy);
    assert.ok(pkg.files.includes('node_modules/left-pad-not-installed/package.json'));
    assert.ok(!pkg.files.includes('.env'), 'dot files stay out of the package');
  } finally {
    rmSync(copy, { recursive: true, force: true });
  }
});

test('zip entry names are checked: no absolute, backslash, drive or .. paths', () => {
  for (const bad of ['/etc/passwd', 'a\\b.mjs', 'C:/x.mjs', '../x.mjs', 'a/../../x.mjs', '']) {
    assert.throws(() => checkZipEntryName(bad), PackagingError, bad);
  }
  checkZipEntryName('node_modules/bcryptjs/index.js');
});
