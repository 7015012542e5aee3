// Lambda Lab: Run Sweep in a real extension host, against the built-in endpoint: Deploy then Run
// Sweep through their commands (argument objects replace only the pickers); the run folder has
// every planned record and run.json says completed.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { activateExtension, workspaceDir } from './extensionUnderTest';

interface RunSweepResult {
  runDir: string;
  outcome: { status: string; done: number; total: number; errors: number; retries: number };
}

suite('Run Sweep', () => {
  suiteSetup(async () => {
    await activateExtension();
  });

  test('deploys and sweeps on the built-in endpoint, writing every planned record', async function () {
    this.timeout(240_000);
    const workspace = workspaceDir();
    const templateDir = path.join(workspace, 'sweep-fn');
    if (!fs.existsSync(path.join(templateDir, 'index.mjs'))) {
      await vscode.commands.executeCommand('lambdaLab.scaffold', { targetDir: templateDir });
    }
    await vscode.commands.executeCommand('lambdaLab.deploy', {
      experimentId: 'vssweep',
      target: { kind: 'local' },
      memorySizesMB: [1769],
      architectures: [process.arch === 'arm64' ? 'arm64' : 'x86_64'],
      templateDir,
    });
    const runsDir = path.join(workspace, '.lambda-lab', 'runs-vscode');
    const result = (await vscode.commands.executeCommand('lambdaLab.runSweep', {
      experimentId: 'vssweep',
      target: { kind: 'local' },
      threads: [1, 2],
      repetitions: 2,
      items: 4,
      cost: 6,
      strategies: ['pool'],
      runsDir,
    })) as RunSweepResult;
    assert.equal(result.outcome.status, 'completed');
    assert.equal(result.outcome.done, 1 + 2 * 2);
    assert.ok(result.runDir.startsWith(runsDir));
    const lines = fs.readFileSync(path.join(result.runDir, 'invocations.jsonl'), 'utf8').trim().split('\n');
    assert.equal(lines.length, 5);
    const records = lines.map((l) => JSON.parse(l) as { threads: number; error: string | null; processingMs: number | null; warmup: boolean });
    assert.ok(records.every((r) => r.error === null && typeof r.processingMs === 'number'));
    assert.deepEqual(
      records
        .filter((r) => !r.warmup)
        .map((r) => r.threads)
        .sort(),
      [1, 1, 2, 2],
    );
    const meta = JSON.parse(fs.readFileSync(path.join(result.runDir, 'run.json'), 'utf8')) as { status: string; target: { kind: string } };
    assert.equal(meta.status, 'completed');
    assert.equal(meta.target.kind, 'local');
  });

  test('a bad thread count is refused with a clear error and no run folder', async () => {
    const runsDir = path.join(workspaceDir(), '.lambda-lab', 'runs-vscode-bad');
    await assert.rejects(
      Promise.resolve(
        vscode.commands.executeCommand('lambdaLab.runSweep', { experimentId: 'vssweep', target: { kind: 'local' }, threads: [0], repetitions: 2, runsDir }),
      ),
      /thread/i,
    );
    assert.ok(!fs.existsSync(runsDir));
    await vscode.commands.executeCommand('notifications.clearAll');
  });
});
