// Runs the extension's mocha suite (out/test/suite/index.js) inside a real VS Code extension host:
// code-server serves VS Code, headless Chromium (driven by playwright-core) opens the workbench
// with a test payload, and the workbench reports the suite's exit code back through
// `codeAutomationExit`. Recipe and verified facts: shared TESTING.md §1 and §6; usage, settings and
// the bridge protocol: test/harness/README.md.
//
// Everything started here (code-server and its helpers, Chromium) runs in its own process group
// and the whole group is killed on every exit path: success, failure, timeout, signal, crash.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { chromium, type Browser, type BrowserServer, type Frame, type Page } from 'playwright-core';
import type { FrameResult, SuiteResults } from '../suite/harnessBridge';

const repoRoot = path.resolve(__dirname, '../../..');

const settings = {
  nodeDir: process.env.LAMBDA_LAB_NODE24_DIR ?? path.join(repoRoot, '.tools/node24'),
  codeServerDir: process.env.LAMBDA_LAB_CODE_SERVER_DIR ?? path.join(repoRoot, '.tools/code-server'),
  chromiumPath: process.env.LAMBDA_LAB_CHROMIUM ?? '/usr/bin/chromium',
  timeoutMs: (Number(process.env.LAMBDA_LAB_HARNESS_TIMEOUT_S) || 15 * 60) * 1000,
  artifactsDir: process.env.LAMBDA_LAB_TEST_ARTIFACTS ?? path.join(repoRoot, 'test-artifacts'),
  keepTemp: process.env.LAMBDA_LAB_KEEP_TEMP === '1',
  verbose: process.env.LAMBDA_LAB_HARNESS_VERBOSE === '1',
  extensionPath: process.env.LAMBDA_LAB_EXTENSION_PATH ?? repoRoot,
  suitePath: process.env.LAMBDA_LAB_SUITE_PATH ?? path.join(repoRoot, 'out/test/suite/index.js'),
};
const nodeBinary = path.join(settings.nodeDir, 'node_modules/node/bin/node');
const codeServerEntry = path.join(settings.codeServerDir, 'node_modules/code-server/out/node/entry.js');

const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];

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

/** Processes to stop and folders to remove, whatever way the run ends. */
const state: {
  codeServer?: ChildProcess;
  browserServer?: BrowserServer;
  browser?: Browser;
  page?: Page;
  bridge?: http.Server;
  tempRoot?: string;
  logStream?: fs.WriteStream;
  results?: SuiteResults;
  stopping?: Promise<void>;
  /** Resolved once with how the run ended: tests finished, timeout, crash or signal. */
  exit: Deferred<RunOutcome>;
  signal?: NodeJS.Signals;
} = { exit: deferred<RunOutcome>() };

interface RunOutcome {
  code: number;
  reason: string;
}

/** Waits for `promise`, but gives up as soon as the run has ended some other way. */
function untilExit<T>(promise: Promise<T>): Promise<T> {
  return Promise.race([promise, state.exit.promise.then((outcome) => Promise.reject(new RunEnded(outcome)))]);
}

class RunEnded extends Error {
  constructor(readonly outcome: RunOutcome) {
    super(outcome.reason);
  }
}

function log(line: string): void {
  process.stdout.write(`${line}\n`);
  state.logStream?.write(`${line}\n`);
}

/** Writes to the run log only (test-artifacts/codeserver-run.log); printed too when verbose. */
function detail(line: string): void {
  if (settings.verbose) process.stdout.write(`${line}\n`);
  state.logStream?.write(`${line}\n`);
}

