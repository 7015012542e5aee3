// The planning half of sweeps that choose their memory sizes (src/core/memoryRefinement.ts).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildPairPlan, coarseMemoryDesign, nearestCandidate, nextSizeFor, planRefinementRound } from '../../src/core/memoryRefinement';
import { invocationKey } from '../../src/core/sweepPlan';

const studyGrid = [128, ...Array.from({ length: 40 }, (_, i) => 256 * (i + 1))];

test('nearestCandidate picks the closest size, the smaller on a tie', () => {
  assert.equal(nearestCandidate([1024, 1280, 1536], 1400), 1280);
  assert.equal(nearestCandidate([1024, 1280], 1152), 1024);
});

test('the coarse design covers each thread count up to one vCPU past its model knee, every half vCPU', () => {
  const design = coarseMemoryDesign(studyGrid, [1, 3]);
  const sizesFor = (threads: number) => design.filter((a) => a.threads.includes(threads)).map((a) => a.memoryMB);
  // 1 thread: 885, 1769, 2654, 3538 MB snapped to the 256 MB grid.
  assert.deepEqual(sizesFor(1), [768, 1792, 2560, 3584]);
  // 3 threads reach 4 × 1769 = 7076 MB: eight half-vCPU steps.
  assert.deepEqual(sizesFor(3), [768, 1792, 2560, 3584, 4352, 5376, 6144, 7168]);
  assert.ok(design.every((a) => /coarse design/.test(a.reason)));
});

test('a knee bracket wider than the resolution is split at its middle', () => {
  const next = nextSizeFor({ threads: 2, tested: [1792, 2560, 3584, 4352], kneeMB: 3584, reachedInRange: true }, studyGrid, 256);
  assert.equal(next?.memoryMB, 3072);
  assert.match(next!.reason, /between 2560 MB \(still getting faster\) and 3584 MB \(on the plateau\)/);
});

test('a bracket within the resolution is pinned: nothing more to test', () => {
  assert.equal(nextSizeFor({ threads: 1, tested: [1536, 1792, 2560, 3584], kneeMB: 1792, reachedInRange: true }, studyGrid, 256), null);
  // A coarser resolution stops earlier.
  assert.equal(nextSizeFor({ threads: 2, tested: [2560, 3584, 4352], kneeMB: 3584, reachedInRange: true }, studyGrid, 1024), null);
});

test('time still falling at the largest size asks for a larger one, until the grid ends', () => {
  const next = nextSizeFor({ threads: 6, tested: [7168, 8960], kneeMB: 8960, reachedInRange: false }, studyGrid, 256);
  assert.ok(next && next.memoryMB > 8960);
  assert.match(next.reason, /not yet on a plateau/);
  assert.equal(nextSizeFor({ threads: 6, tested: [9984, 10240], kneeMB: 10240, reachedInRange: false }, studyGrid, 256), null);
});

test('a knee at the smallest size tested looks lower; a plateau resting on one size asks for a second', () => {
  const lower = nextSizeFor({ threads: 1, tested: [1792, 2560, 3584], kneeMB: 1792, reachedInRange: true }, studyGrid, 256);
  assert.ok(lower && lower.memoryMB < 1792);
  const confirm = nextSizeFor({ threads: 2, tested: [1792, 2560, 3584], kneeMB: 3584, reachedInRange: true }, studyGrid, 256);
  assert.ok(confirm && confirm.memoryMB > 3584);
});

test('one round groups the thread counts that want the same size and skips sizes already tested', () => {
  const additions = planRefinementRound(
    [
      { threads: 1, tested: [768, 1792, 2560], kneeMB: 1792, reachedInRange: true },
      { threads: 2, tested: [2560, 3584, 4352], kneeMB: 3584, reachedInRange: true },
    ],
    studyGrid,
    256,
  );
  assert.deepEqual(
    additions.map((a) => [a.memoryMB, a.threads]),
    [
      [1280, [1]],
      [3072, [2]],
    ],
  );
  assert.throws(() => planRefinementRound([], studyGrid, 0), /resolution must be a positive/);
});

test("the pair plan measures only the chosen pairs, in complete blocks, with the engine's keys", () => {
  const a = { functionName: 'llab-x-1024-arm64', arch: 'arm64' as const, memoryMB: 1024 };
  const b = { functionName: 'llab-x-2048-arm64', arch: 'arm64' as const, memoryMB: 2048 };
  const plan = buildPairPlan({
    pairs: [
      { fn: a, threads: 1 },
      { fn: a, threads: 2 },
      { fn: b, threads: 2 },
    ],
    strategies: ['batch'],
    repetitions: 3,
    seed: 5,
  });
  assert.equal(plan.warmups.length, 2);
  assert.equal(plan.warmups.find((w) => w.functionName === b.functionName)?.threads, 2);
  assert.equal(plan.measured.length, 9);
  assert.ok(!plan.measured.some((p) => p.functionName === b.functionName && p.threads === 1));
  for (let block = 0; block < 3; block++) assert.ok(plan.measured.slice(block * 3, block * 3 + 3).every((p) => p.rep === block + 1));
  assert.equal(plan.measured[0].key, invocationKey(plan.measured[0]));
  assert.deepEqual(
    buildPairPlan({
      pairs: [
        { fn: a, threads: 1 },
        { fn: a, threads: 2 },
        { fn: b, threads: 2 },
      ],
      strategies: ['batch'],
      repetitions: 3,
      seed: 5,
    }),
    plan,
  );
});
