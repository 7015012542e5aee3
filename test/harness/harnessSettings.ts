// Where the code-server harness finds its tools and puts its output, read once from the
// environment (the table in test/harness/README.md), and the harness's two kinds of output line.
import * as fs from 'node:fs';
import * as path from 'node:path';

export const repoRoot = path.resolve(__dirname, '../../..');

export const settings = {
  nodeDir: process.env.LAMBDA_LAB_NODE24_DIR ?? path.join(repoRoot, '.tools/node24'),
  codeServerDir: process.env.LAMBDA_LAB_CODE_SERVER_DIR ?? path.join(repoRoot, '.tools/code-server'),
  chromiumPath: process.env.LAMBDA_LAB_CHROMIUM ?? '/usr/bin/chromium',
  timeoutMs: (Number(process.env.LAMBDA_LAB_HARNESS_TIMEOUT_S) || 15 * 60) * 1000,
  artifactsDir: process.env.LAMBDA_LAB_TEST_ARTIFACTS ?? path.join(repoRoot, 'test-artifacts'),
  keepTemp: process.env.LAMBDA_LAB_KEEP_TEMP === '1',
  verbose: process.env.LAMBDA_LAB_HARNESS_VERBOSE === '1',
  /**
   * Test the extension as a user gets it: package the .vsix (or take LAMBDA_LAB_VSIX), install it
   * with `code-server --install-extension`, and run the suite against that copy.
   */
  installed: process.argv.includes('--installed') || process.env.LAMBDA_LAB_INSTALLED === '1',
  vsixPath: process.env.LAMBDA_LAB_VSIX,
  extensionPath: process.env.LAMBDA_LAB_EXTENSION_PATH ?? repoRoot,
  suitePath: process.env.LAMBDA_LAB_SUITE_PATH ?? path.join(repoRoot, 'out/test/suite/index.js'),
};

export const nodeBinary = path.join(settings.nodeDir, 'node_modules/node/bin/node');
export const codeServerEntry = path.join(settings.codeServerDir, 'node_modules/code-server/out/node/entry.js');

let logStream: fs.WriteStream | undefined;

/** Sends every later line to `file` too (test-artifacts/codeserver-run.log). */
export function openRunLog(file: string): void {
  logStream = fs.createWriteStream(file);
}

export function closeRunLog(): Promise<void> {
  const stream = logStream;
  logStream = undefined;
  return new Promise((resolve) => (stream ? stream.end(resolve) : resolve()));
}

/** A line of the harness's output (and of the run log). */
export function log(line: string): void {
  process.stdout.write(`${line}\n`);
  logStream?.write(`${line}\n`);
}

/** Writes to the run log only; printed too when verbose. */
export function detail(line: string): void {
  if (settings.verbose) process.stdout.write(`${line}\n`);
  logStream?.write(`${line}\n`);
}

/** A path for messages: relative to the repository when inside it. */
export function shown(file: string): string {
  const relative = path.relative(repoRoot, file);
  return relative && !relative.startsWith('..') ? relative : file;
}

export function checkPrerequisites(): void {
  const missing: string[] = [];
  if (!fs.existsSync(nodeBinary)) missing.push(`Node 24 at ${nodeBinary}`);
  if (!fs.existsSync(codeServerEntry)) missing.push(`code-server at ${codeServerEntry}`);
  if (missing.length)
    throw new Error(
      `Missing ${missing.join(' and ')}. Install with "bash test/harness/installCodeServer.sh" (or set LAMBDA_LAB_NODE24_DIR / LAMBDA_LAB_CODE_SERVER_DIR).`,
    );
  if (!fs.existsSync(settings.chromiumPath))
    throw new Error(
      `Chromium not found at ${settings.chromiumPath}. Install Debian's "chromium" package (apt-get install chromium) or set LAMBDA_LAB_CHROMIUM.`,
    );
  if (!settings.installed && !fs.existsSync(path.join(settings.extensionPath, 'dist/extension.js')))
    throw new Error(`${settings.extensionPath}/dist/extension.js is missing. Run "npm run build" first.`);
  if (settings.installed && settings.vsixPath && !fs.existsSync(settings.vsixPath))
    throw new Error(`LAMBDA_LAB_VSIX names ${settings.vsixPath}, which does not exist.`);
  if (!fs.existsSync(settings.suitePath)) throw new Error(`${settings.suitePath} is missing. Run "npm run compile-tests" first.`);
}
