// Client side of the code-server harness bridge (protocol: test/harness/README.md).
// Tests running inside the extension host use it to reach the real Chromium page that shows the
// workbench: evaluate JavaScript in every frame (webviews are nested iframes), click, and take
// screenshots. Under @vscode/test-electron there is no bridge: harnessBridge() returns undefined
// and tests that need the browser skip themselves (`this.skip()`), they never pass silently.
import * as http from 'node:http';

export const BRIDGE_URL_ENV = 'LAMBDA_LAB_TEST_BRIDGE_URL';

/**
 * `frameUrlIncludes` value that selects webview frames in code-server: the outer host page
 * (.../webview/browser/pre/index.html?id=…) and the frame holding the webview's own HTML
 * (.../pre/fake.html?id=…, named "active-frame" or "pending-frame").
 */
export const WEBVIEW_FRAMES = '/webview/browser/pre/';

export interface SuiteResults {
  passed: number;
  failed: number;
  skipped: number;
  failures: { title: string; error: string }[];
  /** False while the suite is still running (progress reports), true for the final totals. */
  complete: boolean;
}

export interface FrameResult<T = unknown> {
  frameUrl: string;
  frameName: string;
  ok: boolean;
  value?: T;
  error?: string;
}

export interface FrameSelector {
  /** Only frames whose URL contains this text, e.g. WEBVIEW_FRAMES. */
  frameUrlIncludes?: string;
}

export interface HarnessBridge {
  /** Prints a line on the harness's output, in order with the other lines. */
  log(line: string): Promise<void>;
  /**
   * Tells the harness the suite's totals so far (used for its closing "N passed, N failed" line,
   * also when the run is cut short). Queued in order with the log lines.
   */
  reportResults(results: SuiteResults): Promise<void>;
  /** Resolves once every queued log line was delivered. */
  flush(): Promise<void>;
  /**
   * Evaluates `expression` in every frame of the workbench page (including webview iframes).
   * `expression` is JavaScript source: an expression, or a function like `(arg) => ...` that is
   * called with `arg`. Its (JSON-serialisable, awaited) value comes back per frame.
   */
  evaluateInFrames<T = unknown>(expression: string, options?: FrameSelector & { arg?: unknown }): Promise<FrameResult<T>[]>;
  /**
   * Repeats evaluateInFrames until some frame returns a truthy value and returns that frame's
   * result; rejects after `timeoutMs` (default 20 s) naming the expression.
   */
  waitForFrame<T = unknown>(expression: string, options?: FrameSelector & { arg?: unknown; timeoutMs?: number }): Promise<FrameResult<T>>;
  /** Clicks (a real mouse click) the first element matching a CSS selector in the first frame that has one. */
  click(
    selector: string,
    options?: FrameSelector & { button?: 'left' | 'right'; modifiers?: Array<'Control' | 'Shift' | 'Alt' | 'Meta'>; timeoutMs?: number },
  ): Promise<{ frameUrl: string }>;
  /** Moves the mouse over the first matching element (tree rows show their inline actions on hover). */
  hover(selector: string, options?: FrameSelector): Promise<{ frameUrl: string }>;
  /** Types text with the keyboard into whatever has focus. */
  type(text: string): Promise<void>;
  /** Presses a key or chord, e.g. 'Enter', 'Escape', 'F1', 'Control+A'. */
  press(key: string): Promise<void>;
  /**
   * Waits until a visible element matches `selector` (its text or aria-label containing `text`, if
   * given) in some frame; with `gone: true`, until none does. Rejects after `timeoutMs` (default 20 s).
   */
  waitForSelector(selector: string, options?: FrameSelector & { text?: string; gone?: boolean; timeoutMs?: number }): Promise<void>;
  /** Saves a PNG of the whole page under test-artifacts/ and returns its absolute path. */
  screenshot(name: string): Promise<string>;
}

/** The bridge when the code-server harness is driving this extension host, else undefined. */
export function harnessBridge(): HarnessBridge | undefined {
  const baseUrl = process.env[BRIDGE_URL_ENV];
  return baseUrl ? createBridgeClient(baseUrl) : undefined;
}

function createBridgeClient(baseUrl: string): HarnessBridge {
  // Log lines are sent one after the other so they appear in order.
  let logQueue: Promise<void> = Promise.resolve();
  const call = <T>(route: string, body: unknown, timeoutMs = 60_000) => postJson<T>(`${baseUrl.replace(/\/$/, '')}/${route}`, body, timeoutMs);

  return {
    log(line) {
      logQueue = logQueue.then(
        () => call<void>('log', { line }).catch(() => undefined),
        () => undefined,
      );
      return logQueue;
    },
    reportResults(results) {
      const snapshot = structuredClone(results);
      const delivered = logQueue.then(() => call<void>('results', snapshot));
      logQueue = delivered.catch(() => undefined);
      return delivered;
    },
    flush: () => logQueue,
    evaluateInFrames: (expression, options = {}) => call('evaluate', { expression, ...options }),
    waitForFrame: (expression, options = {}) => call('waitFor', { expression, ...options }, (options.timeoutMs ?? 20_000) + 10_000),
    click: (selector, options = {}) => call('click', { selector, ...options }, (options.timeoutMs ?? 0) + 30_000),
    hover: (selector, options = {}) => call('hover', { selector, ...options }),
    type: (text) => call<void>('type', { text }),
    press: (key) => call<void>('press', { key }),
    waitForSelector: async (selector, options = {}) => {
      await call('waitForSelector', { selector, ...options }, (options.timeoutMs ?? 20_000) + 10_000);
    },
    screenshot: async (name) => (await call<{ path: string }>('screenshot', { name })).path,
  };
}

function postJson<T>(url: string, body: unknown, timeoutMs: number): Promise<T> {
  const payload = Buffer.from(JSON.stringify(body ?? {}));
  return new Promise<T>((resolve, reject) => {
    const request = http.request(
      url,
      { method: 'POST', headers: { 'content-type': 'application/json', 'content-length': payload.length }, timeout: timeoutMs },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let parsed: { result?: T; error?: string };
          try {
            parsed = text ? JSON.parse(text) : {};
          } catch {
            parsed = { error: `bridge answered with non-JSON: ${text.slice(0, 200)}` };
          }
          if (response.statusCode === 200) resolve(parsed.result as T);
          else reject(new Error(`Harness bridge ${new URL(url).pathname.split('/').pop()} failed (HTTP ${response.statusCode}): ${parsed.error ?? text}`));
        });
      },
    );
    request.on('timeout', () => request.destroy(new Error(`Harness bridge did not answer within ${timeoutMs} ms (${url}).`)));
    request.on('error', reject);
    request.end(payload);
  });
}
