// Runs the same mocha suite (out/test/suite/index.js) in desktop VS Code through
// @vscode/test-electron: `npm run test:vscode`. It downloads VS Code into .vscode-test/ on first
// use, so it needs a network; CI uses the code-server harness instead (runCodeServerTests.ts).
// On a Linux machine without a display run it under Xvfb: `xvfb-run -a npm run test:vscode`.
// There is no browser bridge here: tests that need one skip themselves.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { runTests } from '@vscode/test-electron';

const repoRoot = path.resolve(__dirname, '../../..');

async function main(): Promise<number> {
  const tempRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'lambda-lab-electron-'));
  const workspaceDir = path.join(tempRoot, 'workspace');
  const userDataDir = path.join(tempRoot, 'user-data');
  fs.mkdirSync(workspaceDir, { recursive: true });
  try {
    await runTests({
      // LAMBDA_LAB_VSCODE_VERSION=1.100.0 tests the oldest VS Code that package.json's engines allow.
      version: process.env.LAMBDA_LAB_VSCODE_VERSION ?? 'stable',
      extensionDevelopmentPath: repoRoot,
      extensionTestsPath: path.join(repoRoot, 'out/test/suite/index.js'),
      extensionTestsEnv: {
        ...pick(process.env, (name) => name.startsWith('LAMBDA_LAB_TEST_')),
        LAMBDA_LAB_TEST_WORKSPACE: workspaceDir,
        LAMBDA_LAB_TEST_ARTIFACTS: process.env.LAMBDA_LAB_TEST_ARTIFACTS ?? path.join(repoRoot, 'test-artifacts'),
      },
      launchArgs: [
        workspaceDir,
        '--user-data-dir',
        userDataDir,
        '--disable-extensions', // other installed extensions stay out of the test window
        '--disable-workspace-trust',
        '--skip-welcome',
        '--skip-release-notes',
        // Electron refuses to start as root without it (containers, CI machines).
        ...(process.getuid?.() === 0 ? ['--no-sandbox'] : []),
      ],
    });
    return 0;
  } catch (error) {
    process.stderr.write(`test:vscode: ${error instanceof Error ? error.message : String(error)}\n`);
    return 1;
  } finally {
    fs.rmSync(tempRoot, { recursive: true, force: true });
  }
}

function pick(env: NodeJS.ProcessEnv, keep: (name: string) => boolean): Record<string, string | undefined> {
  return Object.fromEntries(Object.entries(env).filter(([name]) => keep(name)));
}

main().then((code) => process.exit(code));
