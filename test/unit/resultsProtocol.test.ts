import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  createEnvelopeFactory,
  FromWebview,
  isFromWebviewMessage,
  isResultsSource,
  isToWebviewMessage,
  pngBytesFromDataUrl,
  ToWebview,
  type AnalysedRun,
} from '../../src/shared/resultsProtocol';

const run: AnalysedRun = {
  runLabel: 'r1',
  source: { kind: 'run', runDir: '/w/.lambda-lab/runs/r1' },
  analysis: { configs: [], knee: [], recommendations: { fastest: null, cheapest: null, balanced: null, pareto: [] }, warnings: [] },
  cpuLimit: { method: null, unthrottledInvocations: 0, totalInvocations: 0 },
  recordCount: 0,
  live: true,
  analysedAt: '2026-11-27T06:00:00.000Z',
};

describe('results protocol', () => {
  it('numbers envelopes and keeps inReplyTo only when given', () => {
    const envelope = createEnvelopeFactory();
    assert.deepEqual(envelope({ type: FromWebview.Ready }), { messageId: 1, body: { type: 'ready' } });
    assert.deepEqual(envelope({ type: FromWebview.Ready }, 7), { messageId: 2, inReplyTo: 7, body: { type: 'ready' } });
  });

  it('accepts well-formed messages to the page', () => {
    assert.ok(isToWebviewMessage({ messageId: 1, body: { type: ToWebview.ShowAnalysis, primary: run } }));
    assert.ok(isToWebviewMessage({ messageId: 2, body: { type: ToWebview.ShowAnalysis, primary: run, compareWith: { ...run, runLabel: 'r2' } } }));
    assert.ok(isToWebviewMessage({ messageId: 3, body: { type: ToWebview.ShowEmpty, message: 'nothing yet' } }));
    assert.ok(isToWebviewMessage({ messageId: 4, inReplyTo: 2, body: { type: ToWebview.ExportDone, outcome: 'saved', path: '/x.csv' } }));
  });

  it('rejects malformed or foreign messages to the page', () => {
    assert.ok(!isToWebviewMessage(null));
    assert.ok(!isToWebviewMessage({ type: 'showAnalysis' }), 'no envelope');
    assert.ok(!isToWebviewMessage({ messageId: '1', body: { type: ToWebview.ShowEmpty, message: 'x' } }), 'string id');
    assert.ok(!isToWebviewMessage({ messageId: 1, body: { type: 'somethingElse' } }));
    assert.ok(!isToWebviewMessage({ messageId: 1, body: { type: ToWebview.ShowAnalysis, primary: { ...run, analysis: { configs: 'no' } } } }));
    assert.ok(!isToWebviewMessage({ messageId: 1, body: { type: ToWebview.ShowAnalysis, primary: run, compareWith: {} } }));
    const { cpuLimit: _dropped, ...withoutCpuLimit } = run;
    assert.ok(
      !isToWebviewMessage({ messageId: 1, body: { type: ToWebview.ShowAnalysis, primary: withoutCpuLimit } }),
      'an analysis must say how its CPU was limited',
    );
    assert.ok(
      !isToWebviewMessage({
        messageId: 1,
        body: { type: ToWebview.ShowAnalysis, primary: { ...run, cpuLimit: { method: 1, unthrottledInvocations: 0, totalInvocations: 0 } } },
      }),
    );
    assert.ok(!isToWebviewMessage({ messageId: 1, body: { type: ToWebview.Status, level: 'warning', text: 'x' } }));
  });

  it('accepts the page messages and checks export payloads', () => {
    for (const type of [FromWebview.Ready, FromWebview.PickRun, FromWebview.PickCompareRun, FromWebview.ClearCompare, FromWebview.ImportFiles]) {
      assert.ok(isFromWebviewMessage({ messageId: 1, body: { type } }), type);
    }
    assert.ok(isFromWebviewMessage({ messageId: 1, body: { type: FromWebview.ExportCsv, suggestedName: 'run-1-summary.csv', csv: 'a,b\r\n' } }));
    assert.ok(
      isFromWebviewMessage({
        messageId: 1,
        body: { type: FromWebview.ExportChart, chartId: 'heatmap', format: 'svg', suggestedName: 'r.svg', data: '<svg xmlns="http://www.w3.org/2000/svg"/>' },
      }),
    );
    assert.ok(
      isFromWebviewMessage({
        messageId: 1,
        body: { type: FromWebview.ExportChart, chartId: 'costVsTime', format: 'png', suggestedName: 'r.png', data: 'data:image/png;base64,AAAA' },
      }),
    );
    assert.ok(
      !isFromWebviewMessage({ messageId: 1, body: { type: FromWebview.ExportCsv, suggestedName: '../../etc/passwd', csv: '' } }),
      'path in the file name',
    );
    assert.ok(
      !isFromWebviewMessage({
        messageId: 1,
        body: { type: FromWebview.ExportChart, chartId: 'pie', format: 'png', suggestedName: 'r.png', data: 'data:image/png;base64,AAAA' },
      }),
      'unknown chart',
    );
    assert.ok(
      !isFromWebviewMessage({
        messageId: 1,
        body: { type: FromWebview.ExportChart, chartId: 'heatmap', format: 'png', suggestedName: 'r.png', data: '<svg/>' },
      }),
      'format and data disagree',
    );
    assert.ok(
      !isFromWebviewMessage({ messageId: 1, body: { type: FromWebview.ExportChart, chartId: 'heatmap', format: 'gif', suggestedName: 'r.gif', data: 'x' } }),
    );
  });

  it('validates sources restored from saved state', () => {
    assert.ok(isResultsSource({ kind: 'run', runDir: '/a' }));
    assert.ok(isResultsSource({ kind: 'files', files: ['/a.csv'] }));
    assert.ok(!isResultsSource({ kind: 'run', runDir: '' }));
    assert.ok(!isResultsSource({ kind: 'files', files: [] }));
    assert.ok(!isResultsSource({ kind: 'files', files: [3] }));
    assert.ok(!isResultsSource({ kind: 'url', url: 'http://x' }));
  });

  it('decodes PNG data URLs to bytes and refuses anything else', () => {
    const bytes = pngBytesFromDataUrl(`data:image/png;base64,${Buffer.from([0x89, 0x50, 0x4e, 0x47]).toString('base64')}`);
    assert.deepEqual([...bytes], [0x89, 0x50, 0x4e, 0x47]);
    assert.throws(() => pngBytesFromDataUrl('data:image/jpeg;base64,AAAA'), /not a PNG data URL/);
    assert.throws(() => pngBytesFromDataUrl('data:image/png;base64,AA$A'), /not base64/);
  });
});
