// Lambda Lab: Show Results, for real in the extension host: the command opens the webview for a
// run directory, the page draws the table and every chart (checked inside the webview frame in
// Chromium through the harness bridge), follows a running sweep live, compares two runs, follows
// the theme, and has no CSP violations. Screenshots go to test-artifacts/.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { ShowResultsOutcome } from '../../src/results/showResultsCommand';
import { appendSyntheticConfigs, writeSyntheticRun } from '../support/syntheticRun';
import { activateExtension, workspaceDir } from './extensionUnderTest';
import { harnessBridge, WEBVIEW_FRAMES, type HarnessBridge } from './harnessBridge';

interface ChartPixel {
  /** Colour of a pixel inside the first chart's canvas (the painted background), #rrggbb. */
  pixel: string;
  /** The page's --vscode-editor-background, normalised the same way. */
  background: string;
  bodyClass: string;
}

/** Reads a background pixel of the time-vs-memory chart and the theme's background colour; null until the chart exists. */
const CHART_PIXEL = `() => {
  const canvas = document.querySelector('#chart-timeVsMemory');
  if (!canvas || canvas.width === 0) return null;
  const [r, g, b] = canvas.getContext('2d').getImageData(2, 2, 1, 1).data;
  const hex = (v) => v.toString(16).padStart(2, '0');
  const normalizer = document.createElement('canvas').getContext('2d');
  normalizer.fillStyle = '#000000';
  normalizer.fillStyle = getComputedStyle(document.body).getPropertyValue('--vscode-editor-background').trim() || '#000000';
  return { pixel: '#' + hex(r) + hex(g) + hex(b), background: String(normalizer.fillStyle), bodyClass: document.body.className };
}`;

interface PageProbe {
  rows: number;
  charts: Array<{ id: string; width: number; ink: number }>;
  heatCells: number;
  heatmaps: number;
  cspViolations: number;
  bodyClass: string;
  runColumn: boolean;
}

// Runs inside the webview frame; returns false until the page has drawn `minRows` rows.
const PROBE_PAGE = `(minRows) => {
  const table = document.getElementById('summary-table');
  const rows = table ? table.querySelectorAll('tbody tr').length : 0;
  if (!table || rows < minRows) return false;
  const charts = [...document.querySelectorAll('canvas[id^="chart-"]')].map((canvas) => {
    const data = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
    let differing = 0;
    for (let i = 0; i < data.length; i += 4) {
      if (Math.abs(data[i] - data[0]) + Math.abs(data[i + 1] - data[1]) + Math.abs(data[i + 2] - data[2]) > 24) differing++;
    }
    return { id: canvas.id, width: canvas.width, ink: differing / (data.length / 4) };
  });
  return {
    rows,
    charts,
    heatCells: document.querySelectorAll('.heatmap td.heat-cell').length,
    heatmaps: document.querySelectorAll('.heatmap').length,
    cspViolations: Number(document.body.dataset.cspViolations || 0),
    bodyClass: document.body.className,
    runColumn: !!document.querySelector('#summary-table button[data-column="run"]'),
  };
}`;

async function probePage(bridge: HarnessBridge, minRows: number, extra = ''): Promise<PageProbe> {
  const expression = extra ? `(minRows) => { if (!(${extra})) return false; return (${PROBE_PAGE})(minRows); }` : PROBE_PAGE;
  const result = await bridge.waitForFrame<PageProbe>(expression, { arg: minRows, timeoutMs: 30_000 });
  return result.value as PageProbe;
}

function assertChartsDrawn(probe: PageProbe): void {
  assert.deepEqual(probe.charts.map((c) => c.id).sort(), ['chart-costVsTime', 'chart-speedupVsThreads', 'chart-timeVsMemory']);
  for (const chart of probe.charts) {
    assert.ok(chart.width > 100, `${chart.id} has a size`);
    assert.ok(chart.ink > 0.01, `${chart.id} has drawing on it (${(chart.ink * 100).toFixed(2)}% of pixels)`);
  }
}

/** Two screenshots of the workbench: the view scrolled to the top, and to the charts. */
async function screenshotTopAndCharts(bridge: HarnessBridge, name: string): Promise<void> {
  // Give the page a moment to finish redrawing canvases after a theme change.
  await new Promise((r) => setTimeout(r, 300));
  await bridge.evaluateInFrames("() => { if (document.getElementById('summary-table')) window.scrollTo(0, 0); return true; }");
  await bridge.screenshot(name);
  await bridge.evaluateInFrames(
    "() => { const charts = document.getElementById('charts'); if (charts && document.getElementById('summary-table')) charts.scrollIntoView(); return true; }",
  );
  await new Promise((r) => setTimeout(r, 200));
  await bridge.screenshot(`${name}-charts`);
}

