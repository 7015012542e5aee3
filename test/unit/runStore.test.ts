import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { InvocationRecord } from '../../src/core/invocationRecord';
import { INVOCATIONS_FILE, RUN_FILE, RUN_FORMAT_VERSION, parseInvocationsJsonl, type RunMetadata } from '../../src/core/runFiles';
import { RunStore } from '../../src/sweep/runStore';

const created: string[] = [];
after(() => {
  for (const dir of created) fs.rmSync(dir, { recursive: true, force: true });
});

function tempDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'llab-runstore-'));
  created.push(dir);
  return dir;
}

function meta(runId: string): RunMetadata {
  return {
    formatVersion: RUN_FORMAT_VERSION,
    runId,
    experimentId: 'test',
    target: { kind: 'local', endpoint: 'http://127.0.0.1:1' },
    region: 'us-east-1',
    plan: {
      functions: [{ functionName: 'f', arch: 'x86_64', memoryMB: 512 }],
      threadCounts: [1],
      strategies: ['pool'],
      repetitions: 3,
      seed: 1,
      items: 4,
      cost: 6,
      concurrency: 1,
      plannedInvocations: 4,
    },
    seed: 1,
    adaptive: null,
    maxCostUsd: null,
    templateHash: null,
    extensionVersion: '0.0.0',
    cpuLimit: 'none',
    startedAt: new Date().toISOString(),
    updatedAt: new Date().toISOString(),
    status: 'running',
    statusReason: null,
    estimatedCostUsd: null,
    costSoFarUsd: 0,
    configStops: [],
  };
}

function record(rep: number, warmup = false): InvocationRecord {
  return {
    runId: 'r1',
    functionName: 'f',
    arch: 'x86_64',
    memoryMB: 512,
    threads: 1,
    strategy: 'pool',
    rep,
    warmup,
    coldStart: warmup,
    processingMs: 100 + rep,
    durationMs: 110,
    billedMs: 111,
    initMs: warmup ? 80 : null,
    maxMemoryMB: 60,
    cores: 2,
    cpuModel: 'cpu',
    error: null,
    retries: 0,
    startedAt: '2026-01-01T00:00:00.000Z',
    endedAt: '2026-01-01T00:00:01.000Z',
  };
}

function fileLines(dir: string): string[] {
  const text = fs.readFileSync(path.join(dir, INVOCATIONS_FILE), 'utf8');
  assert.ok(text === '' || text.endsWith('\n'), 'the file ends with a newline');
  return text.split('\n').filter((l) => l !== '');
}

test('each record is in the file as soon as append returns, while the store stays open (what a kill -9 would leave)', () => {
  const dir = tempDir();
  const store = RunStore.create(dir, meta('r1'));
  try {
    for (let rep = 0; rep < 5; rep++) {
      store.append(record(rep, rep === 0));
      // Read by path, as another process (or the next open after a crash) would.
      const lines = fileLines(dir);
      assert.equal(lines.length, rep + 1);
      assert.deepEqual(JSON.parse(lines[rep]), record(rep, rep === 0));
    }
  } finally {
    store.close();
  }
  assert.throws(() => store.append(record(9)), /closed/);
  assert.equal(RunStore.open(dir, { readOnly: true }).invocations.length, 5);
});

test('records are appended one line each and read back in order', () => {
  const dir = tempDir();
  const store = RunStore.create(dir, meta('r1'));
  store.append(record(0, true));
  store.append(record(1));
  const lines = fileLines(dir);
  assert.equal(lines.length, 2);
  assert.deepEqual(JSON.parse(lines[1]), record(1));
  const reopened = RunStore.open(dir, { readOnly: true });
  assert.deepEqual(reopened.invocations, [record(0, true), record(1)]);
  assert.deepEqual(reopened.warnings, []);
  assert.ok(reopened.has('f|warmup'));
  assert.ok(reopened.has('f|t1|pool|r1'));
  assert.ok(!reopened.has('f|t1|pool|r2'));
  assert.equal(JSON.parse(fs.readFileSync(path.join(dir, RUN_FILE), 'utf8')).runId, 'r1');
});

test('a torn last line is reported, cut off, and the next record starts on a fresh line', () => {
  const dir = tempDir();
  const store = RunStore.create(dir, meta('r1'));
  store.append(record(1));
  store.append(record(2));
  const full = JSON.stringify(record(3));
  fs.appendFileSync(path.join(dir, INVOCATIONS_FILE), full.slice(0, 40)); // crash mid-write
  store.close();
  const reopened = RunStore.open(dir);
  assert.equal(reopened.invocations.length, 2);
  assert.equal(reopened.warnings.length, 1);
  assert.match(reopened.warnings[0], /line 3: the last line is incomplete/);
  assert.ok(!reopened.has('f|t1|pool|r3'), 'the torn record will run again');
  reopened.append(record(3));
  const lines = fileLines(dir);
  assert.equal(lines.length, 3);
  for (const line of lines) JSON.parse(line); // every line is valid JSON
  assert.deepEqual(RunStore.open(dir, { readOnly: true }).warnings, [], 'after repair the file is clean');
});

