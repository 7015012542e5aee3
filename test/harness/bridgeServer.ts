// The bridge: a small HTTP server on 127.0.0.1 (random port, random token in the URL) through
// which tests in the extension host reach the Chromium page that shows the workbench: evaluate in
// frames, click, type, wait for elements, take screenshots, log lines and report results.
// Protocol: test/harness/README.md; client: test/suite/harnessBridge.ts.
import { randomBytes } from 'node:crypto';
import * as http from 'node:http';
import type * as net from 'node:net';
import type { Frame, Page } from 'playwright-core';
import type { FrameResult, SuiteResults } from '../suite/harnessBridge';
import { delay, withTimeout } from './asyncHelpers';
import { log } from './harnessSettings';

export interface BridgeHost {
  /** The workbench page of the current session (none between sessions). */
  page(): Page | undefined;
  /** The suite's totals so far (final once `complete`). */
  results(results: SuiteResults): void;
  /** Saves a screenshot of the page as `<artifacts>/<name>.png`; undefined when that failed. */
  screenshot(name: string): Promise<string | undefined>;
}

export interface Bridge {
  url: string;
  close(): void;
}

/** Starts the bridge; the URL (with its token) goes to the tests as LAMBDA_LAB_TEST_BRIDGE_URL. */
export async function startBridge(host: BridgeHost): Promise<Bridge> {
  const token = randomBytes(16).toString('hex');
  const requirePage = (): Page => {
    const page = host.page();
    if (!page || page.isClosed()) throw new HttpError(503, 'The workbench page is not open.');
    return page;
  };
  // Each route destructures the JSON body it was sent; the bridge protocol is checked by its own tests.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const routes: Record<string, (body: any) => Promise<unknown>> = {
    log: async ({ line }) => log(String(line)),
    results: async (results: SuiteResults) => host.results(results),
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
      const file = await host.screenshot(safeName);
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
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  server.unref();
  return {
    url: `http://127.0.0.1:${(server.address() as net.AddressInfo).port}/${token}`,
    close: () => {
      server.close();
      server.closeAllConnections();
    },
  };
}
class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
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
