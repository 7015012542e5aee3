import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { analyzeRecords, analyzeMixed } from '../../src/core/analysis/analyzeRun';
import { summarizeConfigurations } from '../../src/core/analysis/configSummary';
import { paretoFront } from '../../src/core/analysis/paretoFront';
import { loadAnalysisInput } from '../../src/runs/analysisFiles';
import { invocationsToCsv } from '../../src/core/analysis/invocationCsvExport';
import { parseSeedInvocationsCsv } from '../../src/core/analysis/seedCsvImport';
import { stableAnalysisJson } from '../../src/core/analysis/analysisReport';
import { invocationCostUsd } from '../../src/core/pricing';
import { analyzeCli } from '../../src/cli/analyzeCli';
import { exportCli } from '../../src/cli/exportCli';
import type { InvocationRecord } from '../../src/core/invocationRecord';
import type { Architecture } from '../../src/core/experimentConfig';

let counter = 0;
function rec(partial: Partial<InvocationRecord> & { memoryMB: number; threads: number; processingMs: number | null }): InvocationRecord {
  counter++;
  return {
    runId: 'r1',
    functionName: `llab-t-${partial.memoryMB}-${partial.arch ?? 'arm64'}`,
    arch: 'arm64' as Architecture,
    strategy: 'pool',
    rep: counter,
    warmup: false,
    coldStart: false,
    durationMs: null,
    billedMs: null,
    initMs: null,
    maxMemoryMB: 80,
    cores: 2,
    cpuModel: 'Neoverse, N1',
    error: null,
    retries: 0,
    startedAt: '2026-11-27T06:00:00.000Z',
    endedAt: '2026-11-27T06:00:01.000Z',
    ...partial,
  };
}

/** A small run: 1769 and 3538 MB × 1 and 2 threads, with a warm-up, a cold start and an error. */
function smallRun(): InvocationRecord[] {
  const records: InvocationRecord[] = [];
  for (const memoryMB of [1769, 3538]) {
    for (const threads of [1, 2]) {
      const ideal = 1000 / Math.min(threads, memoryMB / 1769);
      // One warm-up per function (memory size), as the sweep engine does.
      if (threads === 1) records.push(rec({ memoryMB, threads, processingMs: ideal * 3, warmup: true, billedMs: Math.ceil(ideal * 3) + 200 }));
      for (let i = 0; i < 6; i++) {
        const processingMs = ideal * (1 + (i - 2.5) * 0.004);
        records.push(rec({ memoryMB, threads, processingMs, durationMs: processingMs + 5, billedMs: Math.ceil(processingMs + 5) }));
      }
    }
  }
  records.push(rec({ memoryMB: 1769, threads: 2, processingMs: 5000, coldStart: true, billedMs: 5300 }));
  records.push(rec({ memoryMB: 1769, threads: 2, processingMs: null, error: 'Task timed out, after 3 s' }));
  return records;
}