function resultsTabs(): vscode.Tab[] {
  return vscode.window.tabGroups.all
    .flatMap((g) => g.tabs)
    .filter((t) => t.input instanceof vscode.TabInputWebview && t.input.viewType.endsWith('lambdaLabResults'));
}

suite('Results view', () => {
  const runIds = { a: `results-arm-${process.pid}`, b: `results-x86-${process.pid}` };
  let runA: { runDir: string; configs: number };
  let runB: { runDir: string; configs: number };

  let previousTheme: string | undefined;

  suiteSetup(async () => {
    await activateExtension();
    // Start from a known theme, and give the view the whole window for the screenshots.
    const workbench = vscode.workspace.getConfiguration('workbench');
    previousTheme = workbench.inspect<string>('colorTheme')?.globalValue;
    await workbench.update('colorTheme', 'Default Dark Modern', vscode.ConfigurationTarget.Global);
    await vscode.commands.executeCommand('workbench.action.closeSidebar');
    await vscode.commands.executeCommand('workbench.action.closeAuxiliaryBar');
    runA = writeSyntheticRun(workspaceDir(), { runId: runIds.a, arch: 'arm64', status: 'running' });
    runB = writeSyntheticRun(workspaceDir(), { runId: runIds.b, arch: 'x86_64', memories: [512, 1024, 1769, 3538, 5120], status: 'completed' });
  });

  suiteTeardown(async () => {
    await vscode.workspace.getConfiguration('workbench').update('colorTheme', previousTheme, vscode.ConfigurationTarget.Global);
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    for (const dir of [runA?.runDir, runB?.runDir]) if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  test('opens the view for a run directory; the page reports drawing every row and chart', async () => {
    const outcome = await vscode.commands.executeCommand<ShowResultsOutcome>('lambdaLab.showResults', { runDir: runA.runDir });
    assert.ok(outcome, 'the command returns an outcome when given a run');
    assert.equal(outcome.runLabel, runIds.a);
    assert.equal(outcome.rows, runA.configs);
    assert.ok(outcome.rendered, 'the page answered with what it drew');
    assert.equal(outcome.rendered.tableRows, runA.configs);
    assert.deepEqual([...outcome.rendered.charts].sort(), ['costVsTime', 'heatmap', 'speedupVsThreads', 'timeVsMemory']);
    const tabs = resultsTabs();
    assert.equal(tabs.length, 1, 'one results view');
    assert.equal(tabs[0].label, `Results: ${runIds.a}`);
  });

  test('in Chromium: the webview shows the table, draws every chart and the heatmap, with no CSP violations', async function () {
    const bridge = harnessBridge();
    if (!bridge) this.skip();
    const probe = await probePage(bridge, runA.configs, "document.body.classList.contains('vscode-dark')");
    assert.equal(probe.rows, runA.configs);
    assertChartsDrawn(probe);
    assert.equal(probe.heatCells, runA.configs);
    assert.equal(probe.cspViolations, 0);
    await screenshotTopAndCharts(bridge, 'results-vscode-dark');
  });

  test('follows a running sweep: records appended to invocations.jsonl appear without reopening', async function () {
    const bridge = harnessBridge();
    if (!bridge) this.skip();
    const added = appendSyntheticConfigs(runA.runDir, { runId: runIds.a, arch: 'arm64', memories: [5120] });
    const probe = await probePage(bridge, runA.configs + added);
    assert.equal(probe.rows, runA.configs + added);
    assert.equal(probe.heatCells, runA.configs + added);
    runA.configs += added;
  });

  test('compares two runs (arm64 vs x86_64) in one view', async () => {
    const outcome = await vscode.commands.executeCommand<ShowResultsOutcome>('lambdaLab.showResults', { runDir: runA.runDir, compareRunDir: runB.runDir });
    assert.ok(outcome?.rendered);
    assert.equal(outcome.rows, runA.configs + runB.configs);
    assert.equal(outcome.rendered.tableRows, runA.configs + runB.configs);
    assert.equal(resultsTabs().length, 1, 'the open view is reused');
    assert.equal(resultsTabs()[0].label, `Results: ${runIds.a} vs ${runIds.b}`);
    const bridge = harnessBridge();
    if (bridge) {
      const probe = await probePage(bridge, runA.configs + runB.configs);
      assert.ok(probe.runColumn, 'the table gets a Run column');
      assert.equal(probe.heatmaps, 2, 'a heatmap per run');
      assertChartsDrawn(probe);
      assert.equal(probe.cspViolations, 0);
      await bridge.screenshot('results-vscode-compare');
    }
  });

  test('compares with a run that sent several payloads: the compared run gets its own Payload select, says which payload it shows, and switches', async function () {
    const bridge = harnessBridge();
    if (!bridge) this.skip();
    const ownId = `results-payloads-${process.pid}`;
    const own = writeSyntheticRun(workspaceDir(), { runId: ownId, status: 'completed', payloads: ['small.json', 'big.json'] });
    try {
      const outcome = await vscode.commands.executeCommand<ShowResultsOutcome>('lambdaLab.showResults', { runDir: runB.runDir, compareRunDir: own.runDir });
      assert.ok(outcome?.rendered);
      // Waits for the line the host's analysis of that payload draws (the select changes at once when chosen).
      const choice = (payload: string) =>
        bridge.waitForFrame<{ options: string[]; value: string; info: string; primaryFilterHidden: boolean }>(
          `(payload) => {
            const select = document.getElementById('filter-compare-payload');
            const info = document.getElementById('compare-payload-info');
            if (!select || select.closest('[hidden]') || !info || !info.textContent.includes('Payload ' + payload + ' (')) return null;
            return { options: [...select.options].map((o) => o.value), value: select.value, info: info.textContent, primaryFilterHidden: document.getElementById('payload-filter').hidden };
          }`,
          { frameUrlIncludes: WEBVIEW_FRAMES, arg: payload, timeoutMs: 30_000 },
        );
      const first = (await choice('small.json')).value!;
      assert.deepEqual(first.options, ['small.json', 'big.json']);
      assert.ok(first.info.startsWith(`Compared run ${ownId}: Payload small.json (1 of`), first.info);
      assert.equal(first.primaryFilterHidden, true, 'the first run sent no payloads: no select for it');
      await bridge.screenshot('results-compare-payloads');

      await bridge.waitForFrame(
        `() => { const select = document.getElementById('filter-compare-payload'); if (!select || select.options.length < 2) return false; select.value = 'big.json'; select.dispatchEvent(new Event('change')); return true; }`,
        { frameUrlIncludes: WEBVIEW_FRAMES },
      );
      const second = (await choice('big.json')).value!;
      assert.ok(second.info.startsWith(`Compared run ${ownId}: Payload big.json (2 of`), second.info);
    } finally {
      fs.rmSync(own.runDir, { recursive: true, force: true });
    }
  });

  for (const [theme, bodyClass, name] of [
    ['Default Light Modern', 'vscode-light', 'light'],
    ['Default High Contrast', 'vscode-high-contrast', 'high-contrast'],
  ] as const) {
    test(`follows the colour theme (${name}): charts redrawn, no CSP violations`, async function () {
      const bridge = harnessBridge();
      if (!bridge) this.skip();
      // The chart paints the theme's editor background behind the plot; read that pixel before the switch.
      const before = (await bridge.waitForFrame<ChartPixel>(CHART_PIXEL, { frameUrlIncludes: WEBVIEW_FRAMES })).value!;
      await vscode.workspace.getConfiguration('workbench').update('colorTheme', theme, vscode.ConfigurationTarget.Global);
      // A redraw, not just a class change: the canvas pixel becomes the new theme's background.
      const after = (
        await bridge.waitForFrame<ChartPixel>(
          `async (arg) => { const p = await (${CHART_PIXEL})(); return p && p.bodyClass.split(' ').includes(arg.bodyClass) && p.pixel === p.background && p.pixel !== arg.before ? p : null; }`,
          { frameUrlIncludes: WEBVIEW_FRAMES, arg: { bodyClass, before: before.pixel }, timeoutMs: 30_000 },
        )
      ).value!;
      assert.notEqual(after.pixel, before.pixel, `the chart was redrawn in the ${name} theme`);
      const probe = await probePage(bridge, 1, `document.body.classList.contains('${bodyClass}')`);
      assertChartsDrawn(probe);
      assert.equal(probe.cspViolations, 0);
      await screenshotTopAndCharts(bridge, `results-vscode-${name}`);
    });
  }

  test('without arguments, a QuickPick lists the workspace runs and the chosen one is shown', async () => {
    let settled = false;
    const pending = Promise.resolve(vscode.commands.executeCommand<ShowResultsOutcome | undefined>('lambdaLab.showResults')).finally(() => (settled = true));
    // Accept the first (newest) item once the QuickPick is up; retry until the command returns.
    for (let attempt = 0; attempt < 40 && !settled; attempt++) {
      await new Promise((r) => setTimeout(r, 250));
      if (!settled) await vscode.commands.executeCommand('workbench.action.acceptSelectedQuickOpenItem');
    }
    const outcome = await pending;
    assert.ok(outcome, 'a run was picked');
    assert.ok([runIds.a, runIds.b].includes(outcome.runLabel ?? ''), `picked ${outcome.runLabel}`);
    assert.equal(outcome.rendered?.tableRows, outcome.runLabel === runIds.a ? runA.configs : runB.configs);
  });

  test('exports the table as CSV and a chart as PNG and SVG through the save dialog', async function () {
    const bridge = harnessBridge();
    if (!bridge) this.skip();
    const outcome = await vscode.commands.executeCommand<ShowResultsOutcome>('lambdaLab.showResults', { runDir: runB.runDir });
    assert.equal(outcome?.rendered?.tableRows, runB.configs);
    await probePage(bridge, runB.configs);
    // The save dialog starts in the run's folder with a suggested name; accepting it saves there.
    const saveVia = async (selector: string, file: string): Promise<Buffer> => {
      fs.rmSync(file, { force: true });
      await bridge.click(selector);
      for (let attempt = 0; attempt < 40 && !fs.existsSync(file); attempt++) {
        await new Promise((r) => setTimeout(r, 250));
        if (!fs.existsSync(file)) await vscode.commands.executeCommand('workbench.action.acceptSelectedQuickOpenItem');
      }
      assert.ok(fs.existsSync(file), `${file} was saved`);
      return fs.readFileSync(file);
    };
    const csv = (await saveVia('#export-csv-button', path.join(runB.runDir, `${runIds.b}-summary.csv`))).toString('utf8');
    const lines = csv.trim().split('\r\n');
    assert.equal(lines.length, runB.configs + 1);
    assert.match(lines[0], /^arch,memoryMB,threads,strategy,n,/);
    const png = await saveVia('button[data-export="timeVsMemory-png"]', path.join(runB.runDir, `${runIds.b}-timeVsMemory.png`));
    assert.deepEqual([...png.subarray(0, 4)], [0x89, 0x50, 0x4e, 0x47], 'a PNG file');
    assert.ok(png.length > 5000);
    const svg = (await saveVia('button[data-export="heatmap-svg"]', path.join(runB.runDir, `${runIds.b}-heatmap.svg`))).toString('utf8');
    assert.match(svg, /^<svg xmlns="http:\/\/www.w3.org\/2000\/svg"/);
    assert.equal((svg.match(/<rect class="cell"/g) ?? []).length, runB.configs);
  });

  test('labels an unthrottled run (no CPU limit could be applied) with a visible banner in the webview', async function () {
    // Written last and removed at the end, so the QuickPick test above never sees it as the newest run.
    const runId = `results-unthrottled-${process.pid}`;
    const run = writeSyntheticRun(workspaceDir(), { runId, arch: 'arm64', status: 'completed', cpuLimit: 'none' });
    try {
      const outcome = await vscode.commands.executeCommand<ShowResultsOutcome>('lambdaLab.showResults', { runDir: run.runDir });
      assert.equal(outcome?.runLabel, runId);
      assert.equal(outcome?.rendered?.tableRows, run.configs);
      const bridge = harnessBridge();
      if (!bridge) this.skip();
      const found = await bridge.waitForFrame<{ text: string; role: string | null; visible: boolean; runInfo: string }>(
        `(runId) => {
          const runInfo = document.getElementById('run-info');
          const banner = document.querySelector('#notices .notice-unthrottled');
          if (!runInfo || !runInfo.textContent.startsWith(runId) || !banner) return false;
          const box = banner.getBoundingClientRect();
          return { text: banner.textContent.replace(/\\s+/g, ' ').trim(), role: banner.getAttribute('role'), visible: box.width > 0 && box.height > 0, runInfo: runInfo.textContent };
        }`,
        { arg: runId, timeoutMs: 30_000 },
      );
      const banner = found.value!;
      const invocations = (run.configs / 2) * 13; // per memory size: a warm-up, then 6 repetitions of 1 and 2 threads
      assert.equal(
        banner.text,
        `Unthrottled: ${invocations} of ${invocations} invocations ran with no CPU limit — times do not reflect Lambda's memory-to-CPU allocation.`,
      );
      assert.equal(banner.role, 'status');
      assert.ok(banner.visible, 'the banner is laid out on the page');
      await bridge.evaluateInFrames("() => { if (document.getElementById('notices')) window.scrollTo(0, 0); return true; }");
      await bridge.screenshot('results-vscode-unthrottled');
    } finally {
      fs.rmSync(run.runDir, { recursive: true, force: true });
    }
  });

  test('a run directory that does not exist is refused with no view change', async () => {
    const outcome = await vscode.commands.executeCommand<ShowResultsOutcome | undefined>('lambdaLab.showResults', {
      runDir: path.join(workspaceDir(), '.lambda-lab', 'runs', 'no-such-run'),
    });
    assert.equal(outcome, undefined);
    await vscode.commands.executeCommand('notifications.clearAll');
  });
});
