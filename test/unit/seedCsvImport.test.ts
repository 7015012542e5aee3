import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { CsvImportError, parseSeedAggregatedCsv, parseSeedCsv, parseSeedInvocationsCsv, splitCsvLine } from '../../src/core/analysis/seedCsvImport';
import { summarizeAggregates, summarizeConfigurations, configIdentityKey } from '../../src/core/analysis/configSummary';
import { loadAnalysisInput } from '../../src/runs/analysisFiles';
import { FULL_STUDY, SEED_FIXTURE, SEED_FIXTURE_DIR, seedResultsDir } from '../support/seedResults';

const HEADER = 'Architecture,Memory,Workers,sk,cores,proc_time';

function importError(text: string, file = 'Lambda_1024_2_arm64.csv'): CsvImportError {
  try {
    parseSeedCsv(text, file);
  } catch (error) {
    assert.ok(error instanceof CsvImportError, `expected a CsvImportError, got ${String(error)}`);
    return error;
  }
  assert.fail('the malformed CSV was accepted');
}

/** Reads a study folder both ways; every per-configuration file must agree with its AggregatedResults.csv row. */
function checkImportsAgree(dir: string, perConfigurationFiles: number): void {
  const files = readdirSync(dir).filter((name) => /^Lambda_\d+_\d+_(arm64|x86_64)\.csv$/.test(name));
  assert.equal(files.length, perConfigurationFiles);
  const records = files.flatMap((name) => parseSeedInvocationsCsv(readFileSync(path.join(dir, name), 'utf8'), name));
  assert.equal(records.length, perConfigurationFiles * 190);
  const perInvocation = summarizeConfigurations(records);
  const aggregated = summarizeAggregates(parseSeedAggregatedCsv(readFileSync(path.join(dir, 'AggregatedResults.csv'), 'utf8'), 'AggregatedResults.csv'));
  assert.equal(perInvocation.length, perConfigurationFiles);
  // AggregatedResults.csv is kept whole in the fixture too: all 492 configurations.
  assert.equal(aggregated.length, 492);
  const byKey = new Map(aggregated.map((c) => [configIdentityKey(c), c]));
  for (const config of perInvocation) {
    const other = byKey.get(configIdentityKey(config));
    assert.ok(other, `AggregatedResults.csv lacks ${configIdentityKey(config)}`);
    assert.equal(config.n, 190);
    assert.ok(Math.abs(config.meanMs - other.meanMs) <= 1e-9 * other.meanMs, `${configIdentityKey(config)}: ${config.meanMs} vs ${other.meanMs}`);
    assert.equal(config.cores, other.cores);
  }
}