describe('analysis of invocation records', () => {
  it('counts cold starts and errors apart and keeps them out of the statistics', () => {
    const configs = summarizeConfigurations(smallRun(), { itemsPerInvocation: 40 });
    assert.equal(configs.length, 4);
    const twoThreadsSmall = configs.find((c) => c.memoryMB === 1769 && c.threads === 2)!;
    assert.equal(twoThreadsSmall.n, 6);
    assert.equal(twoThreadsSmall.coldStarts, 1);
    assert.equal(configs.find((c) => c.memoryMB === 1769 && c.threads === 1)!.coldStarts, 1, 'the warm-up counts as a cold start');
    assert.equal(twoThreadsSmall.errors, 1);
    assert.ok(Math.abs(twoThreadsSmall.meanMs - 1000) < 1e-9, `mean ${twoThreadsSmall.meanMs}`);
    assert.ok(twoThreadsSmall.ciLowMs < 1000 && twoThreadsSmall.ciHighMs > 1000);
    assert.equal(twoThreadsSmall.costBasis, 'billed');
    const expectedCost =
      summarizeConfigurations(smallRun()).length &&
      smallRun()
        .filter((r) => r.memoryMB === 1769 && r.threads === 2 && !r.warmup && !r.coldStart && r.error === null)
        .reduce((sum, r) => sum + invocationCostUsd({ billedMs: r.billedMs!, memoryMB: 1769, arch: 'arm64' }), 0) / 6;
    assert.ok(Math.abs(twoThreadsSmall.costPerInvocationUsd - expectedCost) < 1e-15);
    assert.ok(Math.abs(twoThreadsSmall.costPer1000ItemsUsd! - (expectedCost / 40) * 1000) < 1e-15);
  });

  it('speedup, efficiency and effective vCPUs follow the 1-thread baseline at the same memory', () => {
    const configs = summarizeConfigurations(smallRun());
    const big2 = configs.find((c) => c.memoryMB === 3538 && c.threads === 2)!;
    assert.ok(Math.abs(big2.speedup! - 2) < 1e-9);
    assert.ok(big2.speedupCiLow! < 2 && big2.speedupCiHigh! > 2);
    assert.ok(Math.abs(big2.efficiency! - 1) < 1e-9);
    assert.ok(Math.abs(big2.effectiveVcpus! - 2) < 1e-9);
    const small2 = configs.find((c) => c.memoryMB === 1769 && c.threads === 2)!;
    assert.ok(Math.abs(small2.speedup! - 1) < 1e-9, 'at 1769 MB a second thread has no CPU to use');
    assert.ok(Math.abs(small2.efficiency! - 0.5) < 1e-9);
  });

  it('without billed durations the cost is estimated from processing time rounded up', () => {
    const records = [1, 2, 3].map((i) => rec({ memoryMB: 1024, threads: 1, processingMs: 100.2 + i / 10 }));
    const [config] = summarizeConfigurations(records);
    assert.equal(config.costBasis, 'processing');
    assert.ok(Math.abs(config.costPerInvocationUsd - invocationCostUsd({ billedMs: 101, memoryMB: 1024, arch: 'arm64' })) < 1e-18);
  });

  it('recommends fastest, cheapest and balanced with reasons, and a Pareto front nobody dominates', () => {
    const result = analyzeRecords(smallRun());
    const { fastest, cheapest, balanced, pareto } = result.recommendations;
    assert.equal(fastest!.memoryMB, 3538);
    assert.equal(fastest!.threads, 2);
    assert.ok(cheapest!.costPerInvocationUsd <= Math.min(...result.configs.map((c) => c.costPerInvocationUsd)));
    assert.ok(balanced!.costPerInvocationUsd <= cheapest!.costPerInvocationUsd * 1.1 + 1e-18);
    for (const r of [fastest!, cheapest!, balanced!]) assert.ok(r.reason.length > 10 && !r.reason.includes('\n'));
    for (const p of pareto) {
      const dominated = result.configs.some(
        (c) =>
          c.meanMs <= p.meanMs && c.costPerInvocationUsd <= p.costPerInvocationUsd && (c.meanMs < p.meanMs || c.costPerInvocationUsd < p.costPerInvocationUsd),
      );
      assert.equal(dominated, false, `${p.memoryMB}/${p.threads} is dominated`);
    }
    assert.deepEqual(
      paretoFront([
        { meanMs: 1, costPerInvocationUsd: 3 },
        { meanMs: 2, costPerInvocationUsd: 2 },
        { meanMs: 3, costPerInvocationUsd: 2.5 },
        { meanMs: 4, costPerInvocationUsd: 1 },
      ]).map((p) => p.meanMs),
      [1, 2, 4],
    );
  });

  it('the --json object has exactly its documented fields', () => {
    const json = stableAnalysisJson(analyzeRecords(smallRun())) as { configs: object[]; knee: object[]; recommendations: object };
    assert.deepEqual(Object.keys(json), ['configs', 'knee', 'recommendations']);
    assert.deepEqual(Object.keys(json.configs[0]), [
      'arch',
      'memoryMB',
      'threads',
      'strategy',
      'n',
      'meanMs',
      'medianMs',
      'p90Ms',
      'stdevMs',
      'ciLowMs',
      'ciHighMs',
      'speedup',
      'efficiency',
      'costPerInvocationUsd',
    ]);
    assert.deepEqual(Object.keys(json.knee[0]), ['arch', 'strategy', 'threads', 'memoryMB', 'lowMB', 'highMB']);
    assert.deepEqual(Object.keys(json.recommendations), ['fastest', 'cheapest', 'balanced', 'pareto']);
  });

  it('mean-only rows for configurations also present per invocation are dropped with a warning', () => {
    const result = analyzeMixed(smallRun(), [{ arch: 'arm64', memoryMB: 1769, threads: 1, strategy: 'pool', cores: 2, meanMs: 5, source: 'Agg.csv', line: 2 }]);
    assert.equal(result.configs.length, 4);
    assert.match(result.warnings.join('\n'), /Agg\.csv: 1 configuration mean is also present per invocation/);
  });
});

