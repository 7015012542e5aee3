// The bridge that webview tests rely on: from the extension host, find a webview's DOM in the real
// Chromium page (under a strict CSP), click in it, and take a screenshot. Skipped where there is
// no browser (@vscode/test-electron).
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as vscode from 'vscode';
import { WEBVIEW_FRAMES, harnessBridge } from './harnessBridge';

const PROBE_HTML = (nonce: string, cspSource: string) => `<!DOCTYPE html>
<html><head>
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src ${cspSource}; script-src 'nonce-${nonce}';">
</head><body>
<p id="probe-text">bridge probe</p>
<button id="probe-button">press</button>
<script nonce="${nonce}">
  document.getElementById('probe-button').addEventListener('click', () => {
    document.getElementById('probe-text').textContent = 'clicked';
  });
</script>
</body></html>`;

suite('Harness bridge', () => {
  let panel: vscode.WebviewPanel | undefined;

  teardown(() => {
    panel?.dispose();
    panel = undefined;
  });

  test('reads, clicks and screenshots a webview under a strict CSP', async function () {
    const bridge = harnessBridge();
    if (!bridge) this.skip();

    panel = vscode.window.createWebviewPanel('lambdaLabBridgeProbe', 'Bridge probe', vscode.ViewColumn.One, { enableScripts: true });
    const nonce = Math.random().toString(36).slice(2);
    panel.webview.html = PROBE_HTML(nonce, panel.webview.cspSource);

    const found = await bridge!.waitForFrame<string>(`() => document.getElementById('probe-text')?.textContent ?? ''`, {
      frameUrlIncludes: WEBVIEW_FRAMES,
      timeoutMs: 20_000,
    });
    assert.equal(found.value, 'bridge probe');

    const clicked = await bridge!.click('#probe-button', { frameUrlIncludes: WEBVIEW_FRAMES });
    assert.match(clicked.frameUrl, /\/webview\/browser\/pre\/fake\.html/);
    const after = await bridge!.waitForFrame<string>(`(expected) => document.getElementById('probe-text')?.textContent === expected ? 'yes' : ''`, {
      arg: 'clicked',
      frameUrlIncludes: WEBVIEW_FRAMES,
      timeoutMs: 10_000,
    });
    assert.equal(after.value, 'yes');

    const all = await bridge!.evaluateInFrames<boolean>(`() => !!document.getElementById('probe-text')`);
    assert.equal(all.filter((frame) => frame.ok && frame.value).length, 1, 'exactly one frame holds the probe');

    const file = await bridge!.screenshot('bridge-probe');
    assert.ok(fs.statSync(file).size > 1000, `${file} looks empty`);
  });

  test('reports a clear error when nothing matches', async function () {
    const bridge = harnessBridge();
    if (!bridge) this.skip();
    await assert.rejects(bridge!.waitForFrame(`() => false`, { timeoutMs: 500 }), /No frame returned a truthy value within 500 ms/);
    await assert.rejects(bridge!.click('#there-is-no-such-element'), /No frame has an element matching/);
  });
});