async function main(): Promise<number> {
  const started = Date.now();
  checkPrerequisites();
  fs.mkdirSync(settings.artifactsDir, { recursive: true });
  // Artifacts of an earlier run would be mistaken for this one's.
  for (const stale of ['codeserver-logs', 'codeserver-failure.png', 'codeserver-final.png']) {
    fs.rmSync(path.join(settings.artifactsDir, stale), { recursive: true, force: true });
  }
  state.logStream = fs.createWriteStream(path.join(settings.artifactsDir, 'codeserver-run.log'));

  const tempRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'lambda-lab-codeserver-'));
  state.tempRoot = tempRoot;
  const userDataDir = path.join(tempRoot, 'user-data');
  const extensionsDir = path.join(tempRoot, 'extensions');
  const workspaceDir = path.join(tempRoot, 'workspace');
  for (const dir of [userDataDir, extensionsDir, workspaceDir]) fs.mkdirSync(dir, { recursive: true });
  fs.mkdirSync(path.join(userDataDir, 'User'), { recursive: true });
  fs.writeFileSync(path.join(userDataDir, 'User/settings.json'), JSON.stringify(USER_SETTINGS, null, 2));

  const exit = state.exit;
  const bridgeUrl = await startBridge();

  const port = await freePort();
  log(`harness: starting code-server on 127.0.0.1:${port} (workspace ${workspaceDir})`);
  const codeServer = spawn(
    nodeBinary,
    [
      codeServerEntry,
      '--auth',
      'none',
      '--bind-addr',
      `127.0.0.1:${port}`,
      '--disable-telemetry',
      '--disable-update-check',
      '--disable-workspace-trust',
      '--user-data-dir',
      userDataDir,
      '--extensions-dir',
      extensionsDir,
      '--vscode-option',
      'enable-smoke-test-driver',
    ],
    {
      cwd: workspaceDir,
      // The extension host inherits this environment: LAMBDA_LAB_TEST_* variables set by whoever
      // runs the harness reach the tests unchanged, plus the ones the harness adds. The run gets its
      // own Lambda Lab home (the built-in endpoint's stored functions and state file), so functions a
      // previous or failed run left in the user's store do not show in this run's view.
      env: {
        ...process.env,
        LAMBDA_LAB_HOME: path.join(tempRoot, 'lambda-lab-home'),
        LAMBDA_LAB_ENDPOINT_STORE: undefined,
        LAMBDA_LAB_TEST_BRIDGE_URL: bridgeUrl,
        LAMBDA_LAB_TEST_WORKSPACE: workspaceDir,
        LAMBDA_LAB_TEST_ARTIFACTS: settings.artifactsDir,
      },
      detached: true, // own process group, so the whole tree can be killed at once
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  state.codeServer = codeServer;
  pipeLines(codeServer.stdout!, (line) => detail(`[code-server] ${line}`));
  pipeLines(codeServer.stderr!, (line) => detail(`[code-server:err] ${line}`));
  codeServer.once('exit', (code, signal) =>
    exit.resolve({ code: 1, reason: `code-server exited early (code ${code}, signal ${signal}); see test-artifacts/codeserver-run.log` }),
  );

  const timeout = setTimeout(
    () => exit.resolve({ code: 1, reason: `timed out after ${settings.timeoutMs / 1000} s (LAMBDA_LAB_HARNESS_TIMEOUT_S)` }),
    settings.timeoutMs,
  );
  try {
    const ready = await untilExit(waitForHttp(`http://127.0.0.1:${port}/healthz`, 120_000));
    log(`harness: code-server ready in ${((Date.now() - started) / 1000).toFixed(1)} s (${ready})`);

    state.browserServer = await untilExit(
      chromium.launchServer({
        executablePath: settings.chromiumPath,
        headless: true,
        args: CHROMIUM_ARGS,
        // Chromium's crash handler leaves the browser's session; a config folder inside the temp
        // root puts that path on its command line so the final sweep can find it (and keeps the
        // run from touching ~/.config).
        env: { ...process.env, XDG_CONFIG_HOME: path.join(tempRoot, 'chromium-config') },
        // The harness owns signal handling and kills the browser's process group itself.
        handleSIGINT: false,
        handleSIGTERM: false,
        handleSIGHUP: false,
      }),
    );
    const browser = await untilExit(chromium.connect(state.browserServer.wsEndpoint()));
    state.browser = browser;
    browser.once('disconnected', () => exit.resolve({ code: 1, reason: 'Chromium disconnected before the tests finished' }));
    const page = await untilExit(browser.newPage({ viewport: { width: 1400, height: 900 } }));
    state.page = page;

    await page.exposeFunction('codeAutomationLog', (type: string, args: unknown[]) => {
      const text = (Array.isArray(args) ? args : [args]).map((a) => (typeof a === 'string' ? a : JSON.stringify(a))).join(' ');
      detail(`[workbench:${type}] ${text}`);
    });
    await page.exposeFunction('codeAutomationExit', (code: number, logs?: { relativePath: string; contents: string }[]) => {
      saveWorkbenchLogs(logs);
      exit.resolve({ code, reason: `extension host finished with exit code ${code}` });
    });
    page.on('console', (message) => detail(`[browser:${message.type()}] ${message.text()}`));
    page.on('pageerror', (error) => detail(`[browser:pageerror] ${error.message}`));

    const remote = `vscode-remote://127.0.0.1:${port}`;
    const payload = [
      ['extensionDevelopmentPath', remote + settings.extensionPath],
      ['extensionTestsPath', remote + settings.suitePath],
      ['skipWelcome', 'true'],
    ];
    const url = `http://127.0.0.1:${port}/?folder=${encodeURIComponent(remote + workspaceDir)}&payload=${encodeURIComponent(JSON.stringify(payload))}`;
    log('harness: opening the workbench in Chromium; the suite starts once the extension host is up');
    await untilExit(page.goto(url, { waitUntil: 'domcontentloaded', timeout: 120_000 }));

    const outcome = await exit.promise;
    log(`harness: ${outcome.reason} after ${((Date.now() - started) / 1000).toFixed(1)} s`);
    return await finish(outcome.code);
  } catch (error) {
    if (error instanceof RunEnded) log(`harness: ${error.outcome.reason} after ${((Date.now() - started) / 1000).toFixed(1)} s`);
    else log(`harness: ERROR ${error instanceof Error ? error.message : String(error)}`);
    return await finish(1);
  } finally {
    clearTimeout(timeout);
  }
}

/** Saves screenshots, prints the closing line and returns the process exit code. */
async function finish(hostExitCode: number): Promise<number> {
  const results = state.results;
  const completed = results?.complete === true;
  // Anything but "the suite ran to the end and the host exited 0" is a failure of the run, even
  // when no single test failed: a crash, a timeout or an extension host that never started.
  const runFailed = hostExitCode !== 0 || !completed;
  if (runFailed || (results?.failed ?? 0) > 0) {
    await screenshot('codeserver-failure');
    copyServerLogs();
  }
  await screenshot('codeserver-final');

  const passed = results?.passed ?? 0;
  let failed = results?.failed ?? 0;
  const skipped = results?.skipped ?? 0;
  if (!results) log('harness: the suite never reported a result (it did not start, or crashed); counted as one failure');
  else if (!completed) log(`harness: the suite did not finish (${passed} passed, ${failed} failed so far); the unfinished run is counted as one more failure`);
  else if (hostExitCode !== 0 && failed === 0)
    log(`harness: the extension host exited with code ${hostExitCode} although no test failed; counted as one failure`);
  if (!completed || (runFailed && failed === 0)) failed += 1;
  for (const failure of results?.failures ?? []) log(`harness: failed: ${failure.title}`);
  if (failed > 0)
    log(
      `harness: details in ${path.relative(repoRoot, path.join(settings.artifactsDir, 'codeserver-run.log')) || 'codeserver-run.log'} and the screenshots next to it`,
    );

  await stopAll();
  // The closing line CI reads: "N passed, N failed[, N skipped]".
  process.stdout.write(`${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}\n`);
  return failed > 0 || runFailed ? 1 : 0;
}

async function screenshot(name: string): Promise<string | undefined> {
  if (!state.page || state.page.isClosed()) return undefined;
  const file = path.join(settings.artifactsDir, `${name}.png`);
  try {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    await state.page.screenshot({ path: file, timeout: 15_000 });
    log(`harness: screenshot ${path.relative(repoRoot, file)}`);
    return file;
  } catch (error) {
    log(`harness: could not take screenshot ${name}: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}`);
    return undefined;
  }
}

function saveWorkbenchLogs(logs?: { relativePath: string; contents: string }[]): void {
  if (!Array.isArray(logs)) return;
  const dir = path.join(settings.artifactsDir, 'codeserver-logs');
  fs.rmSync(dir, { recursive: true, force: true });
  for (const entry of logs) {
    const target = path.join(dir, path.normalize(entry.relativePath).replace(/^(\.\.(\/|\\|$))+/, ''));
    fs.mkdirSync(path.dirname(target), { recursive: true });
    fs.writeFileSync(target, entry.contents);
  }
}

/** code-server's own logs (server, remote extension host) live in the temporary user-data folder. */
function copyServerLogs(): void {
  if (!state.tempRoot) return;
  const source = path.join(state.tempRoot, 'user-data/logs');
  const target = path.join(settings.artifactsDir, 'codeserver-logs/server');
  try {
    fs.cpSync(source, target, { recursive: true });
    log(`harness: code-server logs copied to ${path.relative(repoRoot, target)}`);
  } catch (error) {
    log(`harness: could not copy code-server logs from ${source}: ${error instanceof Error ? error.message : String(error)}`);
  }
}

// ---- The bridge: lets tests in the extension host reach the Chromium page ----------------------

async function startBridge(): Promise<string> {
  const token = randomBytes(16).toString('hex');
  // Each route destructures the JSON body it was sent; the bridge protocol is checked by its own tests.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const routes: Record<string, (body: any) => Promise<unknown>> = {
    log: async ({ line }) => log(String(line)),
    results: async (results: SuiteResults) => {
      state.results = results;
    },
    frames: async () =>
      requirePage()
        .frames()
        .map((frame) => ({ frameUrl: frame.url(), frameName: frame.name() })),
    evaluate: async ({ expression, arg, frameUrlIncludes }) => evaluateInFrames(requirePage(), expression, arg, frameUrlIncludes),
    waitFor: async ({ expression, arg, frameUrlIncludes, timeoutMs = 20_000 }) => {
      const deadline = Date.now() + timeoutMs;
      let last: FrameResult[] = [];
      while (Date.now() < deadline) {
        last = await evaluateInFrames(requirePage(), expression, arg, frameUrlIncludes);
        const hit = last.find((result) => result.ok && result.value);
        if (hit) return hit;
        await delay(250);
      }
      const errors = last.filter((r) => !r.ok).map((r) => `${r.frameUrl}: ${r.error}`);
      throw new HttpError(
        408,
        `No frame${frameUrlIncludes ? ` matching "${frameUrlIncludes}"` : ''} returned a truthy value within ${timeoutMs} ms for: ${expression}${errors.length ? `\nframe errors:\n${errors.join('\n')}` : ''}`,
      );
    },
    click: async ({ selector, frameUrlIncludes, button, modifiers, timeoutMs = 0 }) => {
      // With timeoutMs, waits for the element to appear (menus and dialogs open a moment after the action).
      const deadline = Date.now() + timeoutMs;
      do {
        for (const frame of matchingFrames(requirePage(), frameUrlIncludes)) {
          if (await frame.$(selector).catch(() => null)) {
            // A locator, not the element found: a row the tree re-renders meanwhile is found again.
            await frame
              .locator(selector)
              .first()
              .click({ timeout: 10_000, ...(button ? { button } : {}), ...(modifiers ? { modifiers } : {}) });
            return { frameUrl: frame.url() };
          }
        }
        if (Date.now() < deadline) await delay(200);
      } while (Date.now() < deadline);
      throw new HttpError(404, `No frame has an element matching "${selector}".`);
    },
    // Page-level input, as a person gives it: the keyboard goes to whatever has focus.
    type: async ({ text }) => requirePage().keyboard.type(String(text)),
    press: async ({ key }) => requirePage().keyboard.press(String(key)),
    hover: async ({ selector, frameUrlIncludes }) => {
      for (const frame of matchingFrames(requirePage(), frameUrlIncludes)) {
        if (await frame.$(selector).catch(() => null)) {
          await frame.locator(selector).first().hover({ timeout: 10_000 });
          return { frameUrl: frame.url() };
        }
      }
      throw new HttpError(404, `No frame has an element matching "${selector}".`);
    },
    // Waits until a visible element matches `selector` (and contains `text`), or, with `gone`, until none does.
    waitForSelector: async ({ selector, text, gone = false, frameUrlIncludes, timeoutMs = 20_000 }) => {
      const deadline = Date.now() + timeoutMs;
      const probe = `(arg) => [...document.querySelectorAll(arg.selector)].filter((e) => e.getClientRects().length > 0 && (!arg.text || (e.textContent || '').includes(arg.text) || (e.getAttribute('aria-label') || '').includes(arg.text))).length`;
      while (Date.now() < deadline) {
        const results = await evaluateInFrames(requirePage(), probe, { selector, text }, frameUrlIncludes);
        const hit = results.find((r) => r.ok && Number(r.value) > 0);
        if (gone ? !hit : hit) return hit ?? { frameUrl: '', frameName: '', ok: true, value: 0 };
        await delay(200);
      }
      throw new HttpError(408, `${gone ? 'Still' : 'No'} visible element matching "${selector}"${text ? ` with text "${text}"` : ''} after ${timeoutMs} ms.`);
    },
    screenshot: async ({ name }) => {
      // One level of folder is allowed (e.g. "journey/01-palette"); nothing can climb out of the artifacts folder.
      const safeName =
        String(name ?? 'screenshot')
          .split('/')
          .map((part) => part.replace(/[^a-zA-Z0-9._-]/g, '_'))
          .filter((part) => part && part !== '.' && part !== '..')
          .slice(-2)
          .join('/') || 'screenshot';
      const file = await screenshot(safeName);
      if (!file) throw new HttpError(500, 'Screenshot failed; see the harness output.');
      return { path: file };
    },
  };

  const server = http.createServer((request, response) => {
    const [, requestToken, route] = (request.url ?? '').split('/');
    const reply = (status: number, body: unknown) => {
      response.writeHead(status, { 'content-type': 'application/json' });
      response.end(JSON.stringify(body));
    };
    if (requestToken !== token) return reply(403, { error: 'wrong bridge token' });
    const handler = routes[route ?? ''];
    if (request.method !== 'POST' || !handler) return reply(404, { error: `unknown bridge route "${route}"; routes: ${Object.keys(routes).join(', ')}` });
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      let body: unknown;
      try {
        body = chunks.length ? JSON.parse(Buffer.concat(chunks).toString('utf8')) : {};
      } catch {
        return reply(400, { error: 'request body is not JSON' });
      }
      handler(body).then(
        (result) => reply(200, { result: result ?? null }),
        (error: unknown) => reply(error instanceof HttpError ? error.status : 500, { error: error instanceof Error ? error.message : String(error) }),
      );
    });
  });
  state.bridge = server;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  server.unref();
  return `http://127.0.0.1:${(server.address() as net.AddressInfo).port}/${token}`;
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

