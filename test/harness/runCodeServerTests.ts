// Runs the extension's mocha suite (out/test/suite/index.js) inside a real VS Code extension host:
// code-server serves VS Code, headless Chromium (driven by playwright-core) opens the workbench
// with a test payload, and the workbench reports the suite's exit code back through
// `codeAutomationExit`. Recipe and verified facts: shared TESTING.md §1 and §6; usage, settings and
// the bridge protocol: test/harness/README.md.
//
// With --installed (or LAMBDA_LAB_INSTALLED=1) the suite runs against the packaged .vsix installed
// into the run's own code-server (installedExtension.ts), not the development folder.
// A test may ask for a restart (it writes LAMBDA_LAB_TEST_RESTART_REQUEST): code-server is then
// stopped and started again on the same folders, and the suite runs once more, limited to the tests
// the request names (codeServerSession.ts runs each session).
//
// Everything started here (code-server and its helpers, Chromium) runs in its own process group
// and the whole group is killed on every exit path: success, failure, timeout, signal, crash.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { SuiteResults } from '../suite/harnessBridge';
import { deferred } from './asyncHelpers';
import { startBridge, type Bridge } from './bridgeServer';
import { CodeServerSession, type RunOutcome, type SessionFolders } from './codeServerSession';
import { checkPrerequisites, closeRunLog, log, openRunLog, settings, shown } from './harnessSettings';
import { installPackagedExtension } from './installedExtension';
import { killStragglers, processesMentioning, signalPid } from './processCleanup';

// Settings for the throw-away profile: nothing that phones home or competes for the 2 CPUs.
const USER_SETTINGS = {
  'workbench.startupEditor': 'none',
  'workbench.tips.enabled': false,
  'telemetry.telemetryLevel': 'off',
  'update.mode': 'none',
  'extensions.autoCheckUpdates': false,
  'extensions.autoUpdate': false,
  'security.workspace.trust.enabled': false,
  'chat.disableAIFeatures': true,
  'git.enabled': false,
  'git.autoRepositoryDetection': false,
  'typescript.tsserver.experimental.enableProjectDiagnostics': false,
};

/** What a test writes to LAMBDA_LAB_TEST_RESTART_REQUEST to have the suite run again after a restart. */
interface RestartRequest {
  /** Regular expression for mocha's grep in the session after the restart. */
  grep: string;
}

/** Processes to stop and folders to remove, whatever way the run ends. */
const state: {
  session?: CodeServerSession;
  bridge?: Bridge;
  tempRoot?: string;
  /** Results of the sessions that ended, and of the current one so far. */
  finished: SuiteResults[];
  current?: SuiteResults;
  stopping?: Promise<void>;
  /** Resolved when the run must end early: timeout or signal. */
  ended: ReturnType<typeof deferred<RunOutcome>>;
  signal?: NodeJS.Signals;
} = { finished: [], ended: deferred<RunOutcome>() };

