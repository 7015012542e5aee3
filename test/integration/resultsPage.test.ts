// The results page in real Chromium, without VS Code: the built bundle (dist/webview/results.js)
// served with the same HTML and CSP the extension uses, a stub acquireVsCodeApi, and the study's
// real arm64 / x86_64 data analysed by the core. Checks the table, every chart, sorting, exports,
// Compare mode, state for reload, CSP cleanliness, and saves screenshots per theme.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import * as esbuild from 'esbuild';
import { chromium, type Browser, type Page } from 'playwright-core';
import { loadFiles, loadRun, RunLoader, VIEW_PREDICTION_SIZES_MB } from '../../src/results/resultsLoader';
import { resultsPageHtml } from '../../src/results/resultsHtml';
import { ToWebview, type AnalysedRun, type Envelope, type ShowAnalysisBody, type StatusBody } from '../../src/shared/resultsProtocol';
import { FULL_STUDY, SEED_FIXTURE_DIR, seedResultsDir } from '../support/seedResults';
import { writeSyntheticRun } from '../support/syntheticRun';
import { themeStylesheet, WEBVIEW_THEMES, type WebviewTheme } from './webviewThemes';

// Functions passed to page.evaluate run in the browser; this file compiles without the DOM library.
/* eslint-disable @typescript-eslint/no-explicit-any */
declare const window: any;
declare const document: any;
declare function getComputedStyle(element: unknown): { backgroundColor: string };
type CanvasRenderingContext2D = { getImageData(x: number, y: number, w: number, h: number): { data: Uint8ClampedArray } };
type HTMLCanvasElement = { width: number; height: number; getContext(kind: '2d'): CanvasRenderingContext2D | null };
type HTMLElement = { style: { backgroundColor: string } };

const repoRoot = resolve(__dirname, '../../..');
const chromiumPath = '/usr/bin/chromium';
const artifactsDir = join(repoRoot, 'test-artifacts');
const bundlePath = join(repoRoot, 'dist', 'webview', 'results.js');

const skipReason = !existsSync(chromiumPath) ? `${chromiumPath} is missing (install Debian's chromium package)` : undefined;

function seedFiles(seedDir: string, arch: 'arm64' | 'x86_64'): string[] {
  return readdirSync(seedDir)
    .filter((name) => new RegExp(`^Lambda_\\d+_\\d+_${arch}\\.csv$`).test(name))
    .map((name) => join(seedDir, name));
}

/** The study's data the page is drawn from: the fixture subset always, the full study as well when it is present. */
interface StudyData {
  label: string;
  dir: string;
  arm64?: AnalysedRun;
  x86?: AnalysedRun;
}
const fullStudyDir = seedResultsDir();
const studies: StudyData[] = [
  { label: "the study's 1-thread fixture", dir: SEED_FIXTURE_DIR },
  ...(fullStudyDir ? [{ label: `the ${FULL_STUDY}`, dir: fullStudyDir }] : []),
];

interface Harness {
  server: Server;
  origin: string;
}