function requirePage(): Page {
  if (!state.page || state.page.isClosed()) throw new HttpError(503, 'The workbench page is not open.');
  return state.page;
}

function matchingFrames(page: Page, frameUrlIncludes?: string): Frame[] {
  return page.frames().filter((frame) => !frameUrlIncludes || frame.url().includes(frameUrlIncludes));
}

async function evaluateInFrames(page: Page, expression: string, arg: unknown, frameUrlIncludes?: string): Promise<FrameResult[]> {
  if (typeof expression !== 'string' || !expression) throw new HttpError(400, '"expression" must be a non-empty string');
  return Promise.all(
    matchingFrames(page, frameUrlIncludes).map(async (frame): Promise<FrameResult> => {
      const base = { frameUrl: frame.url(), frameName: frame.name() };
      try {
        // Sent as a string through the DevTools protocol, which a webview's strict CSP does not
        // block (verified); playwright does not call function source itself, so the wrapper does.
        const wrapped = `(() => { const value = (${expression}\n); return typeof value === 'function' ? value(${JSON.stringify(arg) ?? 'undefined'}) : value; })()`;
        const value = await withTimeout(frame.evaluate(wrapped), 10_000, 'frame.evaluate');
        return { ...base, ok: true, value };
      } catch (error) {
        return { ...base, ok: false, error: error instanceof Error ? error.message.split('\n')[0] : String(error) };
      }
    }),
  );
}

