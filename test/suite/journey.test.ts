// The whole journey as a user drives it, in code-server + Chromium: the command palette, QuickPicks
// and input boxes (typed into, Enter pressed), the Lambda Lab view (tree rows clicked, inline
// actions, a context menu, a modal). No step calls a command with arguments; the test only waits on
// what the page shows (selectors, text) and takes a screenshot of every step
// (test-artifacts/journey/). The view's welcome link → the Get Started walkthrough, whose first
// step's button scaffolds → Deploy (two sizes) → Run Sweep (1 and 2 threads, 3 repetitions) →
// results (table rows, drawn charts) → a second sweep → Compare → Clean Up.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { activateExtension } from './extensionUnderTest';
import { harnessBridge, WEBVIEW_FRAMES, type HarnessBridge } from './harnessBridge';
import { QUICK_INPUT, quickInputSteps } from './quickInputSteps';

const EXPERIMENT = 'journey';
const HOST_ARCH = process.arch === 'arm64' ? 'arm64' : 'x86_64';
/** 2 functions × 2 thread counts × 3 repetitions, plus one warm-up per function. */
const INVOCATIONS_PER_SWEEP = 2 * 2 * 3 + 2;
const SCAFFOLD_STEP = '.gettingStartedContainer .getting-started-step[data-step-id$="#lambdaLab.getStarted#scaffold"]';
const EXPERIMENT_ROW = `.monaco-list-row[aria-label^="Experiment ${EXPERIMENT},"]`;
const COMPLETED_RUN_ROW = `.monaco-list-row[aria-label^="Run "][aria-label*="completed · ${INVOCATIONS_PER_SWEEP}/${INVOCATIONS_PER_SWEEP}"]`;

/** Counts the drawn summary table rows and the charts that hold more than one colour (so something was painted). */
const RESULTS_PAGE = `() => {
  const rows = document.querySelectorAll('#table table tbody tr').length;
  const canvases = [...document.querySelectorAll('#charts canvas')];
  const drawn = canvases.filter((canvas) => {
    if (!canvas.width || !canvas.height) return false;
    const data = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
    const colours = new Set();
    for (let i = 0; i < data.length && colours.size < 3; i += 4 * 97) colours.add(data[i] + ',' + data[i + 1] + ',' + data[i + 2]);
    return colours.size >= 3;
  }).length;
  const runColumn = [...document.querySelectorAll('#table th')].some((th) => th.textContent.trim().startsWith('Run'));
  return rows ? { rows, charts: canvases.length, drawn, runColumn, heatCells: document.querySelectorAll('#heatmap [data-cell], #heatmap rect.cell, #heatmap td').length } : null;
}`;

interface ResultsPage {
  rows: number;
  charts: number;
  drawn: number;
  runColumn: boolean;
}