describe('seed CSV import', () => {
  it('reads a per-configuration file: seconds become ms, strategy batch, BOM and CRLF tolerated', () => {
    const text = `\uFEFF${HEADER}\r\narm64,1024,2,20221224_045927,2,13.5\r\narm64,1024,2,20221224_050126,2,13.75\r\n\r\n`;
    const records = parseSeedInvocationsCsv(text, 'Lambda_1024_2_arm64.csv');
    assert.equal(records.length, 2);
    assert.equal(records[0].processingMs, 13500);
    assert.equal(records[1].processingMs, 13750);
    assert.equal(records[0].strategy, 'batch');
    assert.equal(records[0].threads, 2);
    assert.equal(records[0].cores, 2);
    assert.equal(records[0].startedAt, '2022-12-24T04:59:27Z');
    assert.equal(records[0].billedMs, null);
    assert.equal(records[1].rep, 2);
  });

  it('reads AggregatedResults rows as means in ms', () => {
    const rows = parseSeedAggregatedCsv('Architecture,Memory,Workers,cores,avg_proc_time\nx86_64,2048,1,2,12.5\n', 'AggregatedResults.csv');
    assert.deepEqual(
      rows.map((r) => [r.arch, r.memoryMB, r.threads, r.cores, r.meanMs]),
      [['x86_64', 2048, 1, 2, 12500]],
    );
  });

  it('a missing column gives one message naming the file, line 1 and the column', () => {
    const error = importError('Architecture,Memory,Workers,sk,cores\narm64,1024,2,x,2\n');
    assert.match(error.message, /^Lambda_1024_2_arm64\.csv:1: missing column "proc_time"/);
    assert.equal(error.line, 1);
    assert.equal(error.message.split('\n').length, 1);
  });

  it('a non-number names the file, the line, the column and the value', () => {
    const error = importError(`${HEADER}\narm64,1024,2,a,2,13.1\narm64,1024,2,b,2,abc\n`);
    assert.match(error.message, /^Lambda_1024_2_arm64\.csv:3: column "proc_time" is "abc", not a number/);
    const memory = importError(`${HEADER}\narm64,10x,2,a,2,13.1\n`);
    assert.match(memory.message, /:2: column "Memory" is "10x"/);
    const negative = importError(`${HEADER}\narm64,1024,2,a,2,-1\n`);
    assert.match(negative.message, /:2: column "proc_time" is "-1"/);
  });

  it('empty files, header-only files, short rows and unknown architectures are refused clearly', () => {
    assert.match(importError('').message, /^Lambda_1024_2_arm64\.csv:1: the file is empty/);
    assert.match(importError('\r\n\r\n').message, /:1: the file is empty/);
    assert.match(importError(`${HEADER}\n`).message, /:2: the file has a header but no data rows/);
    assert.match(importError(`${HEADER}\narm64,1024,2,a,2\n`).message, /:2: expected 6 comma-separated values .* but found 5/);
    assert.match(importError(`${HEADER}\narm,1024,2,a,2,1\n`).message, /:2: column "Architecture" is "arm"; expected arm64 or x86_64/);
    assert.match(
      importError('Architecture,Memory,Workers,cores\narm64,1,1,1\n', 'AggregatedResults.csv').message,
      /^AggregatedResults\.csv:1: missing columns? .*"proc_time"/,
    );
    assert.match(
      importError('Architecture,Memory,Workers,avg_proc_time\narm64,1,1,1\n', 'AggregatedResults.csv').message,
      /^AggregatedResults\.csv:1: missing column "cores"/,
    );
  });

  it('a folder with one malformed CSV: that file is set aside with its file and line, the rest is analysed', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'llab-csv-'));
    try {
      writeFileSync(path.join(dir, 'Lambda_128_1_arm64.csv'), `${HEADER}\narm64,128,1,a,2,110.1\n`);
      writeFileSync(path.join(dir, 'Lambda_256_1_arm64.csv'), `${HEADER}\narm64,256,1,a,2,55\narm64,256,1,b,2,fifty\n`);
      const input = loadAnalysisInput([dir]);
      assert.equal(input.records.length, 1);
      assert.deepEqual(input.unusableFiles, [path.join(dir, 'Lambda_256_1_arm64.csv')]);
      assert.ok(
        input.warnings.includes(
          `${path.join(dir, 'Lambda_256_1_arm64.csv')}:3: column "proc_time" is "fifty", not a number >= 0. Fix or delete that line and import again.`,
        ),
        input.warnings.join('\n'),
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('splits quoted fields written by our own export', () => {
    assert.deepEqual(splitCsvLine('a,"b, c","say ""hi""",'), ['a', 'b, c', 'say "hi"', '']);
  });

  it("on the study's 1-thread data (fixture), per-configuration and AggregatedResults imports agree (means equal)", () => {
    checkImportsAgree(SEED_FIXTURE_DIR, SEED_FIXTURE.perConfigurationFiles);
  });

  const fullStudy = seedResultsDir();
  if (fullStudy)
    it(`on the ${FULL_STUDY} (492 configurations), per-configuration and AggregatedResults imports agree (means equal)`, () => {
      checkImportsAgree(fullStudy, 492);
    });
});