// ---- Process hygiene --------------------------------------------------------------------------

/** Stops Chromium and code-server (whole process groups), the bridge, and removes temp folders. */
function stopAll(): Promise<void> {
  state.stopping ??= (async () => {
    const browserPid = state.browserServer?.process().pid;
    await withTimeout(state.browser?.close() ?? Promise.resolve(), 5_000, 'browser.close').catch(() => undefined);
    await withTimeout(state.browserServer?.close() ?? Promise.resolve(), 5_000, 'browserServer.close').catch(() => undefined);
    if (browserPid) await killProcessGroup(browserPid, 'Chromium');
    if (state.codeServer?.pid) await killProcessGroup(state.codeServer.pid, 'code-server');
    await killStragglers();
    state.bridge?.close();
    state.bridge?.closeAllConnections();
    if (state.tempRoot && !settings.keepTemp) fs.rmSync(state.tempRoot, { recursive: true, force: true });
    else if (state.tempRoot) log(`harness: kept temporary folder ${state.tempRoot} (LAMBDA_LAB_KEEP_TEMP=1)`);
    await new Promise<void>((resolve) => (state.logStream ? state.logStream.end(resolve) : resolve()));
    state.logStream = undefined;
  })();
  return state.stopping;
}

/**
 * SIGTERM to everything the leader started, then SIGKILL whatever is still alive after a grace
 * period. "Everything" is its process group plus its session: both children were spawned as
 * session leaders (detached), and some helpers move to a process group of their own (Chromium's
 * crashpad handler does) but stay in the session.
 */
