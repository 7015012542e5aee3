import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resultsContentSecurityPolicy, resultsPageHtml } from '../../src/results/resultsHtml';
import { analyseInputFiles } from '../../src/core/analysis/analysisInput';
import { listRuns, loadFiles, loadResultsSource, loadRun, RunLoader, RunNotStartedError } from '../../src/results/resultsLoader';
import type { AnalysedRun } from '../../src/shared/resultsProtocol';
import { loadAnalysisInput, runFolderFiles } from '../../src/runs/analysisFiles';
import { RunWatcher } from '../../src/results/runWatcher';
import { appendSyntheticConfigs, syntheticRecords, writeSyntheticRun } from '../support/syntheticRun';

function tempWorkspace(): string {
  return mkdtempSync(join(tmpdir(), 'lambda-lab-results-'));
}

describe('results page HTML', () => {
  it('has a strict CSP: nothing by default, scripts by nonce only, no inline styles or eval', () => {
    const csp = resultsContentSecurityPolicy('https://webview.example', 'abcdefghijklmnop1234');
    assert.match(csp, /^default-src 'none'; /);
    assert.match(csp, /script-src 'nonce-abcdefghijklmnop1234'/);
    assert.match(csp, /style-src https:\/\/webview\.example(;|$)/);
    assert.doesNotMatch(csp, /unsafe/);
    const html = resultsPageHtml({
      cspSource: 'https://webview.example',
      nonce: 'abcdefghijklmnop1234',
      scriptUri: 'https://webview.example/results.js',
      styleUri: 'https://webview.example/results.css',
    });
    assert.doesNotMatch(html, /style=/);
    assert.equal((html.match(/<script /g) ?? []).length, 1);
    assert.match(html, /<script nonce="abcdefghijklmnop1234" src=/);
    assert.throws(() => resultsPageHtml({ cspSource: 'x', nonce: 'short', scriptUri: 'a', styleUri: 'b' }), /nonce/);
  });
});

describe('results loader', () => {
  it('analyses a run directory and labels it by run id; live while the sweep runs', () => {
    const workspace = tempWorkspace();
    try {
      const { runDir, configs } = writeSyntheticRun(workspace, { runId: 'r-live', status: 'running' });
      const run = loadRun(runDir);
      assert.equal(run.runLabel, 'r-live');
      assert.equal(run.analysis.configs.length, configs);
      assert.equal(run.live, true);
      assert.equal(run.recordCount, 4 * (1 + 2 * 6));
      assert.ok(
        run.analysis.configs.every((c) => c.n === 6),
        'warm-ups kept out of the statistics',
      );
      assert.equal(
        run.analysis.configs.reduce((sum, c) => sum + c.coldStarts, 0),
        4,
        'one warm-up per function',
      );
      assert.deepEqual(
        run.analysis.warnings.filter((w) => !w.includes('run.json')),
        [],
      );
      assert.deepEqual(loadResultsSource({ kind: 'run', runDir }).analysis.configs.length, configs);
    } finally {
      rmSync(workspace, { recursive: true, force: true });
    }
  });

  it('says a run has not started when run.json exists without invocations yet', () => {
    const workspace = tempWorkspace();
    try {
      const runDir = join(workspace, '.lambda-lab', 'runs', 'r-new');
      mkdirSync(runDir, { recursive: true });
      writeFileSync(join(runDir, 'run.json'), '{"runId":"r-new","status":"running"}');
      assert.throws(() => loadRun(runDir), RunNotStartedError);
      assert.throws(() => loadRun(join(workspace, 'nope')), /does not exist/);
    } finally {
      rmSync(workspace, { recursive: true, force: true });
    }
  });

  it('lists runs in workspace folders, newest first', () => {
    const workspace = tempWorkspace();
    try {
      writeSyntheticRun(workspace, { runId: 'a' });
      writeSyntheticRun(workspace, { runId: 'b' });
      mkdirSync(join(workspace, '.lambda-lab', 'runs', 'not-a-run'));
      const runs = listRuns([workspace, join(workspace, 'missing')]);
      assert.deepEqual(runs.map((r) => r.runId).sort(), ['a', 'b']);
      assert.equal(runs[0].status, 'completed');
    } finally {
      rmSync(workspace, { recursive: true, force: true });
    }
  });

  it('imports study CSVs, listing a bad file as a warning instead of failing', () => {
    const workspace = tempWorkspace();
    try {
      writeFileSync(
        join(workspace, 'Lambda_1024_1_arm64.csv'),
        'Architecture,Memory,Workers,sk,cores,proc_time\narm64,1024,1,2022-12-01 10:00:00.000001,2,1.5\narm64,1024,1,2022-12-01 10:00:01.000001,2,1.6\narm64,1024,1,2022-12-01 10:00:02.000001,2,1.55\n',
      );
      writeFileSync(join(workspace, 'Lambda_2048_1_arm64.csv'), 'Architecture,Memory\narm64,2048\n');
      const run = loadFiles([workspace]);
      assert.equal(run.analysis.configs.length, 1);
      assert.equal(run.source.kind, 'files');
      assert.ok(
        run.analysis.warnings.some((w) => w.includes('Lambda_2048_1_arm64.csv')),
        run.analysis.warnings.join('\n'),
      );
      assert.throws(() => loadFiles([join(workspace, 'Lambda_2048_1_arm64.csv')]), /Lambda_2048_1_arm64\.csv:1: missing columns/);
    } finally {
      rmSync(workspace, { recursive: true, force: true });
    }
  });
});

