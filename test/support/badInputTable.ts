// The bad-input table: one row per careless or hostile input to the `lambda-lab` CLI, with the
// exit code and the message fragment it must produce, and the promise that it wrote nothing.
// Each area keeps its rows in test/integration/badInputs/<area>.cases.ts; the runner
// (test/integration/badInputs.test.ts) runs every row and prints the count by outcome.
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

export interface BadInputCase {
  /** Short name shown in the test output. */
  name: string;
  /**
   * Arguments after `node dist/cli.js`; `{dir}` is replaced by the case's working folder, and for
   * rows with needsEndpoint `{endpoint}`, `{endpointKeyId}` and `{endpointPid}` by the shared endpoint's.
   */
  args: string[];
  /** Prepares files in the case's working folder before the command runs (they are not "written by" it). */
  setup?: (dir: string, endpoint?: SharedEndpoint) => void;
  /** The row talks to a running `lambda-lab endpoint` (one is shared by all such rows). */
  needsEndpoint?: boolean;
  /** A pattern the output must not contain (a misleading word the row guards against). */
  absent?: RegExp;
  /** Expected exit code (2 = bad usage/input, 1 = failed work, by the CLI's convention). */
  exitCode: number;
  /** A fragment (or pattern) the combined stdout+stderr must contain: says what is wrong and what to do. */
  message: string | RegExp;
  /** Default true: the working folder is byte-for-byte unchanged afterwards. */
  writesNothing?: boolean;
  /** Milliseconds before the run counts as hung (default 20 s). */
  timeoutMs?: number;
  stdin?: string;
  /** Extra environment variables; `{dir}` in a value is replaced by the case's working folder. */
  env?: Record<string, string>;
}

/** A running `lambda-lab endpoint` (another process: the rows run the CLI synchronously). */
export interface SharedEndpoint {
  endpoint: string;
  accessKeyId: string;
  pid: number;
}

let sharedEndpoint: SharedEndpoint | undefined;

/** Starts one `lambda-lab endpoint` for the rows that need it; stop() ends it and removes its folder. */
export async function startSharedEndpoint(): Promise<{ stop(): Promise<void> }> {
  const home = mkdtempSync(path.join(tmpdir(), 'lambda-lab-bad-input-endpoint-'));
  const child = spawn(process.execPath, [CLI_PATH, 'endpoint', '--cpu-limit', 'none', '--store', path.join(home, 'store')], {
    env: { ...process.env, LAMBDA_LAB_HOME: home },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const closed = new Promise<void>((resolve) => child.on('close', () => resolve()));
  const line = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      if (out.includes('\n')) resolve(out.slice(0, out.indexOf('\n')));
    });
    void closed.then(() => reject(new Error('`lambda-lab endpoint` exited before printing its address')));
  });
  const started = JSON.parse(line) as { endpoint: string; accessKeyId: string };
  sharedEndpoint = { endpoint: started.endpoint, accessKeyId: started.accessKeyId, pid: child.pid! };
  return {
    stop: async () => {
      sharedEndpoint = undefined;
      child.kill('SIGTERM');
      await closed;
      rmSync(home, { recursive: true, force: true });
    },
  };
}

function fillIn(text: string, dir: string): string {
  let filled = text.replaceAll('{dir}', dir);
  if (sharedEndpoint) {
    filled = filled
      .replaceAll('{endpoint}', sharedEndpoint.endpoint)
      .replaceAll('{endpointKeyId}', sharedEndpoint.accessKeyId)
      .replaceAll('{endpointPid}', String(sharedEndpoint.pid));
  }
  return filled;
}

export interface BadInputOutcome {
  name: string;
  ok: boolean;
  problems: string[];
  exitCode: number | null;
  output: string;
}

const repoRoot = path.resolve(__dirname, '../..', __dirname.includes(`${path.sep}out${path.sep}`) ? '..' : '.');
export const CLI_PATH = path.join(repoRoot, 'dist', 'cli.js');

/** Path → sha256 of every file under dir (folders too, as "dir"), to prove nothing was written. */
export function snapshotFolder(dir: string): Map<string, string> {
  const entries = new Map<string, string>();
  const walk = (folder: string): void => {
    for (const name of readdirSync(folder)) {
      const full = path.join(folder, name);
      const stat = statSync(full);
      if (stat.isDirectory()) {
        entries.set(path.relative(dir, full), 'dir');
        walk(full);
      } else {
        entries.set(path.relative(dir, full), createHash('sha256').update(readFileSync(full)).digest('hex'));
      }
    }
  };
  walk(dir);
  return entries;
}

export function runBadInputCase(testCase: BadInputCase): BadInputOutcome {
  const dir = mkdtempSync(path.join(tmpdir(), 'lambda-lab-bad-input-'));
  try {
    if (testCase.needsEndpoint && !sharedEndpoint) throw new Error('this row needs the shared endpoint: call startSharedEndpoint() first');
    testCase.setup?.(dir, sharedEndpoint);
    const before = snapshotFolder(dir);
    const args = testCase.args.map((arg) => fillIn(arg, dir));
    const result = spawnSync(process.execPath, [CLI_PATH, ...args], {
      cwd: dir,
      encoding: 'utf8',
      input: testCase.stdin ?? '',
      timeout: testCase.timeoutMs ?? 20_000,
      killSignal: 'SIGKILL',
      env: {
        ...process.env,
        NO_COLOR: '1',
        LAMBDA_LAB_BAD_INPUT_TEST: '1',
        ...Object.fromEntries(Object.entries(testCase.env ?? {}).map(([k, v]) => [k, fillIn(v, dir)])),
      },
    });
    const output = `${result.stdout ?? ''}${result.stderr ?? ''}`;
    const problems: string[] = [];
    if (result.error) problems.push(`did not finish: ${result.error.message}`);
    if (result.status !== testCase.exitCode) problems.push(`exit code ${result.status}, expected ${testCase.exitCode}`);
    const matches = typeof testCase.message === 'string' ? output.includes(testCase.message) : testCase.message.test(output);
    if (!matches) problems.push(`output lacks ${String(testCase.message)}`);
    if (testCase.absent?.test(output)) problems.push(`output contains ${String(testCase.absent)}`);
    if (/\n\s+at .+:\d+:\d+\)?\n/.test(output)) problems.push('output shows a stack trace');
    if (testCase.writesNothing !== false) {
      const after = snapshotFolder(dir);
      const changed = [...new Set([...before.keys(), ...after.keys()])].filter((key) => before.get(key) !== after.get(key));
      if (changed.length) problems.push(`wrote or changed: ${changed.slice(0, 5).join(', ')}`);
    }
    return { name: testCase.name, ok: problems.length === 0, problems, exitCode: result.status, output };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
