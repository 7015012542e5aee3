// `lambda-lab analyze` (the built CLI, a real process) and the results view's Import (loadFiles) read
// the same files through one loader: on folders, nested runs, mixed regions and bad files they must
// reach the same analysis and the same warnings.
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { appendFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { stableAnalysisJson } from '../../src/core/analysis/analysisReport';
import { loadFiles } from '../../src/results/resultsLoader';
import { writeSyntheticRun } from '../support/syntheticRun';

const run = promisify(execFile);
const cli = path.resolve(__dirname, '../../..', 'dist', 'cli.js');
const HEADER = 'Architecture,Memory,Workers,sk,cores,proc_time';

async function analyzeWithCli(paths: string[]): Promise<{ json: unknown; warnings: string[] }> {
  // The results view predicts the vcpu-steps sizes nobody measured; the CLI does when asked to.
  const { stdout, stderr } = await run(process.execPath, [cli, 'analyze', '--json', '--predict', 'vcpu-steps', ...paths]);
  const warnings = stderr
    .split('\n')
    .filter((line) => line.startsWith('warning: '))
    .map((line) => line.slice('warning: '.length));
  return { json: JSON.parse(stdout), warnings };
}

function setRegion(runDir: string, region: string): void {
  const file = path.join(runDir, 'run.json');
  const meta = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
  writeFileSync(file, JSON.stringify({ ...meta, region }));
}

describe('the CLI and the results view analyse the same files alike', () => {
  const root = mkdtempSync(path.join(tmpdir(), 'llab-inputs-'));
  after(() => rmSync(root, { recursive: true, force: true }));

  const cases: Array<{ name: string; build: () => string[] }> = [
    {
      name: 'one run folder in a non-default region',
      build: () => {
        const { runDir } = writeSyntheticRun(path.join(root, 'a'), { runId: 'eu-run' });
        setRegion(runDir, 'eu-west-1');
        return [runDir];
      },
    },
    {
      name: 'a folder of nested runs from two regions, with a study CSV, an empty and a garbage .jsonl, and a bad CSV',
      build: () => {
        const workspace = path.join(root, 'b');
        const first = writeSyntheticRun(workspace, { runId: 'run-1', memories: [512, 1769] });
        const second = writeSyntheticRun(workspace, { runId: 'run-2', arch: 'x86_64', memories: [1024, 3538] });
        setRegion(first.runDir, 'eu-west-1');
        setRegion(second.runDir, 'us-west-2');
        const runs = path.join(workspace, '.lambda-lab', 'runs');
        writeFileSync(
          path.join(runs, 'Lambda_2048_2_arm64.csv'),
          `${HEADER}\narm64,2048,2,2022-12-01 10:00:00.000001,2,900\narm64,2048,2,2022-12-01 10:00:01.000001,2,910\n`,
        );
        writeFileSync(path.join(runs, 'broken.csv'), 'Architecture,Memory\narm64,2048\n');
        writeFileSync(path.join(runs, 'empty.jsonl'), '');
        writeFileSync(path.join(runs, 'garbage.jsonl'), 'hello\n{"not": "a record"}\n');
        return [runs];
      },
    },
    {
      name: 'a run with impossible records, named beside a loose CSV',
      build: () => {
        const { runDir } = writeSyntheticRun(path.join(root, 'c'), { runId: 'odd' });
        const lines = [
          {
            runId: 'odd',
            functionName: 'f',
            arch: 'arm64',
            memoryMB: 1e300,
            threads: 1,
            strategy: 'pool',
            rep: 1,
            warmup: false,
            coldStart: false,
            processingMs: 5,
            durationMs: 5,
            billedMs: 5,
            initMs: null,
            maxMemoryMB: null,
            cores: 2,
            cpuModel: null,
            error: null,
            retries: 0,
            startedAt: 'x',
            endedAt: 'y',
          },
          {
            runId: 'odd',
            functionName: 'f',
            arch: 'arm64',
            memoryMB: 1024,
            threads: 1,
            strategy: 'pool',
            rep: 2,
            warmup: false,
            coldStart: false,
            processingMs: -3,
            durationMs: 5,
            billedMs: 5,
            initMs: null,
            maxMemoryMB: null,
            cores: 2,
            cpuModel: null,
            error: null,
            retries: 0,
            startedAt: 'x',
            endedAt: 'y',
          },
        ];
        appendFileSync(path.join(runDir, 'invocations.jsonl'), lines.map((l) => JSON.stringify(l) + '\n').join(''));
        const csvDir = path.join(root, 'c', 'csv');
        mkdirSync(csvDir);
        writeFileSync(
          path.join(csvDir, 'Lambda_1024_1_arm64.csv'),
          `${HEADER}\narm64,1024,1,2022-12-01 10:00:00.000001,2,1500\narm64,100000,1,2022-12-01 10:00:01.000001,2,1500\n`,
        );
        return [runDir, path.join(csvDir, 'Lambda_1024_1_arm64.csv')];
      },
    },
  ];

  for (const testCase of cases) {
    it(testCase.name, async () => {
      const paths = testCase.build();
      const fromCli = await analyzeWithCli(paths);
      const fromView = loadFiles(paths);
      assert.deepEqual(fromCli.json, JSON.parse(JSON.stringify(stableAnalysisJson(fromView.analysis))));
      assert.deepEqual([...fromCli.warnings].sort(), [...fromView.analysis.warnings].sort());
      assert.ok((fromView.analysis.configs.length as number) > 0);
    });
  }

  it('says what it set aside: impossible records, unreadable files, mixed regions', async () => {
    // Reads the folders the cases above wrote.
    const paths = [path.join(root, 'b', '.lambda-lab', 'runs')];
    assert.ok(readdirSync(paths[0]).length > 0);
    const view = loadFiles(paths);
    const warnings = view.analysis.warnings.join('\n');
    assert.match(warnings, /broken\.csv:1: missing columns/);
    assert.match(warnings, /empty\.jsonl: is empty/);
    assert.match(warnings, /garbage\.jsonl line 1: not valid JSON/);
    assert.match(warnings, /several regions \(eu-west-1, us-west-2\)/);
    const odd = loadFiles([path.join(root, 'c', '.lambda-lab', 'runs', 'odd'), path.join(root, 'c', 'csv', 'Lambda_1024_1_arm64.csv')]);
    const oddWarnings = odd.analysis.warnings.join('\n');
    assert.match(
      oddWarnings,
      /2 impossible records set aside \(memoryMB is outside Lambda's range \(128\.\.10240 MB\)\), e\.g\. .*invocations\.jsonl:\d+, .*Lambda_1024_1_arm64\.csv:3/,
    );
    assert.match(oddWarnings, /1 impossible record set aside \(processingMs is negative\), e\.g\. .*invocations\.jsonl:\d+/);
  });
});
