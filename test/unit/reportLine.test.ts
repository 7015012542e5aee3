import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ReportLineError, findReportLine, parseReportLine } from '../../src/core/reportLine';
import { createSeededRandom } from '../../src/core/seededRandom';

const AWS_COLD =
  'REPORT RequestId: 3f5c2a1e-8b7d-4c1a-9e2f-0a1b2c3d4e5f\tDuration: 7.00 ms\tBilled Duration: 147 ms\tMemory Size: 128 MB\tMax Memory Used: 36 MB\tInit Duration: 139.19 ms\t';
const AWS_WARM =
  'REPORT RequestId: 9a8b7c6d-0000-4000-8000-123456789abc\tDuration: 1234.56 ms\tBilled Duration: 1235 ms\tMemory Size: 1769 MB\tMax Memory Used: 88 MB\t';

function reportError(run: () => unknown): ReportLineError {
  try {
    run();
  } catch (error) {
    assert.ok(error instanceof ReportLineError, `expected ReportLineError, got ${String(error)}`);
    return error;
  }
  assert.fail('expected a ReportLineError');
}

describe('parseReportLine', () => {
  it('reads an AWS cold-start line (tab separated, trailing tab)', () => {
    assert.deepEqual(parseReportLine(AWS_COLD), {
      requestId: '3f5c2a1e-8b7d-4c1a-9e2f-0a1b2c3d4e5f',
      durationMs: 7,
      billedMs: 147,
      memorySizeMB: 128,
      maxMemoryUsedMB: 36,
      initDurationMs: 139.19,
      coldStart: true,
    });
  });

  it('a warm line has no Init Duration and is not a cold start', () => {
    const line = parseReportLine(AWS_WARM);
    assert.equal(line.initDurationMs, null);
    assert.equal(line.coldStart, false);
    assert.equal(line.durationMs, 1234.56);
    assert.equal(line.billedMs, 1235);
    assert.equal(line.memorySizeMB, 1769);
  });

  it('reads emulator lines: spaces instead of tabs, Init Duration first', () => {
    // The shape the Runtime Interface Emulator (SAM local) prints.
    const line = parseReportLine(
      'REPORT RequestId: 8e3f1c2d-aaaa Init Duration: 0.51 ms Duration: 121.20 ms Billed Duration: 122 ms Memory Size: 3008 MB Max Memory Used: 3008 MB',
    );
    assert.equal(line.requestId, '8e3f1c2d-aaaa');
    assert.equal(line.initDurationMs, 0.51);
    assert.equal(line.durationMs, 121.2);
    assert.equal(line.billedMs, 122);
    assert.equal(line.maxMemoryUsedMB, 3008);
    assert.equal(line.coldStart, true);
  });

  it('any field order, units glued to numbers, a log prefix before REPORT', () => {
    const line = parseReportLine(
      '2024-05-01T10:00:00Z REPORT RequestId: r-1  Max Memory Used: 50MB  Memory Size: 512MB  Billed Duration: 9ms  Duration: 8.5ms',
    );
    assert.deepEqual(line, { requestId: 'r-1', durationMs: 8.5, billedMs: 9, memorySizeMB: 512, maxMemoryUsedMB: 50, initDurationMs: null, coldStart: false });
  });

  it('ignores fields it does not know (SnapStart, X-Ray)', () => {
    const line = parseReportLine(
      `${AWS_WARM}Restore Duration: 300.00 ms\tBilled Restore Duration: 120 ms\t\nXRAY TraceId: 1-abc\tSegmentId: def\tSampled: true`,
    );
    assert.equal(line.billedMs, 1235);
    assert.equal(line.coldStart, false);
  });

  it('names every missing field', () => {
    const error = reportError(() => parseReportLine('REPORT RequestId: abc\tDuration: 7.00 ms\tMemory Size: 128 MB\t'));
    assert.deepEqual(error.missing, ['Billed Duration', 'Max Memory Used']);
    assert.match(error.message, /^REPORT line is missing Billed Duration, Max Memory Used: REPORT RequestId: abc/);
  });

  it('Duration is not mistaken for Billed or Init Duration', () => {
    const error = reportError(() =>
      parseReportLine('REPORT RequestId: abc\tBilled Duration: 8 ms\tInit Duration: 1 ms\tMemory Size: 128 MB\tMax Memory Used: 36 MB'),
    );
    assert.deepEqual(error.missing, ['Duration']);
  });

  it('names a field with an unreadable value', () => {
    const bad = reportError(() =>
      parseReportLine('REPORT RequestId: abc\tDuration: fast ms\tBilled Duration: 8 ms\tMemory Size: 128 MB\tMax Memory Used: 36 MB'),
    );
    assert.equal(bad.field, 'Duration');
    assert.match(bad.message, /field "Duration" has the value "fast ms", expected a non-negative number of ms/);
    const negative = reportError(() =>
      parseReportLine('REPORT RequestId: abc\tDuration: 7 ms\tBilled Duration: -8 ms\tMemory Size: 128 MB\tMax Memory Used: 36 MB'),
    );
    assert.equal(negative.field, 'Billed Duration');
    const wrongUnit = reportError(() =>
      parseReportLine('REPORT RequestId: abc\tDuration: 7 ms\tBilled Duration: 8 ms\tMemory Size: 128 ms\tMax Memory Used: 36 MB'),
    );
    assert.equal(wrongUnit.field, 'Memory Size');
    assert.match(wrongUnit.message, /expected a non-negative number of MB/);
  });

  it('rejects text that is not a REPORT line', () => {
    for (const text of ['', 'START RequestId: abc Version: $LATEST', 'END RequestId: abc', 'REPORT', 'ed Duration: 8 ms\tMemory Size: 128 MB']) {
      const error = reportError(() => parseReportLine(text));
      assert.match(error.message, /Not a REPORT line/);
    }
  });
});

