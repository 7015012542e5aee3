// "Sweep Your Own Function…" as a user drives it, in code-server + Chromium, on the built-in
// endpoint. The original is a function that is not the template (test/fixtures/own-function: it
// reads its thread count from the payload or the THREADS environment variable and logs every
// invocation to OWN_FIXTURE_LOG), created directly on the endpoint through the SDK. The sweep is run
// from the command palette, answering each QuickPick and input box (function, payload file, the
// thread dimension as an environment variable, thread counts, memory sizes, repetitions, the plan);
// then the Lambda Lab view lists the per-thread-count copies, the results view shows a row per
// memory size × thread count (screenshot: test-artifacts/own-function/), the original's
// configuration and CodeSha256 are unchanged and it was never invoked, and Clean Up (from the view)
// deletes only the copies. Run it alone: LAMBDA_LAB_TEST_GREP='Own Function UI'.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import {
  CreateFunctionCommand,
  DeleteFunctionCommand,
  GetFunctionCommand,
  LambdaClient,
  ListFunctionsCommand,
  waitUntilFunctionActiveV2,
} from '@aws-sdk/client-lambda';
import { zipSync } from 'fflate';
import { activateExtension, workspaceDir } from './extensionUnderTest';
import { harnessBridge, WEBVIEW_FRAMES, type HarnessBridge } from './harnessBridge';
import { QUICK_INPUT, quickInputSteps } from './quickInputSteps';

const ORIGINAL = 'my-hasher';
const EXPERIMENT = `own-${ORIGINAL}`;
const MEMORY = [512, 1024];
const THREADS = [1, 2];
const REPS = 2;
const HOST_ARCH = process.arch === 'arm64' ? 'arm64' : 'x86_64';
/** One copy per memory size × thread count (thread count in an environment variable): a warm-up each, then REPS each. */
const COPIES = MEMORY.length * THREADS.length;
const INVOCATIONS = COPIES + COPIES * REPS;
const PAYLOAD_FILE = 'own-hasher-payload.json';
const EXPERIMENT_ROW = `.monaco-list-row[aria-label^="Experiment ${EXPERIMENT},"]`;
const COMPLETED_RUN_ROW = `.monaco-list-row[aria-label^="Run "][aria-label*="completed · ${INVOCATIONS}/${INVOCATIONS}"]`;
const REPO_ROOT = path.resolve(__dirname, '../../..');

interface LocalEndpointAccess {
  endpoint: string;
  region: string;
  accessKeyId: string;
  secretAccessKey: string;
}

/**
 * The summary table as shown, as "memory x threads" per row, once every chart is drawn (more than
 * two colours painted); null until then. Every results page open is asked: only this run's matches.
 */
const TABLE_CONFIGS = `() => {
  const headers = [...document.querySelectorAll('#table table thead th')].map((th) => th.querySelector('button[data-column]')?.getAttribute('data-column'));
  const memory = headers.indexOf('memoryMB');
  const threads = headers.indexOf('threads');
  const rows = [...document.querySelectorAll('#table table tbody tr')].map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent.trim()));
  const canvases = [...document.querySelectorAll('#charts canvas')];
  const drawn = canvases.filter((canvas) => {
    if (!canvas.width || !canvas.height) return false;
    const data = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
    const colours = new Set();
    for (let i = 0; i < data.length && colours.size < 3; i += 4 * 97) colours.add(data[i] + ',' + data[i + 1] + ',' + data[i + 2]);
    return colours.size >= 3;
  }).length;
  if (!rows.length || memory < 0 || threads < 0) return null;
  return { configs: rows.map((cells) => cells[memory] + ' x ' + cells[threads]).sort(), charts: canvases.length, drawn, title: document.querySelector('h1')?.textContent };
}`;

interface TablePage {
  configs: string[];
  charts: number;
  drawn: number;
  title?: string;
}