/** Serves the page shell (same HTML and CSP as the extension), the bundle, the stylesheet and a theme. */
async function startHarness(): Promise<Harness> {
  const css = readFileSync(join(repoRoot, 'media', 'results', 'results.css'));
  const script = readFileSync(bundlePath);
  let origin = '';
  const server = createServer((request, response) => {
    const url = new URL(request.url ?? '/', origin);
    if (url.pathname === '/') {
      const theme = WEBVIEW_THEMES.find((t) => t.name === url.searchParams.get('theme')) ?? WEBVIEW_THEMES[0];
      const nonce = randomBytes(18).toString('base64');
      const html = resultsPageHtml({ cspSource: origin, nonce, scriptUri: `${origin}/results.js`, styleUri: `${origin}/results.css` })
        // VS Code puts the theme variables on the page itself; here a same-origin stylesheet does it.
        .replace('<link rel="stylesheet"', `<link rel="stylesheet" href="${origin}/theme.css?theme=${theme.name}">\n<link rel="stylesheet"`);
      response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(html);
    } else if (url.pathname === '/results.js') {
      response.writeHead(200, { 'content-type': 'text/javascript' }).end(script);
    } else if (url.pathname === '/results.css') {
      response.writeHead(200, { 'content-type': 'text/css' }).end(css);
    } else if (url.pathname === '/theme.css') {
      const theme = WEBVIEW_THEMES.find((t) => t.name === url.searchParams.get('theme')) ?? WEBVIEW_THEMES[0];
      response.writeHead(200, { 'content-type': 'text/css' }).end(themeStylesheet(theme));
    } else {
      response.writeHead(404).end();
    }
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { server, origin };
}

interface PageProbe {
  page: Page;
  consoleCsp: string[];
  pageErrors: string[];
}

/** Opens the page with a stub acquireVsCodeApi that records posted messages and keeps state. */
async function openPage(browser: Browser, origin: string, theme: WebviewTheme, savedState?: unknown): Promise<PageProbe> {
  const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
  const consoleCsp: string[] = [];
  const pageErrors: string[] = [];
  page.on('console', (message) => {
    if (/Content Security Policy|Refused to/i.test(message.text())) consoleCsp.push(message.text());
  });
  page.on('pageerror', (error) => pageErrors.push(error.message));
  // Init scripts are injected by the browser, outside the page's CSP, as VS Code injects its API.
  await page.addInitScript(
    ({ bodyClass, state }) => {
      const w = window as unknown as Record<string, unknown>;
      w.__posted = [];
      w.__cspViolations = [];
      w.__state = state;
      document.addEventListener('securitypolicyviolation', (e: any) => (w.__cspViolations as string[]).push(`${e.violatedDirective}: ${e.blockedURI}`));
      document.addEventListener('DOMContentLoaded', () => document.body.classList.add(bodyClass));
      w.acquireVsCodeApi = () => ({
        postMessage: (message: unknown) => (w.__posted as unknown[]).push(message),
        getState: () => w.__state,
        setState: (next: unknown) => (w.__state = next),
      });
    },
    { bodyClass: theme.bodyClass, state: savedState ?? null },
  );
  await page.goto(`${origin}/?theme=${theme.name}`);
  await page.waitForFunction(() =>
    ((window as unknown as { __posted: Array<{ body: { type: string } }> }).__posted ?? []).some((m) => m.body.type === 'ready'),
  );
  return { page, consoleCsp, pageErrors };
}

let nextMessageId = 1000;
async function showAnalysis(page: Page, primary: AnalysedRun, compareWith?: AnalysedRun): Promise<{ tableRows: number; charts: string[] }> {
  const body: ShowAnalysisBody = { type: ToWebview.ShowAnalysis, primary, ...(compareWith ? { compareWith } : {}) };
  const message: Envelope<ShowAnalysisBody> = { messageId: nextMessageId++, body };
  const before = await page.evaluate(() => (window as unknown as { __posted: unknown[] }).__posted.length);
  await page.evaluate((m) => window.postMessage(m, '*'), message);
  const handle = await page.waitForFunction(
    (count) => {
      const posted = (window as unknown as { __posted: Array<{ body: { type: string } }> }).__posted;
      return posted.slice(count).find((m) => m.body.type === 'rendered')?.body ?? false;
    },
    before,
    { timeout: 30_000 },
  );
  return (await handle.jsonValue()) as unknown as { tableRows: number; charts: string[] };
}

/** Share of canvas pixels that differ from its top-left (background) pixel, and whether a palette colour appears. */
async function canvasInk(page: Page, selector: string, rgb: [number, number, number]): Promise<{ ink: number; hasColor: boolean; width: number }> {
  return page.$eval(
    selector,
    (canvas, target) => {
      const c = canvas as HTMLCanvasElement;
      const data = (c.getContext('2d') as CanvasRenderingContext2D).getImageData(0, 0, c.width, c.height).data;
      const [r0, g0, b0, a0] = [data[0], data[1], data[2], data[3]];
      let differing = 0;
      let hasColor = false;
      for (let i = 0; i < data.length; i += 4) {
        if (Math.abs(data[i] - r0) + Math.abs(data[i + 1] - g0) + Math.abs(data[i + 2] - b0) + Math.abs(data[i + 3] - a0) > 24) differing++;
        if (Math.abs(data[i] - target[0]) + Math.abs(data[i + 1] - target[1]) + Math.abs(data[i + 2] - target[2]) < 30 && data[i + 3] > 200) hasColor = true;
      }
      return { ink: differing / (data.length / 4), hasColor, width: c.width };
    },
    rgb,
  );
}

async function postedOfType(page: Page, type: string): Promise<Array<{ body: Record<string, unknown> }>> {
  return page.evaluate((t) => (window as unknown as { __posted: Array<{ body: Record<string, unknown> }> }).__posted.filter((m) => m.body.type === t), type);
}

/** The whole page (the CI artifact) plus readable parts: the top, the charts, the table. */
async function saveScreenshots(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: join(artifactsDir, `results-${name}.png`), fullPage: true });
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.screenshot({ path: join(artifactsDir, `results-${name}-top.png`) });
  await page.locator('#charts').screenshot({ path: join(artifactsDir, `results-${name}-charts.png`) });
  await page.locator('#heatmap').scrollIntoViewIfNeeded();
  await page.evaluate(() => document.getElementById('table').scrollIntoView());
  await page.screenshot({ path: join(artifactsDir, `results-${name}-table.png`) });
}

