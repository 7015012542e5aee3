import test from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { zipSync } from 'fflate';
import { CodeArchiveError, checkEntryName, extractArchive, readArchiveEntries } from '../../src/localEndpoint/codeArchive';

const text = (s: string) => new TextEncoder().encode(s);

test('extracts a normal package with folders and keeps the executable bit', async () => {
  const zip = zipSync({
    'index.mjs': text('export const handler = async () => 1;'),
    'lib/': {},
    'lib/util.mjs': text('export const x = 1;'),
    'bin/tool': [text('#!/bin/sh\n'), { os: 3, attrs: (0o100755 << 16) >>> 0 }],
  });
  const dir = mkdtempSync(path.join(os.tmpdir(), 'archive-test-'));
  try {
    const files = await extractArchive(zip, dir);
    assert.equal(files, 3);
    assert.equal(readFileSync(path.join(dir, 'lib/util.mjs'), 'utf8'), 'export const x = 1;');
    assert.ok((statSync(path.join(dir, 'bin/tool')).mode & 0o111) !== 0);
    assert.equal(statSync(path.join(dir, 'index.mjs')).mode & 0o111, 0);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('rejects path traversal and absolute names before writing anything', async () => {
  const parent = mkdtempSync(path.join(os.tmpdir(), 'archive-test-'));
  try {
    for (const name of ['../evil.mjs', 'a/../../evil.mjs', '/etc/evil', 'C:/evil', '..\\evil.mjs']) {
      const zip = zipSync({ 'ok.mjs': text('1'), [name]: text('pwned') });
      await assert.rejects(extractArchive(zip, path.join(parent, 'code')), CodeArchiveError, name);
      assert.equal(existsSync(path.join(parent, 'evil.mjs')), false);
      assert.equal(existsSync(path.join(parent, 'code', 'ok.mjs')), false, 'validation happens before any file is written');
    }
  } finally {
    rmSync(parent, { recursive: true, force: true });
  }
  assert.throws(() => checkEntryName(''), /empty name/);
  assert.doesNotThrow(() => checkEntryName('a/..b/c..d'));
});

test('rejects symlink entries', () => {
  const zip = zipSync({ link: [text('/etc/passwd'), { os: 3, attrs: (0o120777 << 16) >>> 0 }] });
  assert.throws(() => readArchiveEntries(zip), /symbolic link/);
});

test('enforces the unzipped size and entry count limits from the central directory', () => {
  const zip = zipSync({ 'a.txt': new Uint8Array(600), 'b.txt': new Uint8Array(600) });
  assert.throws(() => readArchiveEntries(zip, { maxUnzippedBytes: 1000 }), /Unzipped size must be smaller than 1000 bytes/);
  assert.equal(readArchiveEntries(zip, { maxUnzippedBytes: 1200 }).length, 2);
  assert.throws(() => readArchiveEntries(zip, { maxEntries: 1 }), /2 entries; at most 1/);
});

test('a lying size or checksum is caught, and garbage is not a zip', async () => {
  const zip = zipSync({ 'a.txt': text('hello hello hello hello') }, { level: 9 });
  const entries = readArchiveEntries(zip);
  // Corrupt the CRC in the central directory record (offset 16 within it).
  const cdOffset = new DataView(zip.buffer).getUint32(zip.length - 22 + 16, true);
  const corrupt = zip.slice();
  corrupt[cdOffset + 16] ^= 0xff;
  assert.equal(entries[0].name, 'a.txt');
  const dir = mkdtempSync(path.join(os.tmpdir(), 'archive-test-'));
  try {
    await assert.rejects(extractArchive(corrupt, dir), /checksum/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  assert.throws(() => readArchiveEntries(text('not a zip at all, just some text here')), /Could not unzip/);
});