suite('Own Function UI', () => {
  let bridge: HarnessBridge;
  let client: LambdaClient;
  let invocationLog: string;
  let payloadFile: string;
  let started = 0;
  const timings: string[] = [];
  /** Logs a step with the seconds since the test began (they go in the report). */
  const step = async (name: string): Promise<void> => {
    const line = `${name} at ${((Date.now() - started) / 1000).toFixed(1)} s`;
    timings.push(line);
    await bridge.log(`  own-function: ${line}`);
  };

  suiteSetup(async function () {
    const found = harnessBridge();
    if (!found) this.skip(); // driving the page needs the browser the code-server harness provides
    bridge = found!;
    const extension = await activateExtension();
    const testing = (extension.exports as { testing?: { localEndpoint(): Promise<LocalEndpointAccess> } }).testing;
    assert.ok(testing, 'the extension exports its test hooks when LAMBDA_LAB_TEST_WORKSPACE is set');
    const access = await testing.localEndpoint();
    client = new LambdaClient({
      endpoint: access.endpoint,
      region: access.region,
      credentials: { accessKeyId: access.accessKeyId, secretAccessKey: access.secretAccessKey },
    });
    invocationLog = path.join(workspaceDir(), 'own-hasher-invocations.log');
    payloadFile = path.join(workspaceDir(), PAYLOAD_FILE);
  });

  suiteTeardown(async () => {
    if (!client) return;
    // Whatever a failed run left: the copies and the original.
    const names = ((await client.send(new ListFunctionsCommand({}))).Functions ?? []).map((f) => f.FunctionName!);
    for (const name of names.filter((n) => n === ORIGINAL || n.startsWith(`llab-${EXPERIMENT}-`)))
      await client.send(new DeleteFunctionCommand({ FunctionName: name })).catch(() => undefined);
    client.destroy();
    for (const file of [invocationLog, payloadFile]) fs.rmSync(file, { force: true });
    await vscode.commands.executeCommand('notifications.clearAll');
  });

  /** What must not change on the original: its whole configuration (code hash, revision, memory, environment…) and tags. */
  async function snapshot(): Promise<string> {
    const got = await client.send(new GetFunctionCommand({ FunctionName: ORIGINAL }));
    return JSON.stringify({ configuration: got.Configuration, tags: got.Tags ?? {} });
  }

  async function functionNames(): Promise<string[]> {
    return ((await client.send(new ListFunctionsCommand({}))).Functions ?? []).map((f) => f.FunctionName!).sort();
  }

  /** "name threads" per invocation, as the fixture logged it. */
  function invocations(): string[] {
    return fs.existsSync(invocationLog) ? fs.readFileSync(invocationLog, 'utf8').split('\n').filter(Boolean) : [];
  }

  const { runFromPalette, waitForStep, answer, contextMenuToStep } = quickInputSteps(() => bridge);

  async function choose(rowText: string, filter: string): Promise<void> {
    await waitForStep(rowText);
    await bridge.type(filter);
    await bridge.waitForSelector(`${QUICK_INPUT} .monaco-list-row.focused`, { text: rowText });
    await bridge.press('Enter');
  }

  test('sweeps a function that is not the template through the UI; the original is unchanged and never invoked; Clean Up deletes only the copies', async function () {
    this.timeout(900_000);
    started = Date.now();
    await vscode.commands.executeCommand('notifications.clearAll');
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');

    // The original, straight on the endpoint through the SDK, as if the user had deployed it.
    const fixture = fs.readFileSync(path.join(REPO_ROOT, 'test', 'fixtures', 'own-function', 'index.mjs'));
    await client.send(
      new CreateFunctionCommand({
        FunctionName: ORIGINAL,
        Role: 'arn:aws:iam::123456789012:role/my-hasher-role',
        Runtime: 'nodejs20.x',
        Handler: 'index.handler',
        MemorySize: 256,
        Timeout: 60,
        Architectures: [HOST_ARCH],
        Code: { ZipFile: zipSync({ 'index.mjs': new Uint8Array(fixture) }) },
        Environment: { Variables: { OWN_FIXTURE_LOG: invocationLog, GREETING: 'kept' } },
      }),
    );
    await waitUntilFunctionActiveV2({ client, maxWaitTime: 60 }, { FunctionName: ORIGINAL });
    const before = await snapshot();
    const beforeSha = (await client.send(new GetFunctionCommand({ FunctionName: ORIGINAL }))).Configuration!.CodeSha256;
    assert.ok(beforeSha);
    // No thread count in the payload: it comes from each copy's THREADS variable.
    fs.writeFileSync(payloadFile, JSON.stringify({ job: { rounds: 2000 } }, null, 2));
    await step('original created');

    // The Lambda Lab view, where the copies will show.
    await vscode.commands.executeCommand('workbench.view.extension.lambdaLab');

    // Every question answered in the UI, as a user would.
    await runFromPalette('Lambda Lab: Sweep Your Own Function');
    await choose(ORIGINAL, ORIGINAL);
    await choose(PAYLOAD_FILE, 'own-hasher');
    await choose('An environment variable', 'environment');
    await answer('Environment variable your function reads', 'THREADS');
    await answer('Thread counts to sweep', THREADS.join(','));
    await answer('One copy of the function per memory size', MEMORY.join(','));
    await answer('Repetitions per configuration', String(REPS));
    // The plan, before anything is created.
    await bridge.waitForSelector(`${QUICK_INPUT} .monaco-list-row`, { text: `${INVOCATIONS} invocations`, timeoutMs: 60_000 });
    await bridge.screenshot('own-function/plan');
    await choose('Start sweep', 'Start');
    await step('questions answered');

    // The view lists the experiment's copies, one per memory size and thread count, and its run completes.
    await bridge.waitForSelector(EXPERIMENT_ROW, { text: `${COPIES} functions`, timeoutMs: 180_000 });
    for (const memory of MEMORY)
      for (const threads of THREADS)
        await bridge.waitForSelector(`.monaco-list-row[aria-label^="Function ${memory} MB · ${threads} thread${threads === 1 ? '' : 's'} "]`);
    // The experiment says whose copies they are and offers no template Run Sweep or Deploy (Clean Up, below, stays).
    await bridge.waitForSelector(EXPERIMENT_ROW, { text: `copies of ${ORIGINAL}` });
    await bridge.hover(EXPERIMENT_ROW);
    const templateActions = await bridge.evaluateInFrames<number>(
      `(row) => document.querySelectorAll(row + ' .action-label[aria-label^="Run Sweep"], ' + row + ' .action-label[aria-label^="Deploy"]').length`,
      { arg: EXPERIMENT_ROW },
    );
    assert.equal(
      templateActions.reduce((sum, f) => sum + (f.value ?? 0), 0),
      0,
    );
    await step('copies listed in the view');
    await bridge.waitForSelector(COMPLETED_RUN_ROW, { timeoutMs: 600_000 });
    await bridge.screenshot('own-function/view');
    await step('sweep completed');

    // The results of that run: a row per memory size × thread count.
    await bridge.hover(COMPLETED_RUN_ROW);
    await bridge.click(`${COMPLETED_RUN_ROW} .action-label[aria-label^="Show Results"]`, { timeoutMs: 10_000 });
    const expected = MEMORY.flatMap((m) => THREADS.map((t) => `${m} x ${t}`)).sort();
    const shown = await bridge
      .waitForFrame<TablePage>(
        `async (expected) => { const p = await (${TABLE_CONFIGS})(); return p && p.configs.join('|') === expected.join('|') && p.charts > 0 && p.drawn === p.charts ? p : null; }`,
        { frameUrlIncludes: WEBVIEW_FRAMES, arg: expected, timeoutMs: 60_000 },
      )
      .catch(async (error: unknown) => {
        const pages = await bridge.evaluateInFrames<TablePage | null>(TABLE_CONFIGS, { frameUrlIncludes: WEBVIEW_FRAMES });
        await bridge.log(`  own-function: results pages seen: ${JSON.stringify(pages.filter((f) => f.value).map((f) => f.value))}`);
        await bridge.screenshot('own-function/failed-results');
        throw error;
      });
    assert.deepEqual(shown.value!.configs, expected);
    // The summary table in sight for the screenshot (the recommendations come first on the page).
    await bridge.evaluateInFrames(`() => { const table = document.querySelector('#table'); table?.scrollIntoView({ block: 'start' }); return !!table; }`, {
      frameUrlIncludes: WEBVIEW_FRAMES,
    });
    const shot = await bridge.screenshot('own-function/results');
    const png = fs.readFileSync(shot);
    assert.ok(png.length > 10_000, `${shot} is ${png.length} bytes`);
    assert.equal(png.subarray(1, 4).toString('latin1'), 'PNG');
    const [width, height] = [png.readUInt32BE(16), png.readUInt32BE(20)];
    assert.ok(width > 0 && height > 0, `${width}×${height}`);
    await step(`results shown (${shot}, ${png.length} bytes, ${width}×${height})`);

    // The original: same configuration and code hash, never invoked; each copy ran with its own thread count.
    assert.equal(await snapshot(), before);
    assert.equal((await client.send(new GetFunctionCommand({ FunctionName: ORIGINAL }))).Configuration!.CodeSha256, beforeSha);
    const ran = invocations();
    assert.equal(ran.length, INVOCATIONS, ran.join('\n'));
    assert.ok(!ran.some((line) => line.startsWith(`${ORIGINAL} `)), ran.join('\n'));
    for (const line of ran) {
      const [name, threads] = line.split(' ');
      assert.match(name, new RegExp(`^llab-${EXPERIMENT}-\\d+-${HOST_ARCH}-t${threads}$`), line);
    }
    await step('original unchanged and never invoked');

    // Clean Up from the experiment's context menu: only the copies go.
    await contextMenuToStep(EXPERIMENT_ROW, 'Clean Up', `Delete ${COPIES} functions`);
    await choose(`Delete ${COPIES} functions`, 'Delete');
    await bridge.waitForSelector(EXPERIMENT_ROW, { gone: true, timeoutMs: 120_000 });
    const left = await functionNames();
    assert.ok(left.includes(ORIGINAL), left.join(', '));
    assert.deepEqual(
      left.filter((n) => n.startsWith(`llab-${EXPERIMENT}-`)),
      [],
    );
    assert.equal(await snapshot(), before);
    await step('cleaned up: copies deleted, the original kept');
    await bridge.log(`  own-function steps: ${timings.join('; ')}`);
  });
});
