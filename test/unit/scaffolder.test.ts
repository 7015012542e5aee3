import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ScaffoldConflictError, findTemplateDir, listTemplateFiles, nextStepCommand, scaffoldTemplate } from '../../src/scaffold/scaffolder';

const repoRoot = path.resolve(__dirname, '../../..');
const realTemplate = path.join(repoRoot, 'lambda-template');

let scratch: string;
let fakeTemplate: string;

/** A small template with a nested folder and a node_modules that must not be copied. */
function writeFakeTemplate(dir: string): void {
  fs.mkdirSync(path.join(dir, 'lib'), { recursive: true });
  fs.mkdirSync(path.join(dir, 'node_modules', 'bcryptjs'), { recursive: true });
  fs.writeFileSync(path.join(dir, 'index.mjs'), 'export const handler = async () => ({});\n');
  fs.writeFileSync(path.join(dir, 'package.json'), '{"type":"module"}\n');
  fs.writeFileSync(path.join(dir, 'lib', 'helper.mjs'), 'export const x = 1;\n');
  fs.writeFileSync(path.join(dir, 'node_modules', 'bcryptjs', 'index.js'), '// installed dependency\n');
}

describe('scaffolder', () => {
  before(() => {
    scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'lambda-lab-scaffold-'));
    fakeTemplate = path.join(scratch, 'template');
    writeFakeTemplate(fakeTemplate);
  });
  after(() => fs.rmSync(scratch, { recursive: true, force: true }));

  it('copies every template file, byte for byte, into a new folder and reports them', async () => {
    const target = path.join(scratch, 'fresh', 'nested');
    const result = await scaffoldTemplate({ templateDir: fakeTemplate, targetDir: target });
    assert.equal(result.targetDir, target);
    assert.deepEqual(result.files, ['index.mjs', 'lib/helper.mjs', 'package.json']);
    for (const file of result.files) {
      assert.deepEqual(fs.readFileSync(path.join(target, file)), fs.readFileSync(path.join(fakeTemplate, file)));
    }
  });

  it('skips node_modules', async () => {
    const target = path.join(scratch, 'no-modules');
    await scaffoldTemplate({ templateDir: fakeTemplate, targetDir: target });
    assert.equal(fs.existsSync(path.join(target, 'node_modules')), false);
    assert.ok(!(await listTemplateFiles(fakeTemplate)).some((f) => f.includes('node_modules')));
  });

  it('refuses to overwrite, lists the conflicting files and writes nothing', async () => {
    const target = path.join(scratch, 'occupied');
    fs.mkdirSync(path.join(target, 'lib'), { recursive: true });
    fs.writeFileSync(path.join(target, 'index.mjs'), 'my own handler\n');
    fs.writeFileSync(path.join(target, 'lib', 'helper.mjs'), 'my own helper\n');
    await assert.rejects(scaffoldTemplate({ templateDir: fakeTemplate, targetDir: target }), (error: unknown) => {
      assert.ok(error instanceof ScaffoldConflictError);
      assert.deepEqual(error.conflicts, ['index.mjs', 'lib/helper.mjs']);
      assert.match(error.message, /already has files the template would overwrite: index\.mjs, lib\/helper\.mjs/);
      assert.match(error.message, /--force/);
      return true;
    });
    assert.equal(fs.readFileSync(path.join(target, 'index.mjs'), 'utf8'), 'my own handler\n');
    assert.equal(fs.existsSync(path.join(target, 'package.json')), false, 'nothing is written when any file conflicts');
  });

  it('leaves unrelated files in the target alone', async () => {
    const target = path.join(scratch, 'with-other-files');
    fs.mkdirSync(target);
    fs.writeFileSync(path.join(target, 'notes.txt'), 'keep me\n');
    await scaffoldTemplate({ templateDir: fakeTemplate, targetDir: target });
    assert.equal(fs.readFileSync(path.join(target, 'notes.txt'), 'utf8'), 'keep me\n');
  });

  it('force overwrites existing files', async () => {
    const target = path.join(scratch, 'forced');
    fs.mkdirSync(target);
    fs.writeFileSync(path.join(target, 'index.mjs'), 'old\n');
    const result = await scaffoldTemplate({ templateDir: fakeTemplate, targetDir: target, force: true });
    assert.equal(result.files.length, 3);
    assert.equal(fs.readFileSync(path.join(target, 'index.mjs'), 'utf8'), fs.readFileSync(path.join(fakeTemplate, 'index.mjs'), 'utf8'));
  });

  it('explains a missing template, a target that is a file, and the template as its own target', async () => {
    await assert.rejects(
      scaffoldTemplate({ templateDir: path.join(scratch, 'nope'), targetDir: path.join(scratch, 'x') }),
      /template folder .*nope does not exist/,
    );
    const file = path.join(scratch, 'a-file');
    fs.writeFileSync(file, '');
    await assert.rejects(scaffoldTemplate({ templateDir: fakeTemplate, targetDir: file }), /is a file, not a folder/);
    await assert.rejects(scaffoldTemplate({ templateDir: fakeTemplate, targetDir: path.join(fakeTemplate, 'lib') }), /into the template folder itself/);
  });

  it('the real template has the handler, the worker, the local runner, package.json and README', async () => {
    const files = await listTemplateFiles(realTemplate);
    for (const required of ['index.mjs', 'hashWorker.mjs', 'run-local.mjs', 'package.json', 'README.md']) assert.ok(files.includes(required), required);
    const pkg = JSON.parse(fs.readFileSync(path.join(realTemplate, 'package.json'), 'utf8'));
    assert.equal(pkg.type, 'module');
    assert.match(pkg.dependencies.bcryptjs, /^\^3/);
    assert.match(pkg.scripts.start, /run-local\.mjs/);
  });

  it('finds the template from dist/ or from compiled output folders', async () => {
    assert.equal(await findTemplateDir(path.join(repoRoot, 'dist')), realTemplate);
    assert.equal(await findTemplateDir(__dirname), realTemplate);
    await assert.rejects(findTemplateDir(os.tmpdir()), /Could not find the lambda-template folder/);
  });

  it('next step command quotes folders with spaces', () => {
    assert.equal(nextStepCommand('lambda-parallel-lab'), 'cd lambda-parallel-lab && npm install && node run-local.mjs --workers 2');
    assert.equal(nextStepCommand('/tmp/my lab'), 'cd "/tmp/my lab" && npm install && node run-local.mjs --workers 2');
  });
});