async function main(): Promise<number> {
  const started = Date.now();
  checkPrerequisites();
  fs.mkdirSync(settings.artifactsDir, { recursive: true });
  // Artifacts of an earlier run would be mistaken for this one's.
  for (const stale of fs.readdirSync(settings.artifactsDir).filter((name) => /^codeserver-(logs|failure|final)/.test(name) || name === 'activation.json')) {
    fs.rmSync(path.join(settings.artifactsDir, stale), { recursive: true, force: true });
  }
  openRunLog(path.join(settings.artifactsDir, 'codeserver-run.log'));

  const tempRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'lambda-lab-codeserver-'));
  state.tempRoot = tempRoot;
  const folders: SessionFolders = {
    tempRoot,
    userDataDir: path.join(tempRoot, 'user-data'),
    extensionsDir: path.join(tempRoot, 'extensions'),
    workspaceDir: path.join(tempRoot, 'workspace'),
  };
  for (const dir of [folders.userDataDir, folders.extensionsDir, folders.workspaceDir]) fs.mkdirSync(dir, { recursive: true });
  fs.mkdirSync(path.join(folders.userDataDir, 'User'), { recursive: true });
  fs.writeFileSync(path.join(folders.userDataDir, 'User/settings.json'), JSON.stringify(USER_SETTINGS, null, 2));

  state.bridge = await startBridge({
    page: () => state.session?.page,
    results: (results) => {
      state.current = results;
    },
    screenshot: (name) => state.session?.screenshot(name) ?? Promise.resolve(undefined),
  });

  const timeout = setTimeout(
    () => state.ended.resolve({ code: 1, reason: `timed out after ${settings.timeoutMs / 1000} s (LAMBDA_LAB_HARNESS_TIMEOUT_S)` }),
    settings.timeoutMs,
  );
  const restartRequestFile = path.join(tempRoot, 'restart-request.json');
  const env: Record<string, string> = {
    LAMBDA_LAB_TEST_BRIDGE_URL: state.bridge.url,
    LAMBDA_LAB_TEST_WORKSPACE: folders.workspaceDir,
    LAMBDA_LAB_TEST_ARTIFACTS: settings.artifactsDir,
    LAMBDA_LAB_TEST_RESTART_REQUEST: restartRequestFile,
    LAMBDA_LAB_TEST_SESSION: 'first',
    // The built-in endpoint's per-user store and state file: this run's own, kept across the restart.
    LAMBDA_LAB_HOME: path.join(tempRoot, 'lambda-lab-home'),
    LAMBDA_LAB_ENDPOINT_STORE: path.join(tempRoot, 'lambda-lab-home/endpoint-store'),
  };
  try {
    let developmentPath = settings.extensionPath;
    if (settings.installed) {
      const installed = await Promise.race([
        installPackagedExtension(tempRoot, folders.userDataDir, folders.extensionsDir),
        state.ended.promise.then((outcome) => Promise.reject(new Error(outcome.reason))),
      ]);
      developmentPath = installed.runnerDir;
      env.LAMBDA_LAB_TEST_INSTALLED_DIR = installed.installedDir;
      env.LAMBDA_LAB_TEST_VSIX_BYTES = String(installed.vsixBytes);
    }

    let outcome = await runSession('first', folders, developmentPath, env, started);
    const request = readRestartRequest(restartRequestFile);
    if (request && !state.signal && !(await isSettled(state.ended.promise))) {
      log(`harness: a test asked for a restart: stopping code-server, then starting it again on the same folders for the tests matching /${request.grep}/`);
      const after = await runSession(
        'after-restart',
        folders,
        developmentPath,
        { ...env, LAMBDA_LAB_TEST_SESSION: 'after-restart', LAMBDA_LAB_TEST_GREP: request.grep },
        started,
      );
      if (outcome.code === 0) outcome = after;
    }
    return await finish(outcome.code);
  } catch (error) {
    log(`harness: ${error instanceof Error ? error.message : String(error)} after ${((Date.now() - started) / 1000).toFixed(1)} s`);
    return await finish(1);
  } finally {
    clearTimeout(timeout);
  }
}

/** Runs one session; saves its screenshots (and logs on failure) and stops it. */
async function runSession(name: string, folders: SessionFolders, developmentPath: string, env: Record<string, string>, started: number): Promise<RunOutcome> {
  const session = new CodeServerSession({ name, folders, developmentPath, env, runEnded: state.ended.promise, started });
  state.session = session;
  state.current = undefined;
  const outcome = await session.run();
  const results = state.current as SuiteResults | undefined;
  const suffix = name === 'first' ? '' : `-${name}`;
  if (outcome.code !== 0 || !results?.complete || results.failed > 0) {
    await session.screenshot(`codeserver-failure${suffix}`);
    copyServerLogs(name);
  }
  await session.screenshot(`codeserver-final${suffix}`);
  state.finished.push(sessionTotals(name, outcome, results));
  await session.stop();
  return outcome;
}

/**
 * A session's totals. Anything but "the suite ran to the end and the host exited 0" is a failure
 * of the session, even when no single test failed: a crash, a timeout or a host that never started.
 */
function sessionTotals(name: string, outcome: RunOutcome, results: SuiteResults | undefined): SuiteResults {
  const totals: SuiteResults = results ? { ...results, failures: [...results.failures] } : { passed: 0, failed: 0, skipped: 0, failures: [], complete: false };
  const label = name === 'first' ? 'the suite' : `the suite (${name})`;
  let extra: string | undefined;
  if (!results) extra = `${label} never reported a result (it did not start, or crashed); counted as one failure`;
  else if (!results.complete)
    extra = `${label} did not finish (${results.passed} passed, ${results.failed} failed so far); the unfinished run is counted as one more failure`;
  else if (outcome.code !== 0 && results.failed === 0)
    extra = `the extension host exited with code ${outcome.code} although no test failed; counted as one failure`;
  if (extra) {
    log(`harness: ${extra}`);
    totals.failed += 1;
    totals.complete = false;
  }
  return totals;
}