describe('live run loading (only the appended bytes are parsed)', () => {
  /** Everything but the time of the analysis. */
  const comparable = (run: AnalysedRun) => ({ ...run, analysedAt: '' });

  for (const chunkBytes of [undefined, 97]) {
    it(`gives exactly what a full reload gives after appends, a corrupt line, a torn line, an impossible record and a retry (${chunkBytes ?? 'default'} bytes a read)`, () => {
      const workspace = tempWorkspace();
      try {
        const { runDir } = writeSyntheticRun(workspace, { runId: 'r-follow', status: 'running', cpuLimit: 'cgroup-v1' });
        const file = join(runDir, 'invocations.jsonl');
        const loader = new RunLoader(runDir, chunkBytes);
        const steps: string[] = [];
        const check = (step: string, fullReads = 1) => {
          steps.push(step);
          const sizeBefore = statSync(file).size;
          const live = loader.load();
          const full = loadRun(runDir);
          assert.deepEqual(comparable(live), comparable(full), `after: ${step}`);
          assert.equal(loader.invocations?.fullReads, fullReads, `after: ${step}: read from the start ${loader.invocations?.fullReads} times`);
          // The text path the CLI takes reads the same records, warnings and set-aside counts.
          const cli = loadAnalysisInput([runDir]);
          const followed = analyseInputFiles(runFolderFiles(runDir, loader.invocations!.result()));
          assert.deepEqual({ ...followed, runs: [] }, { ...cli, runs: [] }, `input after: ${step}`);
          return { live, sizeBefore };
        };
        const first = check('the first load');
        assert.equal(loader.invocations?.lastReadBytes, first.sizeBefore, 'the first load reads the whole file');

        appendSyntheticConfigs(runDir, { runId: 'r-follow', memories: [4096], cpuLimit: 'cgroup-v1' });
        let sizeBefore = statSync(file).size;
        check('one more memory size');
        assert.ok(loader.invocations!.lastReadBytes < sizeBefore / 2, `read ${loader.invocations!.lastReadBytes} of ${sizeBefore} bytes`);

        appendFileSync(file, 'this line is not JSON\n');
        const corrupt = check('a corrupt line').live;
        assert.ok(
          corrupt.analysis.warnings.some((w) => /line \d+: not valid JSON/.test(w)),
          corrupt.analysis.warnings.join('\n'),
        );

        const [extra, ...more] = syntheticRecords({ runId: 'r-follow', memories: [5120], cpuLimit: 'cgroup-v1' });
        const extraLine = JSON.stringify(extra);
        appendFileSync(file, extraLine.slice(0, 40));
        const torn = check('a torn last line').live;
        assert.ok(
          torn.analysis.warnings.some((w) => w.includes('the last line is incomplete')),
          torn.analysis.warnings.join('\n'),
        );
        appendFileSync(file, extraLine.slice(40));
        check('the torn line completed, still without its newline');
        appendFileSync(file, '\n' + more.map((r) => JSON.stringify(r)).join('\n') + '\n');
        const completed = check('the rest of the memory size').live;
        assert.ok(!completed.analysis.warnings.some((w) => w.includes('the last line is incomplete')));
        assert.equal(completed.recordCount, first.live.recordCount + 2 * 13);

        const [failed, retried] = syntheticRecords({ runId: 'r-follow', memories: [6144], threads: [1], repetitions: 2, cpuLimit: 'cgroup-v1' }).slice(1);
        const impossible = { ...retried, rep: 9, memoryMB: 99_999 };
        appendFileSync(file, [{ ...failed, error: 'Task timed out', processingMs: null }, impossible, failed].map((r) => JSON.stringify(r)).join('\n') + '\n');
        const retry = check('an error, an impossible record, and the retry that supersedes the error').live;
        assert.ok(
          retry.analysis.warnings.some((w) => w.includes('impossible record set aside')),
          retry.analysis.warnings.join('\n'),
        );

        // Cut short (as a resumed sweep cuts a torn line, or a user's edit): read again from the start.
        sizeBefore = statSync(file).size;
        truncateSync(file, sizeBefore - 10);
        check('the file cut short', 2);
        // Replaced by another file (another inode) of the same run.
        const text = readFileSync(file, 'utf8');
        writeFileSync(`${file}.new`, text.slice(0, text.indexOf('\n', text.length / 2) + 1));
        renameSync(`${file}.new`, file);
        check('the file replaced', 3);
        appendSyntheticConfigs(runDir, { runId: 'r-follow', memories: [7168], cpuLimit: 'cgroup-v1' });
        check('an append after the replacement', 3);
        // Rewritten in place under the parsed part, longer than before: the last parsed bytes differ.
        const now = readFileSync(file, 'utf8');
        writeFileSync(file, now.replace(/"rep":1,/, '"rep":1, ') + now);
        check('rewritten in place', 4);
        assert.equal(steps.length, 11);
      } finally {
        rmSync(workspace, { recursive: true, force: true });
      }
    });
  }
});

