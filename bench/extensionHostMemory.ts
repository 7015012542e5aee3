// Memory of the real extension host with the extension installed from its .vsix and active. The
// code-server harness runs the one suite test that reads it inside the host
// (test/suite/installedRestart.test.ts, "activation time is measured in the extension host"), which
// writes it to activation.json in the artifacts folder given here. It is the whole host process —
// VS Code's own host code and the built-in extensions included — as a user's window has it right
// after activation: what the extension adds is part of it, not separated out.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { commandFor, measured, repoRoot, unavailable, type BenchOptions, type Measure } from './common';

const TEST_TITLE = 'activation time is measured in the extension host';

interface RecordedActivation {
  first?: { hostMemory?: { rssMB: number; heapUsedMB: number; externalMB: number }; activateMs?: number; vscodeVersion?: string };
}

export async function measureExtensionHostMemory(options: BenchOptions): Promise<Measure[]> {
  const command = commandFor('hostmemory', false);
  // Packaging, code-server and Chromium take about a minute: more than the quick run's whole budget.
  if (options.quick)
    return [
      unavailable('extensionHostMB', 'MB RSS', 'none', 'not taken in --quick (it packages the .vsix and starts code-server); run it without --quick', command),
    ];
  const harness = path.join(repoRoot, 'out/test/harness/runCodeServerTests.js');
  const codeServer = process.env.LAMBDA_LAB_CODE_SERVER_DIR ?? path.join(repoRoot, '.tools/code-server');
  const missing = !fs.existsSync(harness)
    ? `${harness} (npm run compile-tests)`
    : !fs.existsSync(codeServer)
      ? `${codeServer} (npm run install:codeserver)`
      : undefined;
  if (missing) return [unavailable('extensionHostMB', 'MB RSS', 'none', `needs ${missing}`, command)];
  const artifacts = fs.mkdtempSync(path.join(os.tmpdir(), 'lambda-lab-hostmem-'));
  try {
    // The harness packages the .vsix (npm run package), installs it into its own code-server and runs the one test.
    const run = spawnSync(process.execPath, [harness, '--installed'], {
      cwd: repoRoot,
      env: { ...process.env, LAMBDA_LAB_TEST_GREP: TEST_TITLE, LAMBDA_LAB_TEST_ARTIFACTS: artifacts },
      encoding: 'utf8',
      timeout: 10 * 60_000,
    });
    const file = path.join(artifacts, 'activation.json');
    const recorded = fs.existsSync(file) ? (JSON.parse(fs.readFileSync(file, 'utf8')) as RecordedActivation) : {};
    const memory = recorded.first?.hostMemory;
    if (run.status !== 0 || !memory) {
      const tail = `${run.stdout ?? ''}${run.stderr ?? ''}`.trim().split('\n').slice(-3).join(' | ');
      return [
        unavailable(
          'extensionHostMB',
          'MB RSS',
          'none',
          `the code-server harness ${run.status === 0 ? 'wrote no host memory' : `exited ${run.status ?? run.signal}`}: ${tail}`,
          command,
        ),
      ];
    }
    return [
      measured('extensionHostMB', memory.rssMB, 'MB RSS', 'none', null, command, [
        `extension host (code-server ${recorded.first?.vscodeVersion ?? '?'}, the .vsix installed, right after activation): ` +
          `${memory.rssMB} MB RSS, ${memory.heapUsedMB} MB V8 heap used, ${memory.externalMB} MB external; the whole host process, VS Code's own part included`,
      ]),
    ];
  } finally {
    fs.rmSync(artifacts, { recursive: true, force: true });
  }
}