suite('Journey', () => {
  let bridge: HarnessBridge;
  let shot = 0;
  let started = 0;
  /** Saves test-artifacts/journey/NN-step.png and prints the step with the seconds since the journey began. */
  const screenshot = async (step: string): Promise<void> => {
    const name = `${String(++shot).padStart(2, '0')}-${step}`;
    await bridge.screenshot(`journey/${name}`);
    await bridge.log(`  journey ${name} at ${((Date.now() - started) / 1000).toFixed(1)} s`);
  };

  suiteSetup(async function () {
    const found = harnessBridge();
    if (!found) this.skip(); // driving the page needs the browser the code-server harness provides
    bridge = found!;
    await activateExtension();
  });

  const { runFromPalette, waitForStep, answer, contextMenuToStep } = quickInputSteps(() => bridge);

  /** Accepts the QuickPick row showing `rowText` after filtering by typing `filter`. */
  async function choose(rowText: string, filter?: string): Promise<void> {
    await waitForStep(rowText);
    if (filter) {
      await bridge.type(filter);
      await bridge.waitForSelector(`${QUICK_INPUT} .monaco-list-row.focused`, { text: rowText });
    }
    await bridge.press('Enter');
  }

  /** Run Sweep's questions, answered as a person would: 1 and 2 threads, 3 fixed repetitions, small work. */
  async function answerSweepQuestions(stepName: string): Promise<void> {
    await choose('Other…', 'Other');
    await answer('Comma-separated thread counts', '1, 2');
    await choose('Fixed repetitions');
    await answer('Repetitions per configuration', '3');
    await answer('Items: passwords each invocation hashes', '4');
    await answer('bcrypt cost', '6');
    await choose('long-lived threads');
    await waitForStep('Start sweep');
    await bridge.waitForSelector(`${QUICK_INPUT} .monaco-list-row`, { text: `${INVOCATIONS_PER_SWEEP} invocations` });
    await screenshot(`${stepName}-plan`);
    await bridge.press('Enter');
  }

  /** The accessible labels of the completed runs' rows in the view, top to bottom. */
  async function completedRunRows(): Promise<string[]> {
    const frames = await bridge.evaluateInFrames<string[]>(
      `(selector) => [...document.querySelectorAll(selector)].map((row) => row.getAttribute('aria-label'))`,
      { arg: COMPLETED_RUN_ROW },
    );
    return frames.find((f) => f.ok && f.value && f.value.length > 0)?.value ?? [];
  }

  async function waitForResults(check: (page: ResultsPage) => boolean, rows: number): Promise<ResultsPage> {
    const hit = await bridge
      .waitForFrame<ResultsPage>(`async (rows) => { const p = await (${RESULTS_PAGE})(); return p && p.rows === rows && p.drawn === p.charts ? p : null; }`, {
        frameUrlIncludes: WEBVIEW_FRAMES,
        arg: rows,
        timeoutMs: 60_000,
      })
      .catch(async (error: unknown) => {
        // What each results page showed instead, and the screen, for the failure report.
        const pages = await bridge.evaluateInFrames(
          `async () => { const p = await (${RESULTS_PAGE})(); return p && { ...p, title: document.querySelector('h1, h2')?.textContent, error: document.querySelector('.error, [role=alert]')?.textContent }; }`,
          {
            frameUrlIncludes: WEBVIEW_FRAMES,
          },
        );
        await bridge.log(`  journey: results pages seen: ${JSON.stringify(pages.filter((f) => f.value).map((f) => f.value))}`);
        await screenshot(`failed-waiting-for-${rows}-rows`);
        throw error;
      });
    assert.ok(check(hit.value!), JSON.stringify(hit.value));
    return hit.value!;
  }

  test('Scaffold → Deploy → Run Sweep → Results → Compare → Clean Up, through the UI only', async function () {
    this.timeout(900_000);
    started = Date.now();
    await vscode.commands.executeCommand('notifications.clearAll');

    // The Lambda Lab view, opened from the activity bar: empty, with its welcome buttons.
    await bridge.click('.activitybar .action-label[aria-label^="Lambda Lab"]', { timeoutMs: 20_000 });
    await bridge.waitForSelector('.welcome-view-content', { text: 'Scaffold the experiment function', timeoutMs: 60_000 });
    await screenshot('view-empty');

    // The welcome content's link opens the Get Started walkthrough; its first step's button scaffolds
    // (the default folder is accepted) and the step is then shown as done.
    await bridge.click('.welcome-view-content a:has-text("Get Started walkthrough")', { timeoutMs: 30_000 });
    await bridge.waitForSelector('.gettingStartedContainer', { text: 'Get Started with Lambda Parallel Lab', timeoutMs: 30_000 });
    await bridge.waitForSelector(`${SCAFFOLD_STEP}.expanded .button-container a.monaco-button`, { text: 'Scaffold the experiment function' });
    await screenshot('walkthrough');
    await bridge.click(`${SCAFFOLD_STEP}.expanded .button-container a.monaco-button:has-text("Scaffold the experiment function")`);
    await answer('Folder for the experiment function', 'lambda-parallel-lab');
    await bridge.waitForSelector('.tabs-container .tab', { text: 'index.mjs', timeoutMs: 30_000 });
    await screenshot('scaffolded');
    await bridge.click('.tabs-container .tab[aria-label^="Welcome"]');
    await bridge.waitForSelector(`${SCAFFOLD_STEP} [role="checkbox"][aria-checked="true"]`, { timeoutMs: 30_000 });
    await screenshot('walkthrough-scaffold-done');
    await bridge.click('.tabs-container .tab.active[aria-label^="Welcome"] .tab-actions .action-label');
    await bridge.waitForSelector('.gettingStartedContainer', { gone: true });

    // Deploy from the palette: experiment id, Local, two memory sizes, this machine's architecture.
    await runFromPalette('Lambda Lab: Deploy Experiment');
    await answer('Lowercase letters, digits and dashes', EXPERIMENT);
    await choose('Local (built-in)', 'Local');
    await choose('Custom list', 'Custom');
    await answer('Memory sizes (MB', '1769, 3538');
    await waitForStep(HOST_ARCH);
    await screenshot('deploy-architecture');
    await bridge.press('Enter');
    await bridge.waitForSelector(EXPERIMENT_ROW, { text: '2 functions', timeoutMs: 180_000 });
    await bridge.waitForSelector('.monaco-list-row[aria-label^="Function 1769 MB"]');
    await bridge.waitForSelector('.monaco-list-row[aria-label^="Function 3538 MB"]');
    await screenshot('deployed');

    // Run Sweep from the experiment's inline action.
    await bridge.hover(EXPERIMENT_ROW);
    await bridge.click(`${EXPERIMENT_ROW} .action-label[aria-label^="Run Sweep"]`, { timeoutMs: 10_000 });
    await answerSweepQuestions('sweep-1');
    await bridge.waitForSelector(COMPLETED_RUN_ROW, { timeoutMs: 300_000 });
    await screenshot('sweep-1-completed');

    // Show Results from the run's inline action: 2 sizes × 2 thread counts = 4 table rows, every chart drawn.
    await bridge.hover(COMPLETED_RUN_ROW);
    await bridge.click(`${COMPLETED_RUN_ROW} .action-label[aria-label^="Show Results"]`, { timeoutMs: 10_000 });
    const single = await waitForResults((page) => page.charts === 3 && !page.runColumn, 4);
    assert.equal(single.rows, 4);
    await screenshot('results');

    // A second sweep from the palette (the single deployed experiment is chosen without asking).
    await runFromPalette('Lambda Lab: Run Sweep');
    await answerSweepQuestions('sweep-2');
    await bridge.waitForFrame(`(selector) => document.querySelectorAll(selector).length === 2`, { arg: COMPLETED_RUN_ROW, timeoutMs: 300_000 });
    await screenshot('sweep-2-completed');

    // Compare: select both runs (click, Ctrl+click), then the inline Compare action.
    const runRows = await completedRunRows();
    assert.equal(runRows.length, 2, runRows.join(' | '));
    const [first, second] = runRows.map((label) => `.monaco-list-row[aria-label=${JSON.stringify(label)}]`);
    await bridge.click(first);
    await bridge.click(second, { modifiers: ['Control'] });
    await bridge.waitForFrame(`(rows) => rows.every((row) => document.querySelector(row)?.classList.contains('selected'))`, { arg: [first, second] });
    await bridge.hover(second);
    await bridge.click(`${second} .action-label[aria-label^="Compare Runs"]`, { timeoutMs: 10_000 });
    const compared = await waitForResults((page) => page.runColumn && page.charts === 3, 8);
    assert.equal(compared.rows, 8, 'both runs’ rows');
    await bridge.waitForSelector('.tabs-container .tab', { text: ' vs ' });
    await screenshot('compare');

    // Clean Up from the experiment's context menu; it asks first (Keep is the default answer).
    await contextMenuToStep(EXPERIMENT_ROW, 'Clean Up', 'Delete 2 functions');
    await bridge.type('Delete');
    await bridge.waitForSelector(`${QUICK_INPUT} .monaco-list-row.focused`, { text: 'Delete 2 functions' });
    await screenshot('cleanup-confirm');
    await bridge.press('Enter');
    await bridge.waitForSelector(EXPERIMENT_ROW, { gone: true, timeoutMs: 120_000 });
    await bridge.waitForSelector('.welcome-view-content', { text: 'Scaffold the experiment function', timeoutMs: 30_000 });
    await screenshot('cleaned-up');
  });
});
