// One session of the suite in a real VS Code: code-server on a free 127.0.0.1 port, headless
// Chromium (playwright-core) opening the workbench with a test payload, until the workbench
// reports the suite's exit code through `codeAutomationExit`, code-server exits, Chromium
// disconnects, or the run ends some other way (timeout, signal). A run has one session, or two
// when the suite asks for a restart (runCodeServerTests.ts): the second one starts a new
// code-server on the same user-data, extensions and workspace folders.
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { chromium, type Browser, type BrowserServer, type Page } from 'playwright-core';
import { deferred, freePort, pipeLines, waitForHttp, withTimeout } from './asyncHelpers';
import { codeServerEntry, detail, log, nodeBinary, settings, shown } from './harnessSettings';
import { killProcessGroup, signalTree } from './processCleanup';

const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];

export interface RunOutcome {
  code: number;
  reason: string;
}

export interface SessionFolders {
  tempRoot: string;
  userDataDir: string;
  extensionsDir: string;
  workspaceDir: string;
}

export interface SessionOptions {
  /** Names the session in the output ("first", "after-restart"). */
  name: string;
  folders: SessionFolders;
  /** extensionDevelopmentPath: the repository, or the stand-in when the installed copy is tested. */
  developmentPath: string;
  /** Added to code-server's environment, which the extension host inherits. */
  env: Record<string, string>;
  /** Resolves when the whole run must end (timeout, signal); the session then ends too. */
  runEnded: Promise<RunOutcome>;
  started: number;
}

/** Thrown out of a wait when the session ended while waiting. */
class SessionEnded extends Error {
  constructor(readonly outcome: RunOutcome) {
    super(outcome.reason);
  }
}

export class CodeServerSession {
  private codeServer?: ChildProcess;
  private browserServer?: BrowserServer;
  private browser?: Browser;
  page?: Page;
  private readonly exit = deferred<RunOutcome>();
  private stopping?: Promise<void>;

  constructor(private readonly options: SessionOptions) {
    void options.runEnded.then((outcome) => this.exit.resolve(outcome));
  }

  private untilExit<T>(promise: Promise<T>): Promise<T> {
    return Promise.race([promise, this.exit.promise.then((outcome) => Promise.reject(new SessionEnded(outcome)))]);
  }

  private elapsed(): string {
    return `${((Date.now() - this.options.started) / 1000).toFixed(1)} s`;
  }

  /** Runs the suite once; resolves with how the session ended (never rejects). */
  async run(): Promise<RunOutcome> {
    const { folders, name } = this.options;
    try {
      const port = await freePort();
      log(`harness: [${name}] starting code-server on 127.0.0.1:${port} (workspace ${folders.workspaceDir})`);
      this.startCodeServer(port);
      const ready = await this.untilExit(waitForHttp(`http://127.0.0.1:${port}/healthz`, 120_000));
      log(`harness: [${name}] code-server ready after ${this.elapsed()} (${ready})`);
      await this.openWorkbench(port);
      const outcome = await this.exit.promise;
      log(`harness: [${name}] ${outcome.reason} after ${this.elapsed()}`);
      return outcome;
    } catch (error) {
      const outcome = error instanceof SessionEnded ? error.outcome : { code: 1, reason: `ERROR ${error instanceof Error ? error.message : String(error)}` };
      log(`harness: [${name}] ${outcome.reason} after ${this.elapsed()}`);
      return outcome;
    }
  }

  private startCodeServer(port: number): void {
    const { folders } = this.options;
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
        folders.userDataDir,
        '--extensions-dir',
        folders.extensionsDir,
        '--vscode-option',
        'enable-smoke-test-driver',
      ],
      {
        cwd: folders.workspaceDir,
        // The extension host inherits this environment: LAMBDA_LAB_TEST_* variables set by whoever
        // runs the harness reach the tests unchanged, plus the ones the harness adds.
        env: { ...process.env, ...this.options.env },
        detached: true, // own process group, so the whole tree can be killed at once
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    this.codeServer = codeServer;
    pipeLines(codeServer.stdout!, (line) => detail(`[code-server] ${line}`));
    pipeLines(codeServer.stderr!, (line) => detail(`[code-server:err] ${line}`));
    codeServer.once('exit', (code, signal) =>
      this.exit.resolve({ code: 1, reason: `code-server exited early (code ${code}, signal ${signal}); see test-artifacts/codeserver-run.log` }),
    );
  }