test('a complete last line without its newline is kept and the newline added', () => {
  const dir = tempDir();
  RunStore.create(dir, meta('r1')).close();
  fs.appendFileSync(path.join(dir, INVOCATIONS_FILE), JSON.stringify(record(1)));
  const reopened = RunStore.open(dir);
  assert.equal(reopened.invocations.length, 1);
  reopened.append(record(2));
  assert.equal(fileLines(dir).length, 2);
});

test('duplicates are refused on append and the first is kept when reading', () => {
  const dir = tempDir();
  const store = RunStore.create(dir, meta('r1'));
  store.append(record(1));
  assert.throws(() => store.append(record(1)), /already recorded/);
  assert.equal(fileLines(dir).length, 1);
  fs.appendFileSync(path.join(dir, INVOCATIONS_FILE), `${JSON.stringify({ ...record(1), processingMs: 999 })}\n`);
  const reopened = RunStore.open(dir, { readOnly: true });
  assert.equal(reopened.invocations.length, 1);
  assert.equal(reopened.invocations[0].processingMs, 101);
  assert.match(reopened.warnings[0], /a second record for f\|t1\|pool\|r1/);
});

test('corrupt complete lines in the middle are reported with their line number and skipped', () => {
  const parsed = parseInvocationsJsonl(`${JSON.stringify(record(1))}\nnot json\n{"runId":"x"}\n${JSON.stringify(record(2))}\n`, 'inv.jsonl');
  assert.equal(parsed.records.length, 2);
  assert.equal(parsed.warnings.length, 2);
  assert.match(parsed.warnings[0], /inv\.jsonl line 2: not valid JSON/);
  assert.match(parsed.warnings[1], /inv\.jsonl line 3: field "functionName" is missing/);
});

test('a new run refuses a folder that already holds one; opening a folder without a run says what to pass', () => {
  const dir = tempDir();
  RunStore.create(dir, meta('r1')).close();
  assert.throws(() => RunStore.create(dir, meta('r2')), /already holds a run. Resume it with --resume/);
  assert.throws(() => RunStore.open(tempDir()), /No run found in .*run\.json is missing/);
});

test('metadata updates are written whole', () => {
  const dir = tempDir();
  const store = RunStore.create(dir, meta('r1'));
  store.updateMetadata({ status: 'completed', costSoFarUsd: 0.5 });
  const onDisk = JSON.parse(fs.readFileSync(path.join(dir, RUN_FILE), 'utf8')) as RunMetadata;
  assert.equal(onDisk.status, 'completed');
  assert.equal(onDisk.costSoFarUsd, 0.5);
  assert.equal(fs.readdirSync(dir).filter((f) => f.endsWith('.tmp')).length, 0);
});

test('reader rule: a later record supersedes an earlier error for the same key; a success is never superseded', () => {
  const failed = { ...record(1), error: 'ServiceException: boom', processingMs: null, billedMs: null };
  const failedAgain = { ...failed, error: 'TooManyRequestsException: again' };
  const retried = { ...record(1), processingMs: 555 };
  const line = (r: InvocationRecord) => `${JSON.stringify(r)}\n`;

  const retriedOk = parseInvocationsJsonl(line(failed) + line(record(2)) + line(retried));
  assert.deepEqual(retriedOk.records, [record(2), retried], 'the successful retry counts, in file order');
  assert.deepEqual(retriedOk.superseded, [failed]);
  assert.deepEqual(retriedOk.warnings, [], 'a retry is not a fault');

  const retriedFailed = parseInvocationsJsonl(line(failed) + line(failedAgain));
  assert.deepEqual(retriedFailed.records, [failedAgain], 'the latest attempt counts');

  const errorAfterSuccess = parseInvocationsJsonl(line(record(1)) + line(failed));
  assert.deepEqual(errorAfterSuccess.records, [record(1)], 'a success is kept over a later error');
  assert.equal(errorAfterSuccess.superseded.length, 0);
  assert.match(errorAfterSuccess.warnings[0], /a second record for f\|t1\|pool\|r1; the first one is kept/);
});

test('append supersedes an error record with a new attempt (append-only file) and refuses to supersede a success', () => {
  const dir = tempDir();
  const store = RunStore.create(dir, meta('r1'));
  const failed = { ...record(1), error: 'boom', processingMs: null };
  store.append(failed);
  store.append(record(2));
  store.append(record(1));
  assert.equal(fileLines(dir).length, 3, 'both attempts stay in the file');
  assert.deepEqual(store.invocations, [record(2), record(1)]);
  assert.deepEqual(store.supersededInvocations, [failed]);
  assert.throws(() => store.append({ ...record(1), processingMs: 1 }), /already recorded/);
  store.close();
  const reopened = RunStore.open(dir, { readOnly: true });
  assert.deepEqual(reopened.invocations, [record(2), record(1)]);
  assert.deepEqual(reopened.supersededInvocations, [failed]);
});
