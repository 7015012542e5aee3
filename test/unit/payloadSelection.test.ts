// A sweep of your own function with several payloads is analysed one payload at a time: the core
// filter (shared by `lambda-lab analyze --payload` and the results view) and the view's selection.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isOwnFunctionRecords, OWN_FUNCTION_STRATEGY, payloadNames, recordsForPayload } from '../../src/core/analysis/payloads';
import type { InvocationRecord } from '../../src/core/invocationRecord';
import { analyzeRecords } from '../../src/core/analysis/analyzeRun';
import { formatAnalysisText } from '../../src/core/analysis/analysisReport';
import { strategyOptionLabel, tableColumns } from '../../media/results/tableModel';
import { meanConfidenceInterval, shownTimeInterval } from '../../src/core/analysis/statistics';
import { tableToCsv } from '../../media/results/tableModel';
import { loadRun, RunLoader } from '../../src/results/resultsLoader';
import { FromWebview, isFromWebviewMessage, isToWebviewMessage, ToWebview } from '../../src/shared/resultsProtocol';
import { appendSyntheticConfigs, syntheticRecords, writeSyntheticRun } from '../support/syntheticRun';

describe('payload filter (core)', () => {
  const records = syntheticRecords({ runId: 'p', memories: [1024], threads: [1], repetitions: 4, payloads: ['small.json', 'big.json'] });

  it('names the payloads in the order run.json declares, then any other in order of appearance', () => {
    assert.deepEqual(payloadNames(records), ['small.json', 'big.json']);
    assert.deepEqual(payloadNames(records, ['big.json', 'small.json']), ['big.json', 'small.json']);
    assert.deepEqual(payloadNames(records, ['gone.json', 'big.json']), ['big.json', 'small.json'], 'a declared name no record carries is left out');
    assert.deepEqual(payloadNames(syntheticRecords({ runId: 't' })), [], 'template records carry no payload');
  });

  it('keeps exactly the records that sent the payload', () => {
    const big = recordsForPayload(records, 'big.json');
    assert.ok(big.length > 0 && big.every((r) => r.payload === 'big.json'));
    assert.equal(big.length + recordsForPayload(records, 'small.json').length, records.length);
    assert.deepEqual(recordsForPayload(records, 'other.json'), []);
  });
});