  private async openWorkbench(port: number): Promise<void> {
    const { folders, name } = this.options;
    this.browserServer = await this.untilExit(
      chromium.launchServer({
        executablePath: settings.chromiumPath,
        headless: true,
        args: CHROMIUM_ARGS,
        // Chromium's crash handler leaves the browser's session; a config folder inside the temp
        // root puts that path on its command line so the final sweep can find it (and keeps the
        // run from touching ~/.config).
        env: { ...process.env, XDG_CONFIG_HOME: path.join(folders.tempRoot, 'chromium-config') },
        // The harness owns signal handling and kills the browser's process group itself.
        handleSIGINT: false,
        handleSIGTERM: false,
        handleSIGHUP: false,
      }),
    );
    const browser = await this.untilExit(chromium.connect(this.browserServer.wsEndpoint()));
    this.browser = browser;
    browser.once('disconnected', () => this.exit.resolve({ code: 1, reason: 'Chromium disconnected before the tests finished' }));
    const page = await this.untilExit(browser.newPage({ viewport: { width: 1400, height: 900 } }));
    this.page = page;

    await page.exposeFunction('codeAutomationLog', (type: string, args: unknown[]) => {
      const text = (Array.isArray(args) ? args : [args]).map((a) => (typeof a === 'string' ? a : JSON.stringify(a))).join(' ');
      detail(`[workbench:${type}] ${text}`);
    });
    await page.exposeFunction('codeAutomationExit', (code: number, logs?: { relativePath: string; contents: string }[]) => {
      saveWorkbenchLogs(logs, name);
      this.exit.resolve({ code, reason: `extension host finished with exit code ${code}` });
    });
    page.on('console', (message) => detail(`[browser:${message.type()}] ${message.text()}`));
    page.on('pageerror', (error) => detail(`[browser:pageerror] ${error.message}`));

    const remote = `vscode-remote://127.0.0.1:${port}`;
    const payload = [
      ['extensionDevelopmentPath', remote + this.options.developmentPath],
      ['extensionTestsPath', remote + settings.suitePath],
      ['skipWelcome', 'true'],
    ];
    const url = `http://127.0.0.1:${port}/?folder=${encodeURIComponent(remote + folders.workspaceDir)}&payload=${encodeURIComponent(JSON.stringify(payload))}`;
    log(`harness: [${name}] opening the workbench in Chromium; the suite starts once the extension host is up`);
    await this.untilExit(page.goto(url, { waitUntil: 'domcontentloaded', timeout: 120_000 }));
  }

  /** Saves a screenshot of the workbench page to `<artifacts>/<name>.png`. */
  async screenshot(name: string): Promise<string | undefined> {
    if (!this.page || this.page.isClosed()) return undefined;
    const file = path.join(settings.artifactsDir, `${name}.png`);
    try {
      fs.mkdirSync(path.dirname(file), { recursive: true });
      await this.page.screenshot({ path: file, timeout: 15_000 });
      log(`harness: screenshot ${shown(file)}`);
      return file;
    } catch (error) {
      log(`harness: could not take screenshot ${name}: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}`);
      return undefined;
    }
  }

  /** Stops Chromium and code-server (whole process groups and sessions). */
  stop(): Promise<void> {
    this.stopping ??= (async () => {
      const browserPid = this.browserServer?.process().pid;
      await withTimeout(this.browser?.close() ?? Promise.resolve(), 5_000, 'browser.close').catch(() => undefined);
      await withTimeout(this.browserServer?.close() ?? Promise.resolve(), 5_000, 'browserServer.close').catch(() => undefined);
      if (browserPid) await killProcessGroup(browserPid, 'Chromium');
      if (this.codeServer?.pid) await killProcessGroup(this.codeServer.pid, 'code-server');
    })();
    return this.stopping;
  }

  /** Last resort when the process is exiting right now: no time to wait, kill both groups hard. */
  killNow(): void {
    const browserPid = this.browserServer?.process().pid;
    if (browserPid) signalTree(browserPid, 'SIGKILL');
    if (this.codeServer?.pid) signalTree(this.codeServer.pid, 'SIGKILL');
  }
}

function saveWorkbenchLogs(logs: { relativePath: string; contents: string }[] | undefined, session: string): void {
  if (!Array.isArray(logs)) return;
  const dir = path.join(settings.artifactsDir, 'codeserver-logs', session);
  fs.rmSync(dir, { recursive: true, force: true });
  for (const entry of logs) {
    const target = path.join(dir, path.normalize(entry.relativePath).replace(/^(\.\.(\/|\\|$))+/, ''));
    fs.mkdirSync(path.dirname(target), { recursive: true });
    fs.writeFileSync(target, entry.contents);
  }
}