describe('run directories and export', () => {
  async function withRunDir(lines: string[], body: (dir: string) => void | Promise<void>): Promise<void> {
    const root = mkdtempSync(path.join(tmpdir(), 'llab-run-'));
    const dir = path.join(root, 'runs', '2026-11-27T06-00-00Z-t');
    mkdirSync(dir, { recursive: true });
    writeFileSync(path.join(dir, 'invocations.jsonl'), lines.join(''));
    writeFileSync(path.join(dir, 'run.json'), JSON.stringify({ runId: '2026-11-27T06-00-00Z-t', region: 'eu-west-1', plan: { items: 40 } }));
    try {
      await body(dir);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  }

  it('reports a corrupt line by file and line, skips it, and ignores a torn last line with a warning', async () => {
    const good = smallRun().map((r) => JSON.stringify(r) + '\n');
    const lines = [...good.slice(0, 3), '{"runId": "r1", oops\n', ...good.slice(3), '{"runId":"r1","functionN'];
    await withRunDir(lines, (dir) => {
      const log = loadAnalysisInput([dir]);
      assert.equal(log.records.length, good.length);
      assert.equal(log.runs[0].meta?.region, 'eu-west-1');
      const file = path.join(dir, 'invocations.jsonl');
      assert.ok(
        log.warnings.some((w) => w.startsWith(`${file} line 4:`) && /not valid JSON/.test(w)),
        log.warnings.join('\n'),
      );
      assert.ok(
        log.warnings.some((w) => w.startsWith(`${file} line ${good.length + 2}:`) && /incomplete/.test(w)),
        log.warnings.join('\n'),
      );
    });
  });

  it('export CSV starts with the study columns, quotes commas, and reads back', () => {
    const records = smallRun();
    const csv = invocationsToCsv(records);
    const [header, first] = csv.split('\n');
    assert.match(header, /^Architecture,Memory,Workers,sk,cores,proc_time,strategy,/);
    assert.match(first, /^arm64,1769,1,20261127_060000,2,3,pool,/);
    const back = parseSeedInvocationsCsv(csv, 'export.csv');
    assert.equal(back.length, records.length);
    back.forEach((r, i) => {
      assert.equal(r.strategy, records[i].strategy);
      assert.equal(r.warmup, records[i].warmup);
      assert.equal(r.error, records[i].error);
      assert.equal(r.cpuModel, 'Neoverse, N1');
      assert.ok(r.processingMs === records[i].processingMs || Math.abs(r.processingMs! - records[i].processingMs!) < 1e-9);
    });
  });

  async function capture(run: () => Promise<number>): Promise<{ code: number; stdout: string; stderr: string }> {
    const out: string[] = [];
    const err: string[] = [];
    const originalOut = process.stdout.write.bind(process.stdout);
    const originalErr = process.stderr.write.bind(process.stderr);
    process.stdout.write = ((chunk: string) => (out.push(String(chunk)), true)) as typeof process.stdout.write;
    process.stderr.write = ((chunk: string) => (err.push(String(chunk)), true)) as typeof process.stderr.write;
    try {
      const code = await run();
      return { code, stdout: out.join(''), stderr: err.join('') };
    } finally {
      process.stdout.write = originalOut;
      process.stderr.write = originalErr;
    }
  }

  it('lambda-lab analyze warns "unthrottled" when the records say their function had no CPU limit', async () => {
    // run.json says nothing about the CPU limit here (as for a custom endpoint URL): the records do.
    const unthrottled = smallRun().map((r) => ({ ...r, cpuLimit: 'none' }));
    await withRunDir(
      unthrottled.map((r) => JSON.stringify(r) + '\n'),
      async (dir) => {
        const text = await capture(() => analyzeCli.run([dir]));
        assert.equal(text.code, 0, text.stderr);
        assert.match(text.stderr, new RegExp(`${unthrottled.length} of ${unthrottled.length} invocations ran with no CPU limit \\(unthrottled\\)`));
      },
    );
    for (const records of [smallRun().map((r) => ({ ...r, cpuLimit: 'cgroup-v1' })), smallRun().map((r) => ({ ...r, cpuLimit: null })), smallRun()]) {
      await withRunDir(
        records.map((r) => JSON.stringify(r) + '\n'),
        async (dir) => {
          const text = await capture(() => analyzeCli.run([dir]));
          assert.equal(text.code, 0, text.stderr);
          assert.doesNotMatch(text.stderr, /unthrottled/, `cpuLimit ${JSON.stringify(records[0].cpuLimit)}`);
        },
      );
    }
  });

  it("the export CSV keeps the records' CPU limit (last column) and reads it back", () => {
    const records = smallRun().map((r, i) => ({ ...r, cpuLimit: i % 2 === 0 ? 'none' : null }));
    const csv = invocationsToCsv(records);
    assert.match(csv.split('\n')[0], /,functionName,cpuLimit$/);
    const back = parseSeedInvocationsCsv(csv, 'export.csv');
    assert.deepEqual(
      back.map((r) => r.cpuLimit),
      records.map((r) => r.cpuLimit),
    );
  });

  it('lambda-lab analyze prints tables, --json the stable object, and one clear line for a bad CSV', async () => {
    await withRunDir(
      smallRun().map((r) => JSON.stringify(r) + '\n'),
      async (dir) => {
        const text = await capture(() => analyzeCli.run([dir]));
        assert.equal(text.code, 0, text.stderr);
        assert.match(text.stdout, /prices for eu-west-1/);
        assert.match(text.stdout, /Knee per \(arch, strategy, threads\)/);
        assert.match(text.stdout, /fastest\s+arm64 3538 MB, 2 threads/);
        const json = await capture(() => analyzeCli.run([dir, '--json', '--tolerance', '0.05']));
        assert.equal(json.code, 0, json.stderr);
        const parsed = JSON.parse(json.stdout);
        assert.equal(parsed.configs.length, 4);
        const exported = await capture(() => exportCli.run([dir, '--format', 'csv']));
        assert.equal(exported.code, 0, exported.stderr);
        assert.equal(exported.stdout.trim().split('\n').length, smallRun().length + 1);
        const csvFile = path.join(dir, 'bad.csv');
        writeFileSync(csvFile, 'Architecture,Memory,Workers,sk,cores,proc_time\narm64,1024,1,x,2,1.5\narm64,1024,1,y,2,\n');
        const bad = await capture(() => analyzeCli.run([csvFile]));
        assert.equal(bad.code, 1);
        assert.equal(bad.stderr, `lambda-lab analyze: ${csvFile}:3: column "proc_time" is "", not a number >= 0. Fix or delete that line and import again.\n`);
        const usage = await capture(() => analyzeCli.run([dir, '--tolerance', '7']));
        assert.equal(usage.code, 2);
      },
    );
  });
});