describe('results view: a run with several payloads', () => {
  it('shows the first payload in the run order by default, another when chosen, and keeps the choice across live reloads', () => {
    const workspace = mkdtempSync(join(tmpdir(), 'lambda-lab-payloads-'));
    try {
      const { runDir, configs } = writeSyntheticRun(workspace, { runId: 'own', status: 'running', payloads: ['small.json', 'big.json'] });
      const first = loadRun(runDir);
      assert.deepEqual(first.payload, { shown: 'small.json', names: ['small.json', 'big.json'] });
      assert.equal(first.analysis.configs.length, configs, 'no refusal: one payload is analysed');
      const smallMean = first.analysis.configs[0].meanMs;

      const loader = new RunLoader(runDir);
      loader.payload = 'big.json';
      const big = loader.load();
      assert.equal(big.payload?.shown, 'big.json');
      assert.ok(big.analysis.configs[0].meanMs > 1.5 * smallMean, 'the other payload (twice as slow) is what is analysed');
      assert.ok(big.recordCount < first.recordCount + big.recordCount && big.recordCount > 0);

      // The sweep appends another memory size; the live reload still shows the chosen payload.
      const added = appendSyntheticConfigs(runDir, { runId: 'own', memories: [5307], payloads: ['small.json', 'big.json'] });
      const again = loader.load();
      assert.equal(again.payload?.shown, 'big.json');
      assert.equal(again.analysis.configs.length, configs + added);

      loader.payload = 'no-such.json';
      assert.equal(loader.load().payload?.shown, 'small.json', 'an unknown choice falls back to the first payload');
    } finally {
      rmSync(workspace, { recursive: true, force: true });
    }
  });

  it('leaves runs with one payload or none unfiltered and unlabelled', () => {
    const workspace = mkdtempSync(join(tmpdir(), 'lambda-lab-payloads-'));
    try {
      assert.equal(loadRun(writeSyntheticRun(workspace, { runId: 'one', payloads: ['only.json'] }).runDir).payload, undefined);
      assert.equal(loadRun(writeSyntheticRun(workspace, { runId: 'template' }).runDir).payload, undefined);
    } finally {
      rmSync(workspace, { recursive: true, force: true });
    }
  });

  it('the protocol carries the selection and the page’s choice; the CSV says which payload', () => {
    assert.ok(isFromWebviewMessage({ messageId: 1, body: { type: FromWebview.SelectPayload, payload: 'big.json' } }));
    assert.ok(!isFromWebviewMessage({ messageId: 1, body: { type: FromWebview.SelectPayload, payload: '' } }));
    assert.ok(!isFromWebviewMessage({ messageId: 1, body: { type: FromWebview.SelectPayload } }));
    assert.ok(
      isFromWebviewMessage({ messageId: 1, body: { type: FromWebview.SelectPayload, payload: 'big.json', slot: 'compare' } }),
      'the compared run’s choice',
    );
    assert.ok(!isFromWebviewMessage({ messageId: 1, body: { type: FromWebview.SelectPayload, payload: 'big.json', slot: 'other' } }));
    const primary = {
      runLabel: 'r',
      source: { kind: 'run', runDir: '/r' },
      analysis: { configs: [], knee: [], recommendations: { fastest: null, cheapest: null, balanced: null, pareto: [] }, warnings: [] },
      cpuLimit: { method: null, unthrottledInvocations: 0, totalInvocations: 0 },
      recordCount: 0,
      live: false,
      analysedAt: '2026-12-02T00:00:00.000Z',
    };
    assert.ok(
      isToWebviewMessage({ messageId: 1, body: { type: ToWebview.ShowAnalysis, primary: { ...primary, payload: { shown: 'a', names: ['a', 'b'] } } } }),
    );
    assert.ok(!isToWebviewMessage({ messageId: 1, body: { type: ToWebview.ShowAnalysis, primary: { ...primary, payload: { shown: 'a', names: [1] } } } }));
    const workspace = mkdtempSync(join(tmpdir(), 'lambda-lab-payloads-'));
    try {
      const run = loadRun(writeSyntheticRun(workspace, { runId: 'csv', memories: [1024], threads: [1], payloads: ['a.json', 'b.json'] }).runDir);
      const csv = tableToCsv([{ runLabel: run.runLabel, config: run.analysis.configs[0] }], false, 'a.json').split('\r\n');
      assert.ok(csv[0].startsWith('payload,arch,'));
      assert.ok(csv[1].startsWith('a.json,'));
    } finally {
      rmSync(workspace, { recursive: true, force: true });
    }
  });
});

describe('your own function has no strategy of the template’s', () => {
  it('marks the analysis of own-function records, and the CLI text and the table show "your function", not "pool"', () => {
    const own = analyzeRecords(syntheticRecords({ runId: 'own', memories: [1024, 2048], threads: [1], payloads: ['only.json'] }));
    assert.equal(own.ownFunction, true);
    const text = formatAnalysisText(own);
    assert.ok(text.includes(OWN_FUNCTION_STRATEGY));
    assert.doesNotMatch(text, /\bpool\b/);
    const template = analyzeRecords(syntheticRecords({ runId: 't', memories: [1024, 2048], threads: [1] }));
    assert.equal(template.ownFunction, undefined);
    assert.match(formatAnalysisText(template), /\bpool\b/);

    const strategyColumn = tableColumns(false).find((c) => c.id === 'strategy')!;
    assert.equal(strategyColumn.display({ runLabel: 'own', config: own.configs[0], ownFunction: true }), OWN_FUNCTION_STRATEGY);
    assert.equal(strategyColumn.display({ runLabel: 't', config: template.configs[0] }), 'pool');
    const csv = tableToCsv([{ runLabel: 'own', config: own.configs[0], ownFunction: true }], false).split('\r\n');
    assert.match(csv[1], /^arm64,1024,1,your function,/);
  });
});