async function killProcessGroup(leader: number, label: string): Promise<void> {
  if (!treeAlive(leader)) return;
  signalTree(leader, 'SIGTERM');
  const deadline = Date.now() + 5_000;
  while (treeAlive(leader) && Date.now() < deadline) await delay(100);
  if (treeAlive(leader)) {
    detail(`harness: ${label} (process group ${leader}) ignored SIGTERM; sending SIGKILL`);
    signalTree(leader, 'SIGKILL');
    const killDeadline = Date.now() + 5_000;
    while (treeAlive(leader) && Date.now() < killDeadline) await delay(100);
  }
  if (treeAlive(leader))
    log(`harness: WARNING ${label} processes of group/session ${leader} are still alive after SIGKILL: ${sessionMembers(leader).join(', ')}`);
}

/** Pids whose process group or session is `leader` (Linux /proc; empty elsewhere). */
function sessionMembers(leader: number): number[] {
  let entries: string[];
  try {
    entries = fs.readdirSync('/proc');
  } catch {
    return [];
  }
  const members: number[] = [];
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
      // "pid (comm) state ppid pgrp session ..." — comm may contain spaces and parentheses.
      const [state, , pgrp, session] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (state !== 'Z' && (Number(pgrp) === leader || Number(session) === leader)) members.push(Number(entry));
    } catch {
      // the process ended while we looked
    }
  }
  return members;
}

