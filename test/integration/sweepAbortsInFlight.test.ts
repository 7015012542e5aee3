// A sweep that is killed (SIGTERM to the CLI) or cancelled (VS Code's Cancel: a cancellation token
// turned into the engine's AbortSignal) takes its in-flight invocation with it: the built-in
// endpoint stops that invocation's execution environment instead of letting it hash until the
// function's timeout. The invocation here would run for minutes (one hash at bcrypt cost 22), so
// only the abort can end it before the test's deadline; every wait is on an event or a polled
// condition with a deadline.
import test, { after, before, describe } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { createLambdaClient, resolveTarget, type ResolvedTarget } from '../../src/aws/lambdaTarget';
import { BUILT_IN_ENDPOINT_ROLE_ARN } from '../../src/aws/executionRole';
import { RUN_FILE, type RunMetadata } from '../../src/core/runFiles';
import { deployExperiment } from '../../src/deploy/deployer';
import { packageFunction } from '../../src/deploy/packager';
import { startLocalEndpoint, type LocalEndpointHandle } from '../../src/localEndpoint';
import { isProcessAlive } from '../../src/os/processLiveness';
import { abortSignalFor, type CancellationTokenLike } from '../../src/sweep/cancellationSignal';
import { SDK_MAX_ATTEMPTS } from '../../src/sweep/sweepEngine';
import { describeTargetForRun, executeSweep, prepareNewSweep } from '../../src/sweep/sweepSession';

const repoRoot = path.resolve(__dirname, '../../..');
const cliJs = path.join(repoRoot, 'out', 'src', 'cli.js');
const templateDir = path.join(repoRoot, 'lambda-template');
const arch = os.arch() === 'arm64' ? 'arm64' : 'x86_64';
/** One hash at this cost takes about 54 ms × 2^12 ≈ 3.7 minutes on a full core: far longer than any wait below. */
const LONG_COST = 22;
/** How long the environment may take to go after the abort before the test fails (the machine may be loaded). */
const GONE_DEADLINE_MS = 60_000;

/** Resolves with the pid of the next execution environment the endpoint starts, and with its "went away" line. */
class EndpointEvents {
  private started: Array<(pid: number) => void> = [];
  private abandoned: Array<{ pid: number; resolve: () => void }> = [];
  readonly log = (line: string): void => {
    const start = /new execution environment pid (\d+)/.exec(line);
    if (start) this.started.shift()?.(Number(start[1]));
    const gone = /went away; stopping execution environment pid (\d+)/.exec(line);
    if (gone) {
      for (const waiter of this.abandoned.filter((w) => w.pid === Number(gone[1]))) {
        this.abandoned.splice(this.abandoned.indexOf(waiter), 1);
        waiter.resolve();
      }
    }
  };
  nextEnvironment(): Promise<number> {
    return new Promise((resolve) => this.started.push(resolve));
  }
  abandonedEnvironment(pid: number): Promise<void> {
    return new Promise((resolve) => this.abandoned.push({ pid, resolve }));
  }
}

