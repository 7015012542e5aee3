// `lambda-lab scaffold` as a user runs it: the bundled CLI in a subprocess.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const repoRoot = path.resolve(__dirname, '../../..');
const cli = path.join(repoRoot, 'dist', 'cli.js');
const templateDir = path.join(repoRoot, 'lambda-template');

function run(args: string[], cwd = repoRoot): { status: number | null; stdout: string; stderr: string } {
  // spawnSync kills the child on timeout; the CLI itself starts no further processes.
  const result = spawnSync(process.execPath, args, { cwd, encoding: 'utf8', timeout: 120_000 });
  if (result.error) throw result.error;
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

function templateFiles(dir: string, prefix = ''): string[] {
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .filter((entry) => entry.name !== 'node_modules')
    .flatMap((entry) => (entry.isDirectory() ? templateFiles(path.join(dir, entry.name), `${prefix}${entry.name}/`) : [`${prefix}${entry.name}`]))
    .sort();
}

describe('lambda-lab scaffold (CLI subprocess)', () => {
  let scratch: string;

  before(() => {
    const build = run(['esbuild.mjs']);
    assert.equal(build.status, 0, `node esbuild.mjs failed:\n${build.stderr}`);
    scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'lambda-lab-scaffold-cli-'));
  });
  after(() => fs.rmSync(scratch, { recursive: true, force: true }));

  it('copies the template into a new folder and prints the files and the next step', () => {
    const target = path.join(scratch, 'my-function');
    const result = run([cli, 'scaffold', target]);
    assert.equal(result.status, 0, result.stderr);
    const expected = templateFiles(templateDir);
    assert.deepEqual(templateFiles(target), expected);
    for (const file of expected) {
      assert.equal(fs.readFileSync(path.join(target, file), 'utf8'), fs.readFileSync(path.join(templateDir, file), 'utf8'), file);
      assert.match(result.stdout, new RegExp(`^  ${file.replace('.', '\\.')}$`, 'm'));
    }
    assert.match(result.stdout, new RegExp(`Wrote ${expected.length} files to `));
    assert.ok(result.stdout.includes(`Next: cd ${target} && npm install && node run-local.mjs --workers 2`), result.stdout);
    assert.equal(fs.existsSync(path.join(target, 'node_modules')), false, 'installs nothing');
  });

  it('accepts a folder relative to the working directory', () => {
    const result = run([cli, 'scaffold', 'relative-fn'], scratch);
    assert.equal(result.status, 0, result.stderr);
    assert.ok(fs.existsSync(path.join(scratch, 'relative-fn', 'index.mjs')));
    assert.match(result.stdout, /Next: cd relative-fn && npm install/);
  });

  it('refuses to overwrite existing files without --force, and names them', () => {
    const target = path.join(scratch, 'taken');
    fs.mkdirSync(target);
    fs.writeFileSync(path.join(target, 'index.mjs'), 'my edited handler\n');
    const refused = run([cli, 'scaffold', target]);
    assert.equal(refused.status, 1);
    assert.match(refused.stderr, /already has a file the template would overwrite: index\.mjs/);
    assert.match(refused.stderr, /--force/);
    assert.equal(fs.readFileSync(path.join(target, 'index.mjs'), 'utf8'), 'my edited handler\n');
    assert.equal(fs.existsSync(path.join(target, 'hashWorker.mjs')), false, 'nothing written on refusal');

    const forced = run([cli, 'scaffold', target, '--force']);
    assert.equal(forced.status, 0, forced.stderr);
    assert.equal(fs.readFileSync(path.join(target, 'index.mjs'), 'utf8'), fs.readFileSync(path.join(templateDir, 'index.mjs'), 'utf8'));
  });

  it('usage errors exit 2; --help exits 0', () => {
    const none = run([cli, 'scaffold']);
    assert.equal(none.status, 2);
    assert.match(none.stderr, /expected one folder, got none/);
    assert.equal(run([cli, 'scaffold', 'a', 'b']).status, 2);
    assert.equal(run([cli, 'scaffold', '--bogus', 'x']).status, 2);
    const help = run([cli, 'scaffold', '--help']);
    assert.equal(help.status, 0);
    assert.match(help.stdout, /Usage: lambda-lab scaffold <dir> \[--force\]/);
    assert.match(run([cli, '--help']).stdout, /scaffold/);
  });

  it('the scaffolded copy runs locally and its hashes verify', () => {
    const target = path.join(scratch, 'runnable');
    assert.equal(run([cli, 'scaffold', target]).status, 0);
    // Stands in for the user's `npm install`: the repo already has bcryptjs.
    fs.symlinkSync(path.join(repoRoot, 'node_modules'), path.join(target, 'node_modules'), 'dir');
    const result = run(['run-local.mjs', '--workers', '2', '--items', '6', '--cost', '4', '--verify'], target);
    assert.equal(result.status, 0, result.stderr);
    const output = JSON.parse(result.stdout);
    assert.equal(output.verified, '6/6');
    assert.equal(output.workers, 2);
    assert.match(result.stderr, /All 6 hashes verify/);
  });
});