function treeAlive(leader: number): boolean {
  if (sessionMembers(leader).length > 0) return true;
  try {
    process.kill(-leader, 0);
    return true;
  } catch {
    return false;
  }
}

function signalTree(leader: number, signal: NodeJS.Signals): void {
  for (const target of [-leader, ...sessionMembers(leader)]) {
    try {
      process.kill(target, signal);
    } catch {
      // already gone
    }
  }
}

/** Last resort when the process is exiting right now: no time to wait, kill both groups hard. */
function killEverythingNow(): void {
  const browserPid = state.browserServer?.process().pid;
  if (browserPid) signalTree(browserPid, 'SIGKILL');
  if (state.codeServer?.pid) signalTree(state.codeServer.pid, 'SIGKILL');
  for (const pid of processesMentioning(state.tempRoot)) signalPid(pid, 'SIGKILL');
}

/**
 * Safety net after the group kills: anything still running whose command line names this run's
 * temporary folder (code-server's and Chromium's helpers all do) is ours and is killed.
 */
async function killStragglers(): Promise<void> {
  let leftovers = processesMentioning(state.tempRoot);
  if (leftovers.length === 0) return;
  for (const pid of leftovers) signalPid(pid, 'SIGTERM');
  const deadline = Date.now() + 3_000;
  while ((leftovers = processesMentioning(state.tempRoot)).length > 0 && Date.now() < deadline) await delay(100);
  for (const pid of leftovers) signalPid(pid, 'SIGKILL');
  detail(`harness: stopped processes outside the killed groups that belonged to this run: ${leftovers.join(', ') || '(they exited on SIGTERM)'}`);
}