/** Prints the closing line and returns the process exit code. */
async function finish(hostExitCode: number): Promise<number> {
  if (state.finished.length === 0) state.finished.push(sessionTotals('first', { code: hostExitCode, reason: '' }, undefined));
  const passed = sum((r) => r.passed);
  const failed = sum((r) => r.failed);
  const skipped = sum((r) => r.skipped);
  for (const failure of state.finished.flatMap((r) => r.failures)) log(`harness: failed: ${failure.title}`);
  if (failed > 0) log(`harness: details in ${shown(path.join(settings.artifactsDir, 'codeserver-run.log'))} and the screenshots next to it`);
  await stopAll();
  // The closing line CI reads: "N passed, N failed[, N skipped]".
  process.stdout.write(`${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}\n`);
  return failed > 0 || hostExitCode !== 0 ? 1 : 0;
}

function sum(pick: (results: SuiteResults) => number): number {
  return state.finished.reduce((total, results) => total + pick(results), 0);
}

function readRestartRequest(file: string): RestartRequest | undefined {
  if (!fs.existsSync(file)) return undefined;
  try {
    const request = JSON.parse(fs.readFileSync(file, 'utf8')) as RestartRequest;
    if (typeof request.grep === 'string' && request.grep) return request;
  } catch {
    // reported below
  }
  log(`harness: ignoring the restart request ${file}: it is not {"grep": "<regular expression>"}`);
  return undefined;
}

async function isSettled(promise: Promise<unknown>): Promise<boolean> {
  const pending = Symbol('pending');
  return (await Promise.race([promise, Promise.resolve(pending)])) !== pending;
}

/** code-server's own logs (server, remote extension host) live in the temporary user-data folder. */
function copyServerLogs(session: string): void {
  if (!state.tempRoot) return;
  const source = path.join(state.tempRoot, 'user-data/logs');
  const target = path.join(settings.artifactsDir, 'codeserver-logs', session, 'server');
  try {
    fs.cpSync(source, target, { recursive: true });
    log(`harness: code-server logs copied to ${shown(target)}`);
  } catch (error) {
    log(`harness: could not copy code-server logs from ${source}: ${error instanceof Error ? error.message : String(error)}`);
  }
}

/** Stops the current session, the bridge and stragglers, and removes the temporary folder. */
function stopAll(): Promise<void> {
  state.stopping ??= (async () => {
    await state.session?.stop();
    await killStragglers(state.tempRoot);
    state.bridge?.close();
    if (state.tempRoot && !settings.keepTemp) fs.rmSync(state.tempRoot, { recursive: true, force: true });
    else if (state.tempRoot) log(`harness: kept temporary folder ${state.tempRoot} (LAMBDA_LAB_KEEP_TEMP=1)`);
    await closeRunLog();
  })();
  return state.stopping;
}

function killEverythingNow(): void {
  state.session?.killNow();
  for (const pid of processesMentioning(state.tempRoot)) signalPid(pid, 'SIGKILL');
}

for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  process.on(signal, () => {
    if (state.signal) return;
    state.signal = signal;
    log(`harness: received ${signal}; stopping code-server and Chromium`);
    // Let the normal path finish (screenshots, closing line, cleanup); force it if that hangs.
    state.ended.resolve({ code: 1, reason: `interrupted by ${signal}` });
    setTimeout(() => {
      log('harness: cleanup took longer than 30 s; killing everything');
      killEverythingNow();
      process.exit(exitCodeFor(1));
    }, 30_000);
  });
}
process.on('exit', killEverythingNow);
process.on('uncaughtException', (error) => {
  log(`harness: uncaught error: ${error.stack ?? error.message}`);
  void stopAll().finally(() => process.exit(1));
});

/** 128 + signal number after a signal (shell convention), else the run's own code. */
function exitCodeFor(code: number): number {
  return state.signal ? 128 + os.constants.signals[state.signal] : code;
}

main().then(
  (code) => process.exit(exitCodeFor(code)),
  async (error: unknown) => {
    log(`harness: ${error instanceof Error ? error.message : String(error)}`);
    await stopAll();
    process.stdout.write('0 passed, 1 failed\n');
    process.exit(exitCodeFor(1));
  },
);
