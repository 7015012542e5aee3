// The .vsix holds exactly the allow-listed files: `npm run package` is run with a junk file lying
// untracked in the folder (and in dist/ and media/), the .vsix is unzipped, and its file list is
// compared with the expected one. Also checks the size goal and that the production bundle is minified.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { unzipSync } from 'fflate';

const repoRoot = path.resolve(__dirname, '../../..');
const MAX_VSIX_BYTES = 2 * 1024 * 1024;

/** Files under extension/ that must be in the .vsix; bcryptjs's files are taken from its installed package. */
function expectedFiles(): string[] {
  const bcryptDir = path.join(repoRoot, 'node_modules', 'bcryptjs');
  const bcrypt = (readdirSync(bcryptDir, { recursive: true, withFileTypes: true }) as Array<{ isFile(): boolean; name: string; parentPath: string }>)
    .filter((entry) => entry.isFile())
    .map((entry) => `node_modules/bcryptjs/${path.relative(bcryptDir, path.join(entry.parentPath, entry.name)).split(path.sep).join('/')}`);
  return [
    'changelog.md',
    'LICENSE.txt',
    'dist/extension.js',
    'dist/webview/results.js',
    'lambda-template/README.md',
    'lambda-template/hashWorker.mjs',
    'lambda-template/index.mjs',
    'lambda-template/lambda-lab.json',
    'lambda-template/package.json',
    'lambda-template/run-local.mjs',
    'media/icon/icon.png',
    'media/icons/lambda-lab-activity.svg',
    'media/marketplace/results.png',
    'media/results/results.css',
    'media/walkthrough/aws.svg',
    'media/walkthrough/deploy.svg',
    'media/walkthrough/results.svg',
    'media/walkthrough/scaffold.svg',
    'media/walkthrough/sweep.svg',
    'media/walkthrough/target.svg',
    'package.json',
    'readme.md',
    ...bcrypt,
  ]
    .map((file) => `extension/${file}`)
    .sort();
}

describe('the .vsix', () => {
  const junk = ['stray-notes.txt', 'dist/stray.js', 'media/stray.css', 'lambda-template/stray.mjs'].map((file) => path.join(repoRoot, file));
  let outDir: string;
  let vsix: Uint8Array;
  before(() => {
    outDir = mkdtempSync(path.join(os.tmpdir(), 'vsix-contents-'));
    for (const file of junk) {
      assert.ok(!existsSync(file), `${file} exists already; the test would delete it`);
      writeFileSync(file, 'junk that must not be packaged\n');
    }
    const outFile = path.join(outDir, 'test.vsix');
    // The package script's own flags, with the output redirected (the last --out wins).
    const result = spawnSync('npm', ['run', 'package', '--', '--out', outFile], { cwd: repoRoot, encoding: 'utf8' });
    assert.equal(result.status, 0, `npm run package failed:\n${result.stdout}\n${result.stderr}`);
    vsix = new Uint8Array(readFileSync(outFile));
  });
  after(() => {
    for (const file of junk) rmSync(file, { force: true });
    if (outDir) rmSync(outDir, { recursive: true, force: true });
  });

  it('holds exactly the allow-listed files, not the untracked junk, sources, tests or the CLI', () => {
    const files = Object.keys(unzipSync(vsix))
      .filter((name) => name.startsWith('extension/'))
      .sort();
    assert.deepEqual(files, expectedFiles());
  });

  it(`is at most ${MAX_VSIX_BYTES / 1024 / 1024} MB, with a minified extension bundle`, () => {
    process.stdout.write(`# .vsix size: ${vsix.length} bytes\n`);
    assert.ok(vsix.length <= MAX_VSIX_BYTES, `${vsix.length} bytes`);
    const bundle = new TextDecoder().decode(unzipSync(vsix)['extension/dist/extension.js']);
    const lines = bundle.split('\n').length;
    assert.ok(bundle.length / lines > 500, `dist/extension.js looks unminified: ${lines} lines for ${bundle.length} characters`);
    assert.doesNotMatch(bundle, /sourceMappingURL/);
  });
});
