// Puts the extension into a fresh code-server as a user gets it: `npm run package` builds the
// .vsix (unless LAMBDA_LAB_VSIX names one), `code-server --install-extension` installs it into the
// run's own extensions folder, and a stand-in extension with no code becomes the
// extensionDevelopmentPath, which VS Code requires to run extension tests at all. The suite then
// exercises the installed copy; the development folder is not loaded.
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { pipeLines } from './asyncHelpers';
import { codeServerEntry, detail, log, nodeBinary, repoRoot, settings, shown } from './harnessSettings';

/** The file `npm run package` writes (package.json's "package" script). */
const PACKAGED_VSIX = path.join(repoRoot, 'lambda-parallel-lab.vsix');

export interface InstalledExtension {
  vsix: string;
  vsixBytes: number;
  /** The folder code-server unpacked the extension into. */
  installedDir: string;
  /** What to pass as extensionDevelopmentPath: an empty stand-in, not this extension. */
  runnerDir: string;
}

export async function installPackagedExtension(tempRoot: string, userDataDir: string, extensionsDir: string): Promise<InstalledExtension> {
  let vsix = settings.vsixPath;
  if (!vsix) {
    const started = Date.now();
    await run('npm', ['run', 'package'], repoRoot, 'npm run package');
    vsix = PACKAGED_VSIX;
    log(`harness: packaged ${shown(vsix)} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  }
  const vsixBytes = fs.statSync(vsix).size;
  fs.mkdirSync(settings.artifactsDir, { recursive: true });
  fs.copyFileSync(vsix, path.join(settings.artifactsDir, path.basename(vsix)));

  const started = Date.now();
  await run(
    nodeBinary,
    [codeServerEntry, '--user-data-dir', userDataDir, '--extensions-dir', extensionsDir, '--install-extension', vsix],
    tempRoot,
    'code-server --install-extension',
  );
  const installed = fs.readdirSync(extensionsDir).filter((name) => name.startsWith('lambda-parallel-lab.lambda-parallel-lab-'));
  if (installed.length !== 1)
    throw new Error(`code-server --install-extension left ${installed.length} copies of the extension in ${extensionsDir}: ${installed.join(', ')}`);
  const installedDir = path.join(extensionsDir, installed[0]);
  log(`harness: installed ${path.basename(vsix)} (${vsixBytes} bytes) into ${installedDir} in ${((Date.now() - started) / 1000).toFixed(1)} s`);

  const runnerDir = path.join(tempRoot, 'test-runner');
  fs.mkdirSync(runnerDir, { recursive: true });
  fs.writeFileSync(
    path.join(runnerDir, 'package.json'),
    JSON.stringify(
      {
        name: 'lambda-lab-test-runner',
        displayName: 'Lambda Lab test runner (stand-in)',
        publisher: 'lambda-lab-tests',
        version: '0.0.0',
        engines: { vscode: '*' },
      },
      null,
      2,
    ),
  );
  return { vsix, vsixBytes, installedDir, runnerDir };
}

function run(command: string, args: string[], cwd: string, label: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    const tail: string[] = [];
    const keep = (line: string) => {
      detail(`[${label}] ${line}`);
      tail.push(line);
      if (tail.length > 30) tail.shift();
    };
    pipeLines(child.stdout!, keep);
    pipeLines(child.stderr!, keep);
    child.once('error', reject);
    child.once('close', (code, signal) =>
      code === 0 ? resolve() : reject(new Error(`${label} failed (code ${code}, signal ${signal}):\n${tail.join('\n')}`)),
    );
  });
}
