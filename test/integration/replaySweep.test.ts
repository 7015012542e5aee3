// `lambda-lab sweep --replay` end to end through the built CLI (compiled to out/): the study
// replayed as a target over real HTTP with the real AWS SDK, a sweep that chooses its memory
// sizes, the run files it leaves, and `lambda-lab analyze` reading them. Uses the study's own
// arm64 1-thread CSVs (41 files, kept in test/fixtures/seed-results) so it stays fast.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, test } from 'node:test';
import type { InvocationRecord } from '../../src/core/invocationRecord';
import { INVOCATIONS_FILE, RUN_FILE, type RunMetadata } from '../../src/core/runFiles';
import { SEED_FIXTURE_DIR } from '../support/seedResults';

const repoRoot = path.resolve(__dirname, '../../..');
const cliJs = path.join(repoRoot, 'out', 'src', 'cli.js');
const tempDirs: string[] = [];

after(() => {
  for (const dir of tempDirs) fs.rmSync(dir, { recursive: true, force: true });
});

function tempDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'llab-replay-'));
  tempDirs.push(dir);
  return dir;
}

/** A study folder with only the arm64 1-thread files. */
function smallStudy(): string {
  const dir = tempDir();
  for (const name of fs.readdirSync(SEED_FIXTURE_DIR).filter((n) => /^Lambda_\d+_1_arm64\.csv$/.test(n)))
    fs.copyFileSync(path.join(SEED_FIXTURE_DIR, name), path.join(dir, name));
  return dir;
}

function cli(args: string[], cwd: string): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, [cliJs, ...args], { cwd, encoding: 'utf8', timeout: 60_000 });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

test('a replayed sweep that chooses its memory sizes writes a run that analyze reads', () => {
  const study = smallStudy();
  const work = tempDir();
  const swept = cli(['sweep', '--replay', study, '--refine-memory', '--threads', '1', '--seed', '11', '--out', 'runs', '--json', '--quiet'], work);
  assert.equal(swept.status, 0, swept.stderr);
  const outcome = JSON.parse(swept.stdout) as { runDir: string; status: string; memoryRefinement: RunMetadata['memoryRefinement'] };
  assert.equal(outcome.status, 'completed');
  const runDir = outcome.runDir;
  assert.equal(path.dirname(runDir), path.join(fs.realpathSync(work), 'runs'));

  const meta = JSON.parse(fs.readFileSync(path.join(runDir, RUN_FILE), 'utf8')) as RunMetadata;
  assert.equal(meta.status, 'completed');
  assert.deepEqual(meta.replay, { studyFolder: study, seed: 11 });
  assert.ok(meta.memoryRefinement && meta.memoryRefinement.rounds.length >= 2, 'a coarse round and at least one refining round');
  assert.match(meta.memoryRefinement.rounds[0].additions[0].reason, /coarse design/);
  assert.match(meta.memoryRefinement.rounds[1].additions[0].reason, /knee lies between|plateau|smallest size/);
  assert.match(meta.memoryRefinement.finished ?? '', /pinned/);

  const records = fs
    .readFileSync(path.join(runDir, INVOCATIONS_FILE), 'utf8')
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as InvocationRecord);
  const tested = [...new Set(records.map((r) => r.memoryMB))].sort((a, b) => a - b);
  const addedSizes = meta.memoryRefinement.rounds.flatMap((r) => r.additions.map((a) => a.memoryMB)).sort((a, b) => a - b);
  assert.deepEqual(tested, addedSizes, 'every size measured is one a round added, with its reason');
  assert.ok(records.every((r) => r.error === null && r.arch === 'arm64' && r.threads === 1 && r.strategy === 'batch'));
  assert.ok(records.filter((r) => !r.warmup).length < 41 * 20, 'far fewer invocations than the study');

  const analyzed = cli(['analyze', runDir, '--json'], work);
  assert.equal(analyzed.status, 0, analyzed.stderr);
  const analysis = JSON.parse(analyzed.stdout) as { knee: Array<{ arch: string; threads: number; memoryMB: number }> };
  const knee = analysis.knee.find((k) => k.arch === 'arm64' && k.threads === 1);
  // The study's full data puts this knee at 1792 MB; the refined run must agree within one 256 MB step.
  assert.ok(knee && Math.abs(knee.memoryMB - 1792) <= 256, `knee ${knee?.memoryMB}`);
});

test('a replayed sweep refuses a memory size the study did not measure and says which exist', () => {
  const study = smallStudy();
  const work = tempDir();
  const result = cli(['sweep', '--replay', study, '--memory', '1000', '--threads', '1', '--reps', '2', '--out', 'runs'], work);
  assert.equal(result.status, 1);
  assert.match(result.stderr, /did not measure arm64 at 1000 MB.*128, 256, 512, …, 10240 MB/);
  assert.ok(!fs.existsSync(path.join(work, 'runs')) || fs.readdirSync(path.join(work, 'runs')).length === 0, 'no run folder for a sweep that never started');
});