describe('results page in Chromium (no VS Code)', { skip: skipReason }, () => {
  let browser: Browser;
  let harness: Harness;
  // The fixture's arm64 run, for the tests below that need any study data on the page.
  let arm64: AnalysedRun;
  let unthrottledRun: AnalysedRun;
  let throttledRun: AnalysedRun;
  let runsWorkspace: string;

  before(async () => {
    // Build the page exactly as esbuild.mjs does, so the test never runs a stale bundle.
    await esbuild.build({
      bundle: true,
      platform: 'browser',
      format: 'iife',
      target: 'chrome120',
      sourcemap: true,
      logLevel: 'warning',
      entryPoints: [join(repoRoot, 'media/results/main.ts')],
      outfile: bundlePath,
    });
    for (const study of studies) {
      study.arm64 = loadFiles(seedFiles(study.dir, 'arm64'));
      study.x86 = loadFiles(seedFiles(study.dir, 'x86_64'));
      study.arm64.runLabel = 'study arm64';
      study.x86.runLabel = 'study x86_64';
    }
    arm64 = studies[0].arm64!;
    // Two runs of our own format, loaded the way the view loads them: one where no CPU limit could be applied.
    runsWorkspace = mkdtempSync(join(tmpdir(), 'lambda-lab-results-page-'));
    unthrottledRun = loadRun(writeSyntheticRun(runsWorkspace, { runId: 'unthrottled-run', cpuLimit: 'none' }).runDir);
    throttledRun = loadRun(writeSyntheticRun(runsWorkspace, { runId: 'throttled-run', cpuLimit: 'cgroup-v1', arch: 'x86_64' }).runDir);
    mkdirSync(artifactsDir, { recursive: true });
    harness = await startHarness();
    browser = await chromium.launch({
      executablePath: chromiumPath,
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
    });
  });

  after(async () => {
    await browser?.close();
    await new Promise<void>((ok) => (harness ? harness.server.close(() => ok()) : ok()));
    if (runsWorkspace) rmSync(runsWorkspace, { recursive: true, force: true });
  });

  for (const study of studies) {
    // Counted from the files, so the same assertions hold for the fixture and the full study.
    const expected = {
      arm64Configs: seedFiles(study.dir, 'arm64').length,
      x86Configs: seedFiles(study.dir, 'x86_64').length,
      threadCounts: new Set(seedFiles(study.dir, 'arm64').map((file) => file.split('_').at(-2))).size,
      // One thread falls steeply up to 1792 MB and is flat after it (one colour on the plateau).
      heatColoursAbove: study.dir === SEED_FIXTURE_DIR ? 5 : 20,
      // The full study's screenshots keep their old names; the fixture's are marked.
      screenshotSuffix: study.dir === SEED_FIXTURE_DIR ? '-fixture' : '',
    };
    it(`analyses ${study.label} the page is given (${expected.arm64Configs} arm64 configurations)`, () => {
      const arm64 = study.arm64!;
      assert.equal(seedFiles(study.dir, 'arm64').length, expected.arm64Configs);
      assert.equal(arm64.analysis.configs.length, expected.arm64Configs);
      assert.ok(arm64.analysis.knee.length > 0, 'knee estimates exist');
    });

    it(`draws ${study.label}: the table, every chart and the heatmap, sorts, exports, and has no CSP violations (dark theme)`, async () => {
      const arm64 = study.arm64!;
      const probe = await openPage(browser, harness.origin, WEBVIEW_THEMES[0]);
      const { page } = probe;
      try {
        const rendered = await showAnalysis(page, arm64);
        assert.equal(rendered.tableRows, expected.arm64Configs);
        assert.deepEqual(rendered.charts.sort(), ['costVsTime', 'heatmap', 'speedupVsThreads', 'timeVsMemory']);
        assert.equal(await page.locator('#summary-table tbody tr').count(), expected.arm64Configs);
        assert.equal(await page.locator('#summary-table thead th[scope="col"] button').count(), 18);

        for (const id of ['timeVsMemory', 'speedupVsThreads', 'costVsTime']) {
          const ink = await canvasInk(page, `#chart-${id}`, [0x37, 0x94, 0xff]);
          assert.ok(ink.width > 100, `${id} canvas has a size`);
          assert.ok(ink.ink > 0.01, `${id} canvas has drawing on it (${(ink.ink * 100).toFixed(2)}% of pixels)`);
          assert.ok(ink.hasColor, `${id} uses the theme's charts-blue`);
        }
        // Heatmap: 41 memory sizes × the thread counts, coloured by value through CSSOM.
        assert.equal(await page.locator('.heatmap td.heat-cell').count(), expected.arm64Configs);
        const colours = await page.$$eval('.heatmap td.heat-cell', (cells) => new Set(cells.map((c) => (c as HTMLElement).style.backgroundColor)).size);
        assert.ok(colours > expected.heatColoursAbove, `heatmap cells have graded colours (${colours} distinct)`);
        assert.ok((await page.locator('#knee-table tbody tr').count()) >= expected.threadCounts, 'knee table has a row per thread count');
        assert.equal(await page.locator('.recommendation').count(), 3);

        // Sorting by mean: ascending, then descending; aria-sort follows; rows reorder.
        const meanButton = page.locator('#summary-table button[data-column="meanMs"]');
        await meanButton.click();
        assert.equal(await page.locator('#summary-table th[aria-sort]').count(), 1);
        assert.equal(await page.locator('#summary-table th:has(button[data-column="meanMs"])').getAttribute('aria-sort'), 'ascending');
        const meanColumn = async (): Promise<number[]> => {
          const index = await page.$$eval('#summary-table thead th', (ths) =>
            ths.findIndex((th) => th.querySelector('button')?.getAttribute('data-column') === 'meanMs'),
          );
          return page.$$eval(`#summary-table tbody tr td:nth-child(${index + 1})`, (tds) => tds.map((td) => Number(td.textContent?.replace(/,/g, ''))));
        };
        const ascending = await meanColumn();
        assert.ok(
          ascending.every((v, i) => i === 0 || v >= ascending[i - 1]),
          'means ascend',
        );
        await page.locator('#summary-table button[data-column="meanMs"]').click();
        assert.equal(await page.locator('#summary-table th:has(button[data-column="meanMs"])').getAttribute('aria-sort'), 'descending');
        const descending = await meanColumn();
        assert.ok(
          descending.every((v, i) => i === 0 || v <= descending[i - 1]),
          'means descend',
        );
        assert.ok(descending[0] > descending[descending.length - 1]);
        // Keyboard: the header buttons take Enter.
        await page.locator('#summary-table button[data-column="threads"]').focus();
        await page.keyboard.press('Enter');
        assert.equal(await page.locator('#summary-table th:has(button[data-column="threads"])').getAttribute('aria-sort'), 'ascending');
        assert.equal(await page.evaluate(() => document.activeElement?.getAttribute('data-column')), 'threads', 'focus stays on the header');
        const state = (await page.evaluate(() => (window as unknown as { __state: { sort?: { column: string } } }).__state)) ?? {};
        assert.equal(state.sort?.column, 'threads', 'sort is kept in the webview state');

        // Exports go to the host as typed messages.
        await page.locator('#export-csv-button').click();
        const csv = (await postedOfType(page, 'exportCsv')).at(-1)?.body;
        assert.ok(csv && typeof csv.csv === 'string');
        const csvLines = (csv.csv as string).trim().split('\r\n');
        assert.equal(csvLines.length, expected.arm64Configs + 1);
        assert.match(csvLines[0], /^arch,memoryMB,threads,strategy,n,/);
        for (const id of ['timeVsMemory', 'heatmap']) {
          await page.locator(`button[data-export="${id}-png"]`).click();
          await page.locator(`button[data-export="${id}-svg"]`).click();
        }
        await page.waitForFunction(
          () => (window as unknown as { __posted: Array<{ body: { type: string } }> }).__posted.filter((m) => m.body.type === 'exportChart').length >= 4,
        );
        const charts = await postedOfType(page, 'exportChart');
        const png = charts.find((m) => m.body.chartId === 'timeVsMemory' && m.body.format === 'png')?.body.data as string;
        assert.ok(png.startsWith('data:image/png;base64,') && png.length > 10_000, 'chart PNG has content');
        const heatPng = charts.find((m) => m.body.chartId === 'heatmap' && m.body.format === 'png')?.body.data as string;
        assert.ok(heatPng.startsWith('data:image/png;base64,') && heatPng.length > 10_000, 'heatmap PNG (SVG rasterised) has content');
        const svg = charts.find((m) => m.body.chartId === 'timeVsMemory' && m.body.format === 'svg')?.body.data as string;
        assert.equal(
          (svg.match(/<polyline class="series" data-label="\d threads?"/g) ?? []).length,
          expected.threadCounts,
          'one measured SVG line per thread count',
        );
        assert.equal(
          (svg.match(/<polyline class="series" data-label="\d threads? \(predicted\)"/g) ?? []).length,
          expected.threadCounts,
          'one predicted line per thread count (the vCPU-step sizes are not in the study)',
        );
        const heatSvg = charts.find((m) => m.body.chartId === 'heatmap' && m.body.format === 'svg')?.body.data as string;
        assert.equal((heatSvg.match(/<rect class="cell"/g) ?? []).length, expected.arm64Configs);

        await saveScreenshots(page, `dark${expected.screenshotSuffix}`);
        assert.deepEqual(await page.evaluate(() => (window as unknown as { __cspViolations: string[] }).__cspViolations), []);
        assert.deepEqual(probe.consoleCsp, []);
        assert.deepEqual(probe.pageErrors, []);
      } finally {
        await page.close();
      }
    });

    it(`compares two runs of ${study.label} (arm64 vs x86_64) and restores sources and sort from saved state`, async () => {
      const probe = await openPage(browser, harness.origin, WEBVIEW_THEMES[0], { sort: { column: 'costPerInvocationUsd', direction: 'descending' } });
      const { page } = probe;
      try {
        const rendered = await showAnalysis(page, study.arm64!, study.x86!);
        assert.equal(rendered.tableRows, expected.arm64Configs + expected.x86Configs);
        assert.equal(await page.locator('#summary-table tbody tr').count(), expected.arm64Configs + expected.x86Configs);
        assert.equal(await page.locator('#summary-table button[data-column="run"]').count(), 1, 'Run column appears when comparing');
        assert.equal(
          await page.locator('#summary-table th:has(button[data-column="costPerInvocationUsd"])').getAttribute('aria-sort'),
          'descending',
          'saved sort is restored',
        );
        assert.equal(await page.locator('.heatmap').count(), 2, 'one heatmap per run');
        const legend = await page.locator('#clear-compare-button').isVisible();
        assert.ok(legend, 'Stop comparing is offered');
        const state = await page.evaluate(
          () => (window as unknown as { __state: { source?: { kind: string; files?: string[] }; compareSource?: unknown } }).__state,
        );
        assert.equal(state.source?.kind, 'files');
        assert.ok(state.compareSource, 'the compared run is saved for a reload');
        for (const id of ['timeVsMemory', 'speedupVsThreads', 'costVsTime']) {
          assert.ok((await canvasInk(page, `#chart-${id}`, [0xd1, 0x86, 0x16])).ink > 0.01, `${id} drawn in compare mode`);
        }
        await page.locator('#charts').screenshot({ path: join(artifactsDir, `results-compare-dark-charts${expected.screenshotSuffix}.png`) });
        // Filters narrow the charts to one architecture.
        await page.selectOption('#filter-arch', 'arm64');
        assert.equal(await page.locator('.heatmap').count(), 1);
        await page.screenshot({ path: join(artifactsDir, `results-compare-dark${expected.screenshotSuffix}.png`), fullPage: false });
        await page.locator('#knee-table').scrollIntoViewIfNeeded();
        assert.deepEqual(await page.evaluate(() => (window as unknown as { __cspViolations: string[] }).__cspViolations), []);
        assert.deepEqual(probe.consoleCsp, []);
        assert.deepEqual(probe.pageErrors, []);
      } finally {
        await page.close();
      }
    });
  }

  it('shows predicted configurations apart from measured ones: dashed lines, "predicted" rows with intervals, recommendations that say so', async () => {
    // A run of our own format at 512-3538 MB, 1/2/4 threads: the host predicts the vCPU-step sizes it did not measure.
    const run = loadRun(writeSyntheticRun(runsWorkspace, { runId: 'predicted-run', threads: [1, 2, 4], cpuLimit: 'cgroup-v1' }).runDir);
    const predictions = run.analysis.predictions ?? [];
    const expectedSizes = VIEW_PREDICTION_SIZES_MB.filter((m) => ![512, 1024, 1769, 3538].includes(m));
    assert.equal(predictions.length, expectedSizes.length * 3, 'every thread count at every vCPU-step size not measured');
    assert.deepEqual(
      [...new Set(predictions.map((p) => p.memoryMB))].sort((a, b) => a - b),
      expectedSizes,
    );
    const probe = await openPage(browser, harness.origin, WEBVIEW_THEMES[0]);
    const { page } = probe;
    try {
      const rendered = await showAnalysis(page, run);
      assert.equal(rendered.tableRows, 12, 'the summary table keeps measured configurations only');
      assert.equal(await page.locator('#prediction-table tbody tr.predicted').count(), predictions.length);
      const first = predictions.slice().sort((a, b) => a.memoryMB - b.memoryMB || a.threads - b.threads)[0];
      const firstRow = page.locator('#prediction-table tbody tr').first();
      const cells = await firstRow.locator('td').allTextContents();
      assert.deepEqual(cells.slice(2, 4), [String(first.memoryMB), String(first.threads)]);
      assert.match(cells[5], /^[\d,.]+–[\d,.]+$/, `interval cell: ${cells[5]}`);
      assert.equal(cells[7], 'predicted');
      assert.match((await page.locator('#prediction-table caption').textContent()) ?? '', /Predicted, NOT measured/);
      // The time chart draws each thread count's predictions as its own dashed series, labelled (predicted).
      const svg = await page.evaluate(() => {
        const w = window as unknown as { __posted: unknown[] };
        const before = w.__posted.length;
        document.querySelector('button[data-export="timeVsMemory-svg"]')?.click();
        return before;
      });
      const exported = await page.waitForFunction(
        (count) => {
          const posted = (window as unknown as { __posted: Array<{ body: { type: string; chartId?: string; format?: string; data?: string } }> }).__posted;
          return (
            posted.slice(count).find((m) => m.body.type === 'exportChart' && m.body.chartId === 'timeVsMemory' && m.body.format === 'svg')?.body.data ?? false
          );
        },
        svg,
        { timeout: 30_000 },
      );
      const svgText = (await exported.jsonValue()) as unknown as string;
      const predictedLines = svgText.match(/<polyline class="series" data-label="[^"]*\(predicted\)"[^>]*stroke-dasharray="12 6"/g) ?? [];
      assert.equal(predictedLines.length, 3, 'one dashed predicted line per thread count');
      assert.match((await page.locator('#charts figcaption').first().textContent()) ?? '', /predicted/);
      // Recommendations name a predicted configuration only as predicted, with the measurement that would confirm it.
      const predictedRecs = run.analysis.recommendations.predicted ?? [];
      assert.equal(await page.locator('.predicted-recommendation').count(), predictedRecs.length);
      for (const text of await page.locator('.predicted-recommendation').allTextContents()) {
        assert.match(text, /predicted/i);
        assert.match(text, /measur/i, `says which measurement confirms it: ${text}`);
      }
      assert.equal(await page.locator('.recommendation').count(), 3, 'measured recommendations are unchanged');
      await page.locator('#predictions').scrollIntoViewIfNeeded();
      await page.locator('#findings').screenshot({ path: join(artifactsDir, 'results-predicted-findings.png') });
      await page.locator('#chart-timeVsMemory').scrollIntoViewIfNeeded();
      await page
        .locator('#charts figure')
        .first()
        .screenshot({ path: join(artifactsDir, 'results-predicted-time-chart.png') });
      assert.deepEqual(await page.evaluate(() => (window as unknown as { __cspViolations: string[] }).__cspViolations), []);
      assert.deepEqual(probe.consoleCsp, []);
      assert.deepEqual(probe.pageErrors, []);
    } finally {
      await page.close();
    }
  });

  it('says, visibly and to screen readers, when a run was unthrottled; a throttled run gets only its limit note', async () => {
    const probe = await openPage(browser, harness.origin, WEBVIEW_THEMES[0]);
    const { page } = probe;
    try {
      const invocations = unthrottledRun.recordCount;
      assert.deepEqual(unthrottledRun.cpuLimit, { method: null, unthrottledInvocations: invocations, totalInvocations: invocations });
      await showAnalysis(page, unthrottledRun);
      const banner = page.locator('#notices .notice-unthrottled');
      assert.equal(await banner.count(), 1);
      assert.ok(await banner.isVisible(), 'the banner is visible');
      assert.equal(await banner.getAttribute('role'), 'status', 'announced politely by screen readers');
      assert.equal(
        (await banner.innerText()).replace(/\s+/g, ' ').trim(),
        `Unthrottled: ${invocations} of ${invocations} invocations ran with no CPU limit — times do not reflect Lambda's memory-to-CPU allocation.`,
      );
      // It sits above the findings: in view without scrolling.
      const box = await banner.boundingBox();
      assert.ok(box && box.y + box.height < 1000, `banner in the first screen (y=${box?.y})`);
      const colours = await banner.evaluate((node: any) => {
        const style = (globalThis as any).getComputedStyle(node);
        return { background: style.backgroundColor, border: style.borderLeftColor };
      });
      assert.deepEqual(colours, { background: 'rgb(53, 42, 5)', border: 'rgb(184, 149, 0)' }, "the theme's warning colours");
      // The same warning is in the analysis' warnings, listed on the page with a pointer from the top.
      assert.match(await page.locator('#warnings').innerText(), /ran with no CPU limit \(unthrottled\)/);
      assert.ok(await page.locator('#notices .notice-warnings').isVisible());
      await page.evaluate(() => window.scrollTo(0, 0));
      await page.screenshot({ path: join(artifactsDir, 'results-unthrottled-top.png') });

      await showAnalysis(page, throttledRun);
      assert.equal(await page.locator('#notices .notice-unthrottled').count(), 0, 'no unthrottled banner for a throttled run');
      assert.doesNotMatch(await page.locator('body').innerText(), /Unthrottled|no CPU limit/);
      assert.equal((await page.locator('#notices .cpu-limit-note').innerText()).trim(), 'CPU limited like Lambda (cgroup-v1).');

      // Compare mode: one banner, for the run that was unthrottled, named.
      await showAnalysis(page, throttledRun, unthrottledRun);
      const compared = page.locator('#notices .notice-unthrottled');
      assert.equal(await compared.count(), 1);
      assert.equal(await compared.getAttribute('data-run'), 'B');
      assert.match(await compared.innerText(), /^B — unthrottled-run: Unthrottled: \d+ of \d+ invocations ran with no CPU limit/);
      assert.match(await page.locator('#notices .cpu-limit-note[data-run="A"]').innerText(), /^A — throttled-run: CPU limited like Lambda \(cgroup-v1\)/);
      assert.deepEqual(await page.evaluate(() => (window as unknown as { __cspViolations: string[] }).__cspViolations), []);
      assert.deepEqual(probe.consoleCsp, []);
      assert.deepEqual(probe.pageErrors, []);
    } finally {
      await page.close();
    }
  });

  it('clears a load error the host sent once data arrives (a run that was empty when the view opened, then filled)', async () => {
    const probe = await openPage(browser, harness.origin, WEBVIEW_THEMES[0]);
    const { page } = probe;
    try {
      const error: Envelope<StatusBody> = {
        messageId: nextMessageId++,
        body: { type: ToWebview.Status, level: 'error', text: 'none of the 1 file(s) holds a usable record: invocations.jsonl is empty.' },
      };
      await page.evaluate((m) => window.postMessage(m, '*'), error);
      await page.waitForFunction(() => document.getElementById('status')?.classList.contains('error'));
      assert.match(await page.locator('#status').innerText(), /no usable record|holds a usable record/);
      await showAnalysis(page, throttledRun);
      assert.equal(await page.locator('#status').innerText(), '', 'the stale load error is gone');
      assert.equal(await page.locator('#status.error').count(), 0);
      assert.deepEqual(probe.pageErrors, []);
    } finally {
      await page.close();
    }
  });

  it('shows a run with several payloads one payload at a time: a Payload select that asks the host, a line saying which, a CSV that says which', async () => {
    const probe = await openPage(browser, harness.origin, WEBVIEW_THEMES[0]);
    const { page } = probe;
    try {
      const runDir = writeSyntheticRun(runsWorkspace, { runId: 'own-payloads', payloads: ['small.json', 'big.json', 'json#3'] }).runDir;
      const loader = new RunLoader(runDir);
      await showAnalysis(page, loader.load());
      assert.ok(await page.locator('#filter-payload').isVisible(), 'the Payload select is shown');
      assert.deepEqual(await page.locator('#filter-payload option').allInnerTexts(), ['small.json', 'big.json', 'json#3']);
      assert.equal(await page.locator('#filter-payload').inputValue(), 'small.json');
      assert.match(await page.locator('#payload-info').innerText(), /Payload small\.json \(1 of the run\u2019s 3 payloads\)/);
      assert.equal(await page.locator('#summary-table tbody tr').count(), 8, 'the analysis is shown, not the refusal');
      // Own-function records carry the template's strategy field; the page does not call the function "pool".
      assert.doesNotMatch(await page.locator('#table').innerText(), /\bpool\b/);
      assert.doesNotMatch(await page.locator('#knee').innerText(), /\bpool\b/);
      assert.doesNotMatch(await page.locator('#heatmap').innerText(), /\bpool\b/);
      assert.match(await page.locator('#summary-table tbody tr').first().innerText(), /your function/);

      await page.locator('#filter-payload').selectOption('big.json');
      const asked = (await postedOfType(page, 'selectPayload')).at(-1)?.body;
      assert.deepEqual(asked, { type: 'selectPayload', payload: 'big.json' });
      // The host answers with the chosen payload's analysis (what ResultsPanel does with its RunLoader).
      loader.payload = 'big.json';
      await showAnalysis(page, loader.load());
      assert.equal(await page.locator('#filter-payload').inputValue(), 'big.json');
      assert.match(await page.locator('#payload-info').innerText(), /Payload big\.json \(2 of the run\u2019s 3 payloads\)/);

      await page.locator('#export-csv-button').click();
      const csv = (await postedOfType(page, 'exportCsv')).at(-1)?.body;
      assert.match(String(csv?.suggestedName), /own-payloads-payload-big\.json-summary\.csv/);
      const lines = String(csv?.csv).trim().split('\r\n');
      assert.match(lines[0], /^payload,arch,/);
      assert.ok(lines.slice(1).every((line) => line.startsWith('big.json,')));
      await page.evaluate(() => window.scrollTo(0, 0));
      await page.screenshot({ path: join(artifactsDir, 'results-payloads-top.png') });

      // A run of the template has no payloads: no select, no line.
      await showAnalysis(page, throttledRun);
      assert.equal(await page.locator('#filter-payload').isVisible(), false);
      assert.equal(await page.locator('#payload-info').count(), 0);
      assert.deepEqual(await page.evaluate(() => (window as unknown as { __cspViolations: string[] }).__cspViolations), []);
      assert.deepEqual(probe.pageErrors, []);
    } finally {
      await page.close();
    }
  });

  it('lists every input warning, folding those past the first 50', async () => {
    const probe = await openPage(browser, harness.origin, WEBVIEW_THEMES[0]);
    const { page } = probe;
    try {
      const warnings = Array.from({ length: 60 }, (_, i) => `bad.jsonl line ${i + 1}: not JSON; skipped.`);
      await showAnalysis(page, { ...throttledRun, analysis: { ...throttledRun.analysis, warnings } });
      assert.equal(await page.locator('#warnings li').count(), 60, 'all 60 are in the page');
      assert.equal(await page.locator('#warnings-heading').innerText(), 'Input warnings (60)');
      assert.match(await page.locator('#notices .notice-warnings').innerText(), /^60 input warnings/);
      await page.locator('#notices .notice-warnings a').click();
      assert.equal(await page.evaluate(() => document.activeElement?.id), 'warnings-heading', 'the link moves focus to the list');
      assert.deepEqual(probe.pageErrors, []);
    } finally {
      await page.close();
    }
  });

  it('redraws the charts when VS Code switches the theme under an open page', async () => {
    const probe = await openPage(browser, harness.origin, WEBVIEW_THEMES[0]);
    const { page } = probe;
    try {
      await showAnalysis(page, arm64);
      assert.ok((await canvasInk(page, '#chart-timeVsMemory', [0x37, 0x94, 0xff])).hasColor, 'dark palette first');
      const light = WEBVIEW_THEMES[1];
      // What VS Code does on a theme change: new variables on <html>, a new body class.
      await page.evaluate(
        ({ variables, bodyClass }) => {
          for (const [name, value] of Object.entries(variables)) document.documentElement.style.setProperty(name, value);
          document.body.classList.remove('vscode-dark');
          document.body.classList.add(bodyClass);
        },
        { variables: light.variables, bodyClass: light.bodyClass },
      );
      await page.waitForFunction(
        () => {
          const canvas = document.getElementById('chart-timeVsMemory');
          const d = canvas.getContext('2d').getImageData(0, 0, 1, 1).data;
          return d[0] === 255 && d[1] === 255 && d[2] === 255;
        },
        undefined,
        { timeout: 10_000 },
      );
      const ink = await canvasInk(page, '#chart-timeVsMemory', [0x1a, 0x85, 0xff]);
      assert.ok(ink.hasColor && ink.ink > 0.01, 'redrawn with the light palette on the light background');
      assert.deepEqual(probe.pageErrors, []);
    } finally {
      await page.close();
    }
  });

  for (const theme of WEBVIEW_THEMES.slice(1)) {
    it(`renders in the ${theme.name} theme with theme colours and no CSP violations`, async () => {
      const probe = await openPage(browser, harness.origin, theme);
      const { page } = probe;
      try {
        await showAnalysis(page, arm64);
        const background = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
        const expected = theme.variables['--vscode-editor-background'] === '#ffffff' ? 'rgb(255, 255, 255)' : 'rgb(0, 0, 0)';
        assert.equal(background, expected);
        const blue = theme.variables['--vscode-charts-blue'];
        const rgb: [number, number, number] = [1, 3, 5].map((i) => parseInt(blue.slice(i, i + 2), 16)) as [number, number, number];
        for (const id of ['timeVsMemory', 'speedupVsThreads', 'costVsTime']) {
          const ink = await canvasInk(page, `#chart-${id}`, rgb);
          assert.ok(ink.ink > 0.01 && ink.hasColor, `${id} drawn with the ${theme.name} palette`);
        }
        await saveScreenshots(page, theme.name);
        assert.deepEqual(await page.evaluate(() => (window as unknown as { __cspViolations: string[] }).__cspViolations), []);
        assert.deepEqual(probe.consoleCsp, []);
        assert.deepEqual(probe.pageErrors, []);
      } finally {
        await page.close();
      }
    });
  }
});
