import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exportCli } from '../../src/cli/exportCli';
import { loadAnalysisInput } from '../../src/runs/analysisFiles';
import { checkCpuLimit, combineCpuLimitSummaries, describeCpuLimit, isUnthrottledLimit } from '../../src/core/analysis/cpuLimitCheck';
import { invocationsToCsv } from '../../src/core/analysis/invocationCsvExport';
import type { InvocationRecord } from '../../src/core/invocationRecord';
import { loadFiles, loadRun } from '../../src/results/resultsLoader';
import { syntheticRecords, writeSyntheticRun } from '../support/syntheticRun';

const records = (cpuLimit?: string | null): InvocationRecord[] =>
  syntheticRecords({ runId: 'r', memories: [512, 1024], threads: [1], repetitions: 2 }).map((r) => (cpuLimit === undefined ? r : { ...r, cpuLimit }));

function withWorkspace(body: (workspace: string) => void): void {
  const workspace = mkdtempSync(join(tmpdir(), 'lambda-lab-cpu-limit-'));
  try {
    body(workspace);
  } finally {
    rmSync(workspace, { recursive: true, force: true });
  }
}

describe('CPU limit check (unthrottled results are never silent)', () => {
  it('recognises unthrottled limits as the endpoint writes them', () => {
    for (const value of ['none', 'none (no writable cgroup)', ' none']) assert.ok(isUnthrottledLimit(value), value);
    for (const value of ['cgroup-v1', 'cgroup-v2', 'systemd-run', 'aws', 'unknown', 'nonexistent', '', null, undefined, 3])
      assert.ok(!isUnthrottledLimit(value), String(value));
  });

  it('counts every invocation of a run whose run.json says none, and warns naming the source', () => {
    const all = records();
    const check = checkCpuLimit('/runs/r1', all, 'none');
    assert.deepEqual(check.summary, { method: null, unthrottledInvocations: all.length, totalInvocations: all.length });
    assert.equal(
      check.warning,
      `/runs/r1: ${all.length} of ${all.length} invocations ran with no CPU limit (unthrottled): its times do not show Lambda's memory-proportional CPU, so the knee and costs describe this machine, not Lambda.`,
    );
  });

  it("lets each record's own cpuLimit win over run.json, and counts a partly unthrottled source", () => {
    const mixed = records().map((r, i) => ({ ...r, cpuLimit: i % 2 === 0 ? 'none' : 'cgroup-v1' }));
    const check = checkCpuLimit('mixed.jsonl', mixed, 'cgroup-v1');
    assert.equal(check.summary.unthrottledInvocations, Math.ceil(mixed.length / 2));
    assert.equal(check.summary.totalInvocations, mixed.length);
    assert.equal(check.summary.method, 'cgroup-v1');
    assert.match(check.warning ?? '', new RegExp(`^mixed\\.jsonl: ${Math.ceil(mixed.length / 2)} of ${mixed.length} invocations ran with no CPU limit`));
    // Records saying a limit outvote a run.json that says none (e.g. a resumed run).
    assert.equal(checkCpuLimit('r', records('cgroup-v2'), 'none').summary.unthrottledInvocations, 0);
  });

  it('gives no warning when throttled, on AWS, or when nothing says', () => {
    assert.deepEqual(checkCpuLimit('r', records(), 'cgroup-v1'), {
      summary: { method: 'cgroup-v1', unthrottledInvocations: 0, totalInvocations: records().length },
      warning: null,
    });
    assert.deepEqual(checkCpuLimit('r', records(null), 'aws').summary, { method: 'aws', unthrottledInvocations: 0, totalInvocations: records().length });
    assert.deepEqual(checkCpuLimit('f.csv', records()), {
      summary: { method: null, unthrottledInvocations: 0, totalInvocations: records().length },
      warning: null,
    });
  });

  it('still warns for a run that says none before its first invocation', () => {
    const check = checkCpuLimit('/runs/new', [], 'none');
    assert.equal(check.summary.unthrottledInvocations, 0);
    assert.match(check.warning ?? '', /this run has no CPU limit \(unthrottled\)/);
    assert.equal(checkCpuLimit('/runs/new', [], 'systemd-run').summary.method, 'systemd-run');
  });

  it('combines sources: counts add up and methods are listed once', () => {
    const combined = combineCpuLimitSummaries([
      { method: 'cgroup-v1', unthrottledInvocations: 0, totalInvocations: 10 },
      { method: null, unthrottledInvocations: 3, totalInvocations: 3 },
      { method: 'aws, cgroup-v1', unthrottledInvocations: 1, totalInvocations: 5 },
    ]);
    assert.deepEqual(combined, { method: 'aws, cgroup-v1', unthrottledInvocations: 4, totalInvocations: 18 });
    assert.deepEqual(combineCpuLimitSummaries([]), { method: null, unthrottledInvocations: 0, totalInvocations: 0 });
  });

  it('words the banner and the limit note the page shows', () => {
    assert.deepEqual(describeCpuLimit({ method: null, unthrottledInvocations: 12, totalInvocations: 40 }), {
      unthrottled: "Unthrottled: 12 of 40 invocations ran with no CPU limit — times do not reflect Lambda's memory-to-CPU allocation.",
      note: null,
    });
    assert.deepEqual(describeCpuLimit({ method: 'cgroup-v1', unthrottledInvocations: 0, totalInvocations: 40 }), {
      unthrottled: null,
      note: 'CPU limited like Lambda (cgroup-v1).',
    });
    assert.equal(describeCpuLimit({ method: 'aws', unthrottledInvocations: 0, totalInvocations: 1 }).note, 'Measured on AWS Lambda.');
    assert.equal(
      describeCpuLimit({ method: 'cgroup-v2', unthrottledInvocations: 1, totalInvocations: 3 }).note,
      'CPU limited like Lambda (cgroup-v2) for the other invocations.',
    );
    assert.deepEqual(describeCpuLimit({ method: null, unthrottledInvocations: 0, totalInvocations: 0 }), { unthrottled: null, note: null });
  });

  it('the results view (loadRun, loadFiles) and lambda-lab analyze report the same for an unthrottled run', () => {
    withWorkspace((workspace) => {
      const { runDir } = writeSyntheticRun(workspace, { runId: 'r-none', cpuLimit: 'none' });
      const view = loadRun(runDir);
      const cli = loadAnalysisInput([runDir]);
      assert.equal(view.cpuLimit.unthrottledInvocations, view.recordCount);
      assert.equal(view.cpuLimit.totalInvocations, view.recordCount);
      assert.deepEqual(view.cpuLimit, cli.cpuLimit);
      const unthrottledWarnings = view.analysis.warnings.filter((w) => /unthrottled/.test(w));
      assert.equal(unthrottledWarnings.length, 1, 'the view carries the warning in the analysis, as the CLI does');
      assert.deepEqual(
        unthrottledWarnings,
        cli.warnings.filter((w) => /unthrottled/.test(w)),
      );
      // A run folder given as an import is the same run.
      assert.deepEqual(loadFiles([runDir]).cpuLimit, view.cpuLimit);
    });
  });

  it('the results view reports throttled runs without an unthrottled warning', () => {
    withWorkspace((workspace) => {
      const { runDir } = writeSyntheticRun(workspace, { runId: 'r-cg', cpuLimit: 'cgroup-v1' });
      const view = loadRun(runDir);
      assert.deepEqual(view.cpuLimit, { method: 'cgroup-v1', unthrottledInvocations: 0, totalInvocations: view.recordCount });
      assert.deepEqual(
        view.analysis.warnings.filter((w) => /unthrottled/.test(w)),
        [],
      );
    });
  });

  it('imported .jsonl and per-invocation CSV files are checked file by file', () => {
    withWorkspace((workspace) => {
      const unthrottled = records('none');
      const throttled = records('cgroup-v1');
      const jsonl = join(workspace, 'unthrottled.jsonl');
      const csv = join(workspace, 'throttled.csv');
      writeFileSync(jsonl, unthrottled.map((r) => JSON.stringify(r)).join('\n') + '\n');
      writeFileSync(csv, invocationsToCsv(throttled));
      const view = loadFiles([jsonl, csv]);
      assert.deepEqual(view.cpuLimit, {
        method: 'cgroup-v1',
        unthrottledInvocations: unthrottled.length,
        totalInvocations: unthrottled.length + throttled.length,
      });
      const warnings = view.analysis.warnings.filter((w) => /unthrottled/.test(w));
      assert.equal(warnings.length, 1);
      assert.ok(warnings[0].startsWith(`${jsonl}: ${unthrottled.length} of ${unthrottled.length} invocations`), warnings[0]);
      assert.deepEqual(loadAnalysisInput([jsonl, csv]).cpuLimit, view.cpuLimit);
    });
  });

  it('lambda-lab export --format json carries the summary and the unthrottled warning in its analysis', async () => {
    const workspace = mkdtempSync(join(tmpdir(), 'lambda-lab-cpu-limit-'));
    const stderrWrite = process.stderr.write;
    try {
      const { runDir } = writeSyntheticRun(workspace, { runId: 'r-export', cpuLimit: 'none' });
      const out = join(workspace, 'export.json');
      // The warnings also go to stderr; keep the test output clean.
      process.stderr.write = (() => true) as typeof process.stderr.write;
      const code = await exportCli.run([runDir, '--format', 'json', '--out', out]);
      process.stderr.write = stderrWrite;
      assert.equal(code, 0);
      const exported = JSON.parse(readFileSync(out, 'utf8')) as { cpuLimit: unknown; invocations: unknown[]; analysis: { warnings: string[] } };
      assert.deepEqual(exported.cpuLimit, { method: null, unthrottledInvocations: exported.invocations.length, totalInvocations: exported.invocations.length });
      assert.equal(exported.analysis.warnings.filter((w) => /ran with no CPU limit \(unthrottled\)/.test(w)).length, 1);
    } finally {
      process.stderr.write = stderrWrite;
      rmSync(workspace, { recursive: true, force: true });
    }
  });
});