describe('findReportLine', () => {
  it('returns the last REPORT line of a log tail', () => {
    const tail = [
      'START RequestId: a Version: $LATEST',
      'hello from the function',
      'END RequestId: a',
      AWS_COLD,
      'START RequestId: b Version: $LATEST',
      'END RequestId: b',
      AWS_WARM,
      '',
    ].join('\n');
    const line = findReportLine(tail);
    assert.equal(line?.requestId, '9a8b7c6d-0000-4000-8000-123456789abc');
  });

  it('copes with a tail cut at the start (4 KB limit) and CRLF line ends', () => {
    const tail = `e: 128 MB\tMax Memory Used: 36 MB\tInit Duration: 139.19 ms\t\r\nEND RequestId: x\r\n${AWS_COLD}\r\n`;
    assert.equal(findReportLine(tail)?.coldStart, true);
  });

  it('returns null when there is no REPORT line', () => {
    assert.equal(findReportLine(''), null);
    assert.equal(findReportLine('START RequestId: a\nEND RequestId: a\n'), null);
    // The cut-off remains of a REPORT line are not a REPORT line.
    assert.equal(findReportLine('uration: 8 ms\tMemory Size: 128 MB\tMax Memory Used: 36 MB\t\n'), null);
  });

  it('throws on a malformed last REPORT line rather than using an older one', () => {
    const tail = `${AWS_WARM}\nREPORT RequestId: c\tDuration: 5 ms\n`;
    assert.throws(
      () => findReportLine(tail),
      (error: unknown) => error instanceof ReportLineError && error.missing.includes('Billed Duration'),
    );
  });

  it('finds the same line as splitting the tail into lines and testing each from the end (seeded random tails)', () => {
    const reference = (tail: string) => {
      const lines = tail.split(/\r?\n/);
      for (let i = lines.length - 1; i >= 0; i--) if (/\bREPORT\s+(?=RequestId\s*:)/.test(lines[i])) return parseReportLine(lines[i]);
      return null;
    };
    const random = createSeededRandom(20261201);
    const pieces = [
      AWS_COLD,
      AWS_WARM,
      'REPORT',
      'xREPORT RequestId: a',
      'START RequestId: x',
      'END RequestId: x',
      'log REPORT line',
      '\n',
      '\r\n',
      '\r',
      ' ',
      'a',
    ];
    for (let n = 0; n < 2000; n++) {
      let tail = '';
      const count = Math.floor(random() * 8);
      for (let i = 0; i < count; i++) tail += pieces[Math.floor(random() * pieces.length)];
      const outcome = (find: (t: string) => unknown) => {
        try {
          return { value: find(tail) };
        } catch (error) {
          return { error: (error as Error).message };
        }
      };
      assert.deepEqual(outcome(findReportLine), outcome(reference), JSON.stringify(tail));
    }
  });
});