function withDeadline<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not happen within ${ms / 1000} s`)), ms);
  });
  return Promise.race([promise, deadline]).finally(() => clearTimeout(timer));
}

/** Polls until the process is gone; returns how long that took after `since`. */
async function waitUntilGone(pid: number, since: number): Promise<number> {
  const deadline = Date.now() + GONE_DEADLINE_MS;
  while (isProcessAlive(pid) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
  assert.equal(isProcessAlive(pid), false, `execution environment pid ${pid} is still running ${GONE_DEADLINE_MS / 1000} s after the abort`);
  return Date.now() - since;
}

describe('a killed or cancelled sweep aborts its in-flight invocation on the built-in endpoint', () => {
  const events = new EndpointEvents();
  const tempDirs: string[] = [];
  const children: ChildProcess[] = [];
  let handle: LocalEndpointHandle;
  let resolved: ResolvedTarget;
  const tempDir = (label: string) => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), `llab-abort-${label}-`));
    tempDirs.push(dir);
    return dir;
  };

  before(async () => {
    handle = await startLocalEndpoint({ stateTransitionMs: 20, cpuLimit: 'none', log: events.log });
    resolved = await resolveTarget({ kind: 'local' }, { localEndpoint: handle });
    const client = createLambdaClient(resolved);
    try {
      const result = await deployExperiment({
        client,
        experimentId: 'itabort',
        memorySizesMB: [1769],
        architectures: [arch],
        role: BUILT_IN_ENDPOINT_ROLE_ARN,
        package: await packageFunction(templateDir),
        timeoutSeconds: 900,
      });
      assert.deepEqual(
        result.failures.map((f) => f.message),
        [],
      );
    } finally {
      client.destroy();
    }
  });

  after(async () => {
    for (const child of children) {
      if (child.pid !== undefined && child.exitCode === null && child.signalCode === null) {
        try {
          process.kill(-child.pid, 'SIGKILL');
        } catch {
          // already gone
        }
      }
    }
    await handle?.stop();
    for (const dir of tempDirs) fs.rmSync(dir, { recursive: true, force: true });
  });

  test('SIGTERM to `lambda-lab sweep`: the CLI exits 143 with the run cancelled, and the environment is gone', async (t) => {
    const out = tempDir('runs');
    const home = tempDir('home');
    const environment = events.nextEnvironment();
    const child = spawn(
      process.execPath,
      [
        cliJs,
        'sweep',
        '--experiment',
        'itabort',
        '--threads',
        '1',
        '--reps',
        '1',
        '--items',
        '1',
        '--cost',
        String(LONG_COST),
        '--endpoint',
        handle.endpoint,
        '--out',
        out,
        '--quiet',
      ],
      {
        env: {
          ...process.env,
          AWS_ACCESS_KEY_ID: handle.accessKeyId,
          AWS_SECRET_ACCESS_KEY: handle.secretAccessKey,
          AWS_REGION: handle.region,
          AWS_PROFILE: '',
          AWS_ENDPOINT_URL_LAMBDA: '',
          LAMBDA_LAB_HOME: home,
          HOME: home,
        },
        detached: true,
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    children.push(child);
    let stderr = '';
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    child.stdout!.resume();
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
      child.on('close', (code, signal) => resolve({ code, signal })),
    );
    const pid = await withDeadline(environment, 120_000, 'the sweep starting its first invocation');
    const abandoned = events.abandonedEnvironment(pid);
    assert.ok(isProcessAlive(pid), 'the environment runs the invocation');
    const killedAt = Date.now();
    child.kill('SIGTERM');
    const result = await withDeadline(exited, 120_000, 'the CLI exiting after SIGTERM');
    assert.equal(result.code, 143, stderr);
    assert.match(stderr, /Cancelling \(SIGTERM\)/);
    await withDeadline(abandoned, GONE_DEADLINE_MS, 'the endpoint noticing the client went away');
    const goneMs = await waitUntilGone(pid, killedAt);
    t.diagnostic(`environment gone ${goneMs} ms after SIGTERM`);
    const runs = fs.readdirSync(out);
    assert.equal(runs.length, 1);
    const meta = JSON.parse(fs.readFileSync(path.join(out, runs[0], RUN_FILE), 'utf8')) as RunMetadata;
    assert.equal(meta.status, 'cancelled');
  });

  test("VS Code's Cancel (a cancellation token, through abortSignalFor): the sweep ends cancelled and the environment is gone", async (t) => {
    const listeners: Array<(e: unknown) => unknown> = [];
    let requested = false;
    const token: CancellationTokenLike = {
      get isCancellationRequested() {
        return requested;
      },
      onCancellationRequested: (listener) => {
        listeners.push(listener);
        return { dispose: () => listeners.splice(listeners.indexOf(listener), 1) };
      },
    };
    const cancel = () => {
      requested = true;
      for (const listener of [...listeners]) listener(undefined);
    };
    const client = createLambdaClient(resolved, { maxAttempts: SDK_MAX_ATTEMPTS });
    const cancellation = abortSignalFor(token);
    try {
      const prepared = await prepareNewSweep(
        client,
        {
          experimentId: 'itabort',
          threadCounts: [1],
          strategies: ['pool'],
          repetitions: 1,
          items: 1,
          cost: LONG_COST,
          concurrency: 1,
          runsDir: tempDir('vscode'),
        },
        describeTargetForRun(resolved),
      );
      const environment = events.nextEnvironment();
      const sweep = executeSweep(prepared, { client, signal: cancellation.signal });
      const pid = await withDeadline(environment, 120_000, 'the sweep starting its first invocation');
      const abandoned = events.abandonedEnvironment(pid);
      assert.ok(isProcessAlive(pid), 'the environment runs the invocation');
      const cancelledAt = Date.now();
      cancel();
      const outcome = await withDeadline(sweep, 120_000, 'the sweep ending after Cancel');
      assert.equal(outcome.status, 'cancelled');
      await withDeadline(abandoned, GONE_DEADLINE_MS, 'the endpoint noticing the client went away');
      const goneMs = await waitUntilGone(pid, cancelledAt);
      t.diagnostic(`environment gone ${goneMs} ms after Cancel`);
      assert.equal(listeners.length, 1, 'still subscribed until disposed');
    } finally {
      cancellation.dispose();
      client.destroy();
    }
    assert.equal(listeners.length, 0, 'dispose() unsubscribes from the token');
  });
});