describe('run watcher', () => {
  it('calls back once, debounced, after the sweep appends records', async () => {
    const workspace = tempWorkspace();
    let watcher: RunWatcher | undefined;
    try {
      const { runDir } = writeSyntheticRun(workspace, { runId: 'w', status: 'running' });
      let calls = 0;
      const changed = new Promise<void>((resolve) => {
        watcher = new RunWatcher(
          runDir,
          () => {
            calls++;
            resolve();
          },
          { debounceMs: 100, pollMs: 50 },
        );
      });
      appendSyntheticConfigs(runDir, { runId: 'w', memories: [4096] });
      appendSyntheticConfigs(runDir, { runId: 'w', memories: [5120] });
      await changed;
      await new Promise((r) => setTimeout(r, 400));
      assert.equal(calls, 1, 'two quick appends give one refresh');
      assert.equal(loadRun(runDir).analysis.configs.length, 12);
    } finally {
      watcher?.dispose();
      rmSync(workspace, { recursive: true, force: true });
    }
  });

  it('keeps updating while the sweep writes without pause', async () => {
    const workspace = tempWorkspace();
    let watcher: RunWatcher | undefined;
    try {
      const { runDir } = writeSyntheticRun(workspace, { runId: 'c', status: 'running' });
      let calls = 0;
      watcher = new RunWatcher(runDir, () => calls++, { debounceMs: 150, pollMs: 30 });
      // Appends every 40 ms for ~1.2 s: a restarting debounce of 150 ms would never fire here.
      for (let i = 0; i < 30; i++) {
        appendSyntheticConfigs(runDir, { runId: 'c', memories: [6000 + i] });
        await new Promise((r) => setTimeout(r, 40));
      }
      assert.ok(calls >= 2, `updates arrive during continuous writes (${calls})`);
    } finally {
      watcher?.dispose();
      rmSync(workspace, { recursive: true, force: true });
    }
  });
});
