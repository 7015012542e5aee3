// The study replay's answers (src/core/studyReplay.ts): recorded times only, seeded, and clear
// errors for configurations the study did not measure.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { InvocationRecord } from '../../src/core/invocationRecord';
import { StudyReplay, UnknownReplayConfigurationError } from '../../src/core/studyReplay';

function record(memoryMB: number, threads: number, processingMs: number, extra: Partial<InvocationRecord> = {}): InvocationRecord {
  return {
    runId: 'seed',
    functionName: `Lambda_${memoryMB}_${threads}_arm64`,
    arch: 'arm64',
    memoryMB,
    threads,
    strategy: 'batch',
    rep: 1,
    warmup: false,
    coldStart: false,
    processingMs,
    durationMs: null,
    billedMs: null,
    initMs: null,
    maxMemoryMB: null,
    cores: 2,
    cpuModel: null,
    error: null,
    retries: 0,
    startedAt: '',
    endedAt: '',
    ...extra,
  };
}

const records = [
  record(1024, 1, 100),
  record(1024, 1, 110),
  record(1024, 1, 120),
  record(1024, 1, 999, { error: 'boom' }),
  record(1024, 1, 5000, { coldStart: true }),
  record(2048, 1, 60),
  record(2048, 2, 55),
];

test('answers with one of the recorded warm, successful times of that configuration', () => {
  const replay = new StudyReplay(records, 42);
  const seen = new Set<number>();
  for (let i = 0; i < 200; i++) seen.add(replay.draw('arm64', 1024, 1).processingMs);
  assert.deepEqual(
    [...seen].sort((a, b) => a - b),
    [100, 110, 120],
  );
  assert.equal(replay.recordCount, 5);
});

test('the same seed gives the same answers', () => {
  const draws = (seed: number) => {
    const replay = new StudyReplay(records, seed);
    return Array.from({ length: 20 }, () => replay.draw('arm64', 1024, 1).processingMs);
  };
  assert.deepEqual(draws(7), draws(7));
  assert.notDeepEqual(draws(7), draws(8));
});

test('an unmeasured memory size, thread count or architecture is refused, naming what exists', () => {
  const replay = new StudyReplay(records, 1);
  assert.throws(
    () => replay.draw('arm64', 1536, 1),
    (error: unknown) => error instanceof UnknownReplayConfigurationError && /did not measure arm64 at 1536 MB.*1024, 2048 MB/.test((error as Error).message),
  );
  assert.throws(() => replay.draw('arm64', 1024, 4), /with 4 thread\(s\). Measured thread counts there: 1/);
  assert.throws(() => replay.checkFunction('x86_64', 1024), /no x86_64 measurements; it has arm64/);
  assert.deepEqual(replay.memorySizes('arm64'), [1024, 2048]);
});