function processesMentioning(text: string | undefined): number[] {
  if (!text) return [];
  let entries: string[];
  try {
    entries = fs.readdirSync('/proc');
  } catch {
    return [];
  }
  const found: number[] = [];
  for (const entry of entries) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      if (fs.readFileSync(`/proc/${entry}/cmdline`, 'utf8').includes(text)) found.push(Number(entry));
    } catch {
      // the process ended while we looked
    }
  }
  return found;
}

function signalPid(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal);
  } catch {
    // already gone
  }
}

// ---- Small helpers ----------------------------------------------------------------------------

function checkPrerequisites(): void {
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
  if (!fs.existsSync(path.join(settings.extensionPath, 'dist/extension.js')))
    throw new Error(`${settings.extensionPath}/dist/extension.js is missing. Run "npm run build" first.`);
  if (!fs.existsSync(settings.suitePath)) throw new Error(`${settings.suitePath} is missing. Run "npm run compile-tests" first.`);
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

async function waitForHttp(url: string, timeoutMs: number): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  let lastError = '';
  while (Date.now() < deadline) {
    const status = await new Promise<number | string>((resolve) => {
      const request = http.get(url, { timeout: 2_000 }, (response) => {
        response.resume();
        resolve(response.statusCode ?? 0);
      });
      request.on('timeout', () => request.destroy(new Error('timeout')));
      request.on('error', (error) => resolve(error.message));
    });
    if (status === 200) return `${url} answered 200`;
    lastError = String(status);
    await delay(250);
  }
  throw new Error(`code-server did not answer ${url} within ${timeoutMs / 1000} s (last: ${lastError})`);
}

function pipeLines(stream: NodeJS.ReadableStream, onLine: (line: string) => void): void {
  let buffered = '';
  stream.setEncoding('utf8');
  stream.on('data', (chunk: string) => {
    buffered += chunk;
    const lines = buffered.split('\n');
    buffered = lines.pop() ?? '';
    for (const line of lines) onLine(line);
  });
  stream.on('end', () => buffered && onLine(buffered));
}

interface Deferred<T> {
  promise: Promise<T>;
  resolve(value: T): void;
}

function deferred<T>(): Deferred<T> {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  let settled = false;
  return {
    promise,
    resolve: (value) => {
      if (settled) return;
      settled = true;
      resolve(value);
    },
  };
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function withTimeout<T>(promise: Promise<T>, ms: number, label: string): Promise<T> {
  let timer: NodeJS.Timeout;
  return Promise.race([
    promise,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${label} took longer than ${ms} ms`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  process.on(signal, () => {
    if (state.signal) return;
    state.signal = signal;
    log(`harness: received ${signal}; stopping code-server and Chromium`);
    // Let the normal path finish (screenshots, closing line, cleanup); force it if that hangs.
    state.exit.resolve({ code: 1, reason: `interrupted by ${signal}` });
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
