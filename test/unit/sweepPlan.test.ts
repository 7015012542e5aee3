import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createSeededRandom } from '../../src/core/seededRandom';
import {
  buildSweepPlan,
  invocationKey,
  MAX_PLANNED_INVOCATIONS,
  planSize,
  planSizeProblem,
  plannedInvocationCount,
  recordKey,
  type SweepPlanInput,
} from '../../src/core/sweepPlan';

const input: SweepPlanInput = {
  functions: [
    { functionName: 'llab-t-512-x86_64', arch: 'x86_64', memoryMB: 512 },
    { functionName: 'llab-t-1769-x86_64', arch: 'x86_64', memoryMB: 1769 },
    { functionName: 'llab-t-3538-x86_64', arch: 'x86_64', memoryMB: 3538 },
  ],
  threadCounts: [1, 2, 4],
  strategies: ['pool', 'batch'],
  repetitions: 5,
  seed: 12345,
};

test('the plan has every (function × threads × strategy × repetition) once, plus one warm-up per function', () => {
  const plan = buildSweepPlan(input);
  assert.equal(plan.warmups.length, 3);
  assert.equal(plan.measured.length, 3 * 3 * 2 * 5);
  assert.equal(planSize(plan), 93);
  const keys = [...plan.warmups, ...plan.measured].map((p) => p.key);
  assert.equal(new Set(keys).size, keys.length, 'keys are unique');
  for (const f of input.functions) {
    for (const threads of input.threadCounts) {
      for (const strategy of input.strategies) {
        for (let rep = 1; rep <= 5; rep++) {
          assert.ok(keys.includes(invocationKey({ functionName: f.functionName, threads, strategy, rep, warmup: false })));
        }
      }
    }
  }
  assert.ok(plan.warmups.every((w) => w.warmup && w.rep === 0 && w.threads === 1 && w.strategy === 'pool'));
  assert.ok(plan.measured.every((m) => !m.warmup && m.rep >= 1));
});

test('the order is deterministic for a seed and differs between seeds', () => {
  const a = buildSweepPlan(input).measured.map((p) => p.key);
  const b = buildSweepPlan(input).measured.map((p) => p.key);
  const c = buildSweepPlan({ ...input, seed: 999 }).measured.map((p) => p.key);
  assert.deepEqual(a, b);
  assert.notDeepEqual(a, c);
  assert.deepEqual([...a].sort(), [...c].sort(), 'same invocations, other order');
});

test('the order is shuffled within each repetition round, and rounds come in order', () => {
  const plan = buildSweepPlan(input);
  const perRound = 3 * 3 * 2;
  for (let round = 0; round < 5; round++) {
    const slice = plan.measured.slice(round * perRound, (round + 1) * perRound);
    assert.ok(
      slice.every((p) => p.rep === round + 1),
      `round ${round + 1} holds only its repetition`,
    );
    assert.equal(new Set(slice.map((p) => p.configKey)).size, perRound, 'every configuration once per round');
  }
  const unshuffled = [];
  for (const f of input.functions) for (const t of input.threadCounts) for (const s of input.strategies) unshuffled.push(`${f.functionName}|t${t}|${s}`);
  const firstRound = plan.measured.slice(0, perRound).map((p) => p.configKey);
  assert.notDeepEqual(firstRound, unshuffled, 'not in nested-loop order');
  const secondRound = plan.measured.slice(perRound, 2 * perRound).map((p) => p.configKey);
  assert.notDeepEqual(firstRound, secondRound, 'each round has its own order');
});

test('record keys read back from JSONL match the plan keys', () => {
  const plan = buildSweepPlan(input);
  const p = plan.measured[7];
  assert.equal(recordKey({ functionName: p.functionName, threads: p.threads, strategy: p.strategy, rep: p.rep, warmup: false }), p.key);
  const w = plan.warmups[1];
  assert.equal(recordKey({ functionName: w.functionName, threads: w.threads, strategy: w.strategy, rep: 0, warmup: true }), w.key);
});

test('the PRNG is reproducible and roughly uniform', () => {
  const r1 = createSeededRandom(42);
  const r2 = createSeededRandom(42);
  const values = Array.from({ length: 10000 }, () => r1());
  assert.deepEqual(
    values.slice(0, 5),
    Array.from({ length: 5 }, () => r2()),
  );
  assert.ok(values.every((v) => v >= 0 && v < 1));
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  assert.ok(Math.abs(mean - 0.5) < 0.02, `mean ${mean}`);
});

test('bad plans are refused with a clear message', () => {
  assert.throws(() => buildSweepPlan({ ...input, functions: [] }), /no functions: deploy the experiment first/);
  assert.throws(() => buildSweepPlan({ ...input, repetitions: 0 }), /Repetitions must be a whole number of at least 1/);
  assert.throws(() => buildSweepPlan({ ...input, threadCounts: [] }), /no thread counts/);
});

test('duplicate functions and thread counts are planned once', () => {
  const plan = buildSweepPlan({ ...input, functions: [input.functions[0], input.functions[0]], threadCounts: [2, 2, 1], strategies: ['pool'], repetitions: 2 });
  assert.equal(plan.warmups.length, 1);
  assert.equal(plan.measured.length, 2 * 2);
  assert.equal(plan.warmups[0].threads, 1);
});

test('plan size is computed by arithmetic and an oversized plan is refused before anything is built', () => {
  assert.equal(plannedInvocationCount({ functions: 3, threadCounts: 4, strategies: 2, repetitions: 5 }), 3 + 3 * 4 * 2 * 5);
  const functions = [{ functionName: 'f', arch: 'x86_64' as const, memoryMB: 1769 }];
  const threadCounts = Array.from({ length: 64 }, (_, i) => i + 1);
  // Number.MAX_SAFE_INTEGER repetitions would never finish building; the refusal comes from the count alone.
  assert.throws(
    () => buildSweepPlan({ functions, threadCounts, strategies: ['pool', 'batch'], repetitions: Number.MAX_SAFE_INTEGER, seed: 1 }),
    /too large: this sweep would make .* invocations .*at most 100,000/,
  );
  const problem = planSizeProblem({ functions: 1, threadCounts: 64, strategies: 1, repetitions: 1_000_000 }, 3_600_000 * 5)!;
  assert.match(problem, /64,000,001 invocations, about 5 h of sweeping .*Use at most 1,562 repetitions/);
  assert.equal(planSizeProblem({ functions: 1, threadCounts: 64, strategies: 1, repetitions: 1562 }, null), null);
  assert.equal(plannedInvocationCount({ functions: 1, threadCounts: 64, strategies: 1, repetitions: 1562 }) <= MAX_PLANNED_INVOCATIONS, true);
});
