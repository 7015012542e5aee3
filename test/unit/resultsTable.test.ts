import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { config } from './resultsFixtures';
import type { AnalysisResult } from '../../src/core/analysis/analysisTypes';
import { formatDemoSummary } from '../../src/cli/demoCli';
import { csvCell, CSV_FIELDS, CSV_HEADERS, formatMs, formatUsd, sortRows, tableColumns, tableToCsv, type TableRow } from '../../media/results/tableModel';

const rows: TableRow[] = [
  { runLabel: 'A', config: config({ memoryMB: 2048, meanMs: 50, speedup: null }) },
  { runLabel: 'A', config: config({ memoryMB: 1024, meanMs: 100 }) },
  { runLabel: 'A', config: config({ memoryMB: 512, meanMs: 200, speedup: 1.5 }) },
];

describe('summary table model', () => {
  it('adds the Run column only when comparing', () => {
    assert.equal(tableColumns(false)[0].id, 'arch');
    assert.equal(tableColumns(true)[0].id, 'run');
    assert.equal(tableColumns(true).length, tableColumns(false).length + 1);
  });

  it('sorts numerically both ways, keeping missing values last', () => {
    const mean = tableColumns(false).find((c) => c.id === 'meanMs')!;
    assert.deepEqual(
      sortRows(rows, mean, 'ascending').map((r) => r.config.meanMs),
      [50, 100, 200],
    );
    assert.deepEqual(
      sortRows(rows, mean, 'descending').map((r) => r.config.meanMs),
      [200, 100, 50],
    );
    const speedup = tableColumns(false).find((c) => c.id === 'speedup')!;
    assert.deepEqual(
      sortRows(rows, speedup, 'ascending').map((r) => r.config.speedup),
      [1, 1.5, null],
    );
    assert.deepEqual(
      sortRows(rows, speedup, 'descending').map((r) => r.config.speedup),
      [1.5, 1, null],
    );
    assert.equal(rows[0].config.memoryMB, 2048, 'input not mutated');
  });

  it('formats times and tiny costs readably', () => {
    assert.equal(formatMs(7901.4), '7,901');
    assert.equal(formatMs(12.345), '12.3');
    assert.equal(formatMs(null), '–');
    assert.equal(formatUsd(0.0000017), '$0.00000170');
    assert.equal(formatUsd(0.25), '$0.2500');
  });

  it('exports CSV with the stable field names, full precision, in the order shown', () => {
    const csv = tableToCsv(sortRows(rows, tableColumns(false)[2], 'ascending'), false);
    const lines = csv.split('\r\n');
    assert.equal(lines[0], CSV_FIELDS.map((field) => CSV_HEADERS[field] ?? field).join(','));
    assert.equal(lines.length, 5, 'header, three rows, trailing newline');
    assert.equal(lines[3], lines.at(-2));
    assert.match(lines[1], /^arm64,512,1,pool,10,1,0,200,/);
    assert.ok(lines[1].includes(',0.0000017,'), 'cost keeps full precision');
    assert.match(lines[3], /^arm64,2048,1,pool,10,1,0,50,99,110,5,97,103,,0.98,/, 'null speedup is an empty cell');
  });

  it('exports the mean’s 95% interval as the table shows it: clamped at 0, empty with n<3, and the header says so', () => {
    const csv = tableToCsv(
      [
        { runLabel: 'A', config: config({ memoryMB: 128, n: 2, meanMs: 93, ciLowMs: -229, ciHighMs: 416 }) },
        { runLabel: 'A', config: config({ memoryMB: 256, n: 3, meanMs: 8, ciLowMs: -5, ciHighMs: 21 }) },
        { runLabel: 'A', config: config({ memoryMB: 512, n: 10, ciLowMs: 97, ciHighMs: 103 }) },
      ],
      false,
    ).split('\r\n');
    const header = csv[0].split(',');
    const low = header.indexOf('meanCi95LowMs (clamped at 0; empty if n<3)');
    const high = header.indexOf('meanCi95HighMs (empty if n<3)');
    assert.ok(low >= 0 && high === low + 1, csv[0]);
    const cells = csv.slice(1, 4).map((line) => line.split(',').slice(low, high + 1));
    assert.deepEqual(cells, [
      ['', ''],
      ['0', '21'],
      ['97', '103'],
    ]);
  });

  it('exports which payload each row measured when a compared run sent several (the two runs may show different payloads)', () => {
    const csv = tableToCsv(
      [
        { runLabel: 'template', config: config({}) },
        { runLabel: 'own', config: config({}), payload: 'big.json' },
      ],
      true,
    ).split('\r\n');
    assert.ok(csv[0].startsWith('run,payload,arch,'), csv[0]);
    assert.ok(csv[1].startsWith('template,,arm64,'), csv[1]);
    assert.ok(csv[2].startsWith('own,big.json,arm64,'), csv[2]);
  });

  it('quotes commas and quotes, and defuses spreadsheet formulas in labels', () => {
    assert.equal(csvCell('a,b'), '"a,b"');
    assert.equal(csvCell('say "hi"'), '"say ""hi"""');
    assert.equal(csvCell('=HYPERLINK("x")'), `"'=HYPERLINK(""x"")"`);
    assert.equal(csvCell(Number.NaN), '');
    const csv = tableToCsv([{ runLabel: 'x86, pool', config: config({}) }], true);
    assert.ok(csv.startsWith('run,arch,'));
    assert.ok(csv.split('\r\n')[1].startsWith('"x86, pool",arm64,'));
  });
});

describe('lambda-lab demo summary table', () => {
  it('shows the mean’s 95% interval as the other reports do: clamped at 0, none with n<3', () => {
    const analysis: AnalysisResult = {
      configs: [
        config({ memoryMB: 128, n: 2, meanMs: 93, ciLowMs: -229, ciHighMs: 416 }),
        config({ memoryMB: 256, n: 3, meanMs: 8, ciLowMs: -5, ciHighMs: 21 }),
      ],
      knee: [],
      recommendations: { fastest: null, cheapest: null, balanced: null, pareto: [] },
      warnings: [],
    };
    const [, , small, larger] = formatDemoSummary(analysis, '1 vCPU per 1769 MB').split('\n');
    assert.match(small, /^128 .* 93 \(n<3\)/);
    assert.match(larger, /^256 .* 8 \(0–21\)/);
  });
});
