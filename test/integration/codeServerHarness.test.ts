// The code-server harness cleans up after itself when a run is cut short (shared TESTING.md §6:
// a leftover code-server once halved every later benchmark). Runs the real harness, stops it by
// its own timeout and by SIGTERM, and checks that no process of that run survives, its temporary
// folder is gone, and the closing line and exit code say the run failed.
// Skipped (not passed) where code-server or Chromium is not installed.
import test, { describe } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const repoRoot = path.resolve(__dirname, '../../..');
const harness = path.join(repoRoot, 'out/test/harness/runCodeServerTests.js');
const codeServerEntry = path.join(
  process.env.LAMBDA_LAB_CODE_SERVER_DIR ?? path.join(repoRoot, '.tools/code-server'),
  'node_modules/code-server/out/node/entry.js',
);
const chromium = process.env.LAMBDA_LAB_CHROMIUM ?? '/usr/bin/chromium';

const missing = [codeServerEntry, chromium, path.join(repoRoot, 'dist/extension.js')].filter((file) => !fs.existsSync(file));
const skipReason = missing.length ? `not installed/built: ${missing.join(', ')} (bash test/harness/installCodeServer.sh; npm run build)` : false;

interface HarnessRun {
  exitCode: number | null;
  output: string;
  tempRoot: string;
}

/** Runs the harness; `onOutput` may signal it once its output shows the run got far enough. */
function runHarness(env: NodeJS.ProcessEnv, onOutput?: (output: string, pid: number) => void): Promise<HarnessRun> {
  const artifacts = fs.mkdtempSync(path.join(os.tmpdir(), 'lambda-lab-harness-test-'));
  const child = spawn(process.execPath, [harness], {
    cwd: repoRoot,
    env: { ...process.env, LAMBDA_LAB_TEST_ARTIFACTS: artifacts, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const collect = (chunk: Buffer) => {
    output += chunk.toString('utf8');
    onOutput?.(output, child.pid!);
  };
  child.stdout.on('data', collect);
  child.stderr.on('data', collect);
  return new Promise((resolve) => {
    child.on('close', (exitCode) => {
      fs.rmSync(artifacts, { recursive: true, force: true });
      const tempRoot = /workspace (\S*lambda-lab-codeserver-[^/\s]+)\/workspace/.exec(output)?.[1] ?? '';
      resolve({ exitCode, output, tempRoot });
    });
  });
}

/** Pids whose command line mentions `text` (code-server's and Chromium's processes name the run's temp folder). */
function processesMentioning(text: string): string[] {
  return fs
    .readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .flatMap((pid) => {
      try {
        const commandLine = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
        return commandLine.includes(text) ? [`${pid} ${commandLine.slice(0, 120)}`] : [];
      } catch {
        return [];
      }
    });
}

function assertNothingLeft(run: HarnessRun): void {
  assert.ok(run.tempRoot, `the harness did not report its workspace:\n${run.output}`);
  assert.deepEqual(processesMentioning(run.tempRoot), [], 'processes of the run survived it');
  assert.equal(fs.existsSync(run.tempRoot), false, `${run.tempRoot} was not removed`);
}

describe('code-server harness cleanup', { skip: skipReason, concurrency: false }, () => {
  test('a run that times out kills code-server and Chromium and fails', async () => {
    // Past code-server's start-up, before the suite could finish.
    const run = await runHarness({ LAMBDA_LAB_HARNESS_TIMEOUT_S: '4' });
    assert.equal(run.exitCode, 1, run.output);
    assert.match(run.output, /timed out after 4 s/);
    assert.match(run.output, /^\d+ passed, [1-9]\d* failed/m, 'closing line counts the cut-short run as a failure');
    assertNothingLeft(run);
  });

  test('SIGTERM during the run kills everything and exits 143', async () => {
    let signalled = false;
    const run = await runHarness({}, (output, pid) => {
      if (!signalled && output.includes('opening the workbench')) {
        signalled = true;
        process.kill(pid, 'SIGTERM');
      }
    });
    assert.ok(signalled, `the run never reached the workbench:\n${run.output}`);
    assert.equal(run.exitCode, 143, run.output);
    assert.match(run.output, /received SIGTERM/);
    assert.match(run.output, /^\d+ passed, [1-9]\d* failed/m);
    assertNothingLeft(run);
  });
});