describe('the 95% CI of a mean time as shown', () => {
  it('is clamped at 0 and withheld with fewer than 3 samples; the stored interval is unchanged', () => {
    const two = meanConfidenceInterval([20, 167]);
    assert.ok(two.low < 0, 'n = 2 gives a negative lower end (t = 12.7)');
    assert.equal(shownTimeInterval(2, two.low, two.high), null);
    const three = meanConfidenceInterval([5, 100, 300]);
    assert.ok(three.low < 0);
    assert.deepEqual(shownTimeInterval(3, three.low, three.high), { low: 0, high: three.high });
    assert.deepEqual(shownTimeInterval(5, 10, 20), { low: 10, high: 20 });

    const own = analyzeRecords(syntheticRecords({ runId: 'few', memories: [1024], threads: [1], repetitions: 2 }));
    assert.equal(own.configs[0].n, 2);
    const ci = tableColumns(false).find((c) => c.id === 'ciMs')!;
    assert.equal(ci.display({ runLabel: 'few', config: own.configs[0] }), 'too few (n<3)');
    assert.match(formatAnalysisText(own), /\bn<3\b/);
  });
});

describe('your own function is named "your function" wherever a strategy is named', () => {
  const ownRecords = syntheticRecords({ runId: 'own', memories: [1024, 1769, 3008], threads: [1, 2], payloads: ['only.json'] });
  const templateRecords = syntheticRecords({ runId: 't', memories: [1024, 1769, 3008], threads: [1, 2] });
  const predictMemoryMB = [128, 512, 5307, 10240];

  it('in the reasons of predicted recommendations (measured and predicted configurations alike)', () => {
    const own = analyzeRecords(ownRecords, { predictMemoryMB });
    const predicted = own.recommendations.predicted ?? [];
    assert.ok(predicted.length > 0, 'the synthetic sweep yields a predicted recommendation');
    for (const p of predicted) {
      assert.match(p.reason, /\(your function\)/, p.reason);
      assert.doesNotMatch(p.reason, /\bpool\b/, p.reason);
    }
    assert.doesNotMatch(formatAnalysisText(own), /\bpool\b/);
    const template = analyzeRecords(templateRecords, { predictMemoryMB });
    assert.ok((template.recommendations.predicted ?? []).every((p) => /\(pool\)/.test(p.reason)));
  });

  it('in the results page’s Strategy filter (both names when a template run is compared with it)', () => {
    const own = { analysis: analyzeRecords(ownRecords) };
    const template = { analysis: analyzeRecords(templateRecords) };
    assert.equal(strategyOptionLabel('pool', [own]), OWN_FUNCTION_STRATEGY);
    assert.equal(strategyOptionLabel('pool', [template]), 'pool');
    assert.equal(strategyOptionLabel('pool', [own, template]), `pool / ${OWN_FUNCTION_STRATEGY}`);
  });
});

describe('old runs of your own function (records written before they named their payload)', () => {
  /** Own-function records as the first version wrote them: no payload, each measured one says where its time came from. */
  const oldOwnRecords = (): InvocationRecord[] =>
    syntheticRecords({ runId: 'old-own', memories: [1024, 2048], threads: [1] }).map((record) => ({ ...record, timeSource: 'report' as const }));

  it('are recognised from their records (timeSource on every measured record), error records included', () => {
    const records = oldOwnRecords();
    assert.equal(isOwnFunctionRecords(records), true);
    assert.equal(isOwnFunctionRecords([...records, { ...records[0], rep: 99, error: 'function error', processingMs: null, timeSource: undefined }]), true);
    assert.equal(isOwnFunctionRecords(syntheticRecords({ runId: 't' })), false, 'the template’s records');
    const analysis = analyzeRecords(records);
    assert.equal(analysis.ownFunction, true);
    assert.doesNotMatch(formatAnalysisText(analysis), /\bpool\b/);
  });

  it('are recognised from their run.json (its ownFunction section) in the results view and analyze, whatever the records say', () => {
    const workspace = mkdtempSync(join(tmpdir(), 'lambda-lab-old-own-'));
    try {
      const { runDir } = writeSyntheticRun(workspace, { runId: 'old-own' });
      const runFile = join(runDir, 'run.json');
      assert.equal(loadRun(runDir).analysis.ownFunction, undefined, 'a template run');
      const meta = JSON.parse(readFileSync(runFile, 'utf8'));
      writeFileSync(
        runFile,
        JSON.stringify({ ...meta, ownFunction: { original: { functionName: 'my-hasher' }, payloadFile: 'event.json', timing: 'report' } }),
      );
      const shown = loadRun(runDir);
      assert.equal(shown.analysis.ownFunction, true);
      assert.equal(strategyOptionLabel('pool', [shown]), OWN_FUNCTION_STRATEGY);
    } finally {
      rmSync(workspace, { recursive: true, force: true });
    }
  });
});
