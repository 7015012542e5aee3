import test from 'node:test';
import assert from 'node:assert/strict';
import { parseReportLine } from '../../src/core/reportLine';
import { billedDurationMs, formatReportLine, logTailBase64 } from '../../src/localEndpoint/lambdaLogLines';

test('REPORT line matches the AWS format exactly, Init Duration only on cold starts', () => {
  const cold = formatReportLine({ requestId: 'r-1', durationMs: 7, memorySizeMB: 128, maxMemoryUsedMB: 36.4, initDurationMs: 139.19 });
  assert.equal(
    cold,
    'REPORT RequestId: r-1\tDuration: 7.00 ms\tBilled Duration: 147 ms\tMemory Size: 128 MB\tMax Memory Used: 36 MB\tInit Duration: 139.19 ms\t',
  );
  const warm = formatReportLine({ requestId: 'r-2', durationMs: 7.001, memorySizeMB: 128, maxMemoryUsedMB: 36, initDurationMs: null });
  assert.equal(warm, 'REPORT RequestId: r-2\tDuration: 7.00 ms\tBilled Duration: 8 ms\tMemory Size: 128 MB\tMax Memory Used: 36 MB\t');
  const parsed = parseReportLine(cold);
  assert.equal(parsed.coldStart, true);
  assert.equal(parsed.billedMs, 147);
  assert.equal(parseReportLine(warm).initDurationMs, null);
  const timeout = formatReportLine({ requestId: 'r-3', durationMs: 1000.5, memorySizeMB: 256, maxMemoryUsedMB: 40, initDurationMs: null, status: 'timeout' });
  assert.ok(timeout.endsWith('Status: timeout\t'));
  assert.equal(parseReportLine(timeout).durationMs, 1000.5);
});

test('billed duration rounds up and includes INIT on cold starts (AWS since 2025-08-01)', () => {
  assert.equal(billedDurationMs(0.2, null), 1);
  assert.equal(billedDurationMs(100, null), 100);
  assert.equal(billedDurationMs(100.01, null), 101);
  assert.equal(billedDurationMs(100.5, 50.6), 152);
});

test('log tail keeps the last 4 KB', () => {
  const lines = Array.from({ length: 200 }, (_, i) => `line ${i} ${'x'.repeat(40)}`);
  lines.push('REPORT RequestId: r\tDuration: 1.00 ms\t');
  const tail = Buffer.from(logTailBase64(lines), 'base64');
  assert.equal(tail.length, 4096);
  assert.ok(tail.toString('utf8').endsWith('REPORT RequestId: r\tDuration: 1.00 ms\t\n'));
  assert.equal(Buffer.from(logTailBase64(['a', 'b']), 'base64').toString('utf8'), 'a\nb\n');
});
