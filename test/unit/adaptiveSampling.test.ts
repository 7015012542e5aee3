import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createAdaptiveSampler } from '../../src/core/analysis/adaptiveSampling';
import { simulateAdaptiveSampling } from '../../src/core/analysis/adaptiveSimulation';
import { loadAnalysisInput } from '../../src/runs/analysisFiles';
import { FULL_STUDY, SEED_FIXTURE, SEED_FIXTURE_DIR, seedResultsDir } from '../support/seedResults';

describe('adaptive sampling', () => {
  it('never stops before the minimum, then stops once the CI half-width is under the target', () => {
    const sampler = createAdaptiveSampler({ minRepetitions: 5, targetRelativeHalfWidth: 0.02 });
    const tight = [100, 101, 99, 100.5, 99.5, 100];
    for (let i = 0; i < 4; i++) {
      sampler.observe('a', tight[i]);
      assert.equal(sampler.shouldContinue('a'), true, `stopped after ${i + 1} < 5 reps`);
      assert.equal(sampler.stopReason('a'), null);
    }
    sampler.observe('a', tight[4]);
    assert.equal(sampler.shouldContinue('a'), false);
    assert.match(sampler.stopReason('a')!, /^CI half-width 0\.\d+% < 2% after 5 reps$/);
    assert.equal(sampler.snapshot('a').n, 5);
    // Other configurations are independent.
    assert.equal(sampler.shouldContinue('b'), true);
  });

  it('keeps going while noisy and reports the maximum when it is reached', () => {
    const sampler = createAdaptiveSampler({ minRepetitions: 3, maxRepetitions: 8, targetRelativeHalfWidth: 0.02 });
    const noisy = [100, 140, 70, 130, 60, 150, 80, 120];
    noisy.forEach((value, index) => {
      assert.equal(sampler.shouldContinue('x'), true, `stopped early at ${index}`);
      sampler.observe('x', value);
    });
    assert.equal(sampler.shouldContinue('x'), false);
    assert.equal(sampler.stopReason('x'), 'max repetitions reached (8)');
  });

  it('matches the batch CI computation (Welford is exact)', () => {
    const sampler = createAdaptiveSampler({ targetRelativeHalfWidth: 0.001 });
    const values = [12.1, 11.8, 12.6, 12.0, 11.9, 12.3, 12.2];
    values.forEach((v) => sampler.observe('k', v));
    const mean = values.reduce((s, v) => s + v, 0) / values.length;
    const stdev = Math.sqrt(values.reduce((s, v) => s + (v - mean) ** 2, 0) / (values.length - 1));
    const snapshot = sampler.snapshot('k');
    assert.ok(Math.abs(snapshot.meanMs - mean) < 1e-12);
    assert.ok(Math.abs(snapshot.stdevMs - stdev) < 1e-12);
    assert.ok(Math.abs(snapshot.relativeHalfWidth - (2.4469 * stdev) / Math.sqrt(7) / mean) < 1e-4);
  });

  it('refuses options that cannot work, with the value in the message', () => {
    assert.throws(() => createAdaptiveSampler({ minRepetitions: 1 }), /minRepetitions must be a whole number >= 2/);
    assert.throws(() => createAdaptiveSampler({ maxRepetitions: 0 }), /maxRepetitions must be a whole number >= 1, got 0/);
    // Fewer planned repetitions than the minimum: run them all, then stop at the cap.
    const short = createAdaptiveSampler({ minRepetitions: 5, maxRepetitions: 3 });
    [10, 20, 30].forEach((v) => short.observe('k', v));
    assert.equal(short.stopReason('k'), 'max repetitions reached (3)');
    assert.throws(() => createAdaptiveSampler({ targetRelativeHalfWidth: 2 }), /targetRelativeHalfWidth must be between 0 and 1/);
    assert.throws(() => createAdaptiveSampler().observe('k', Number.NaN), /finite/);
  });

  it("on the study's 1-thread data (fixture), a 2% target reaches the same knee on both architectures with a small share of the invocations", () => {
    const records = loadAnalysisInput([SEED_FIXTURE_DIR]).records;
    for (const arch of ['arm64', 'x86_64']) {
      const result = simulateAdaptiveSampling(
        records.filter((r) => r.arch === arch),
        { minRepetitions: 5, targetRelativeHalfWidth: 0.02 },
      );
      assert.equal(result.fixedInvocations, SEED_FIXTURE.memorySizes * SEED_FIXTURE.invocationsPerConfiguration);
      assert.ok(result.sameKneeTable, `${arch}: ${result.differences.join('; ')}`);
      assert.ok(result.invocations < 0.1 * result.fixedInvocations, `${arch}: ${result.invocations} invocations`);
      assert.ok(result.invocations >= SEED_FIXTURE.memorySizes * 5);
    }
  });

  const fullStudy = seedResultsDir();
  if (fullStudy)
    it(`on the ${FULL_STUDY} (arm64, 246 configurations), a 2% target reaches the same knee table with a small share of the invocations`, () => {
      const records = loadAnalysisInput([fullStudy]).records.filter((r) => r.arch === 'arm64');
      const result = simulateAdaptiveSampling(records, { minRepetitions: 5, targetRelativeHalfWidth: 0.02 });
      assert.equal(result.fixedInvocations, 246 * 190);
      // The knee is a tested size: a family may move one 256 MB step inside the fixed design's interval.
      assert.ok(result.sameKneeTable || (result.differencesWithinFixedRange && result.differences.length <= 1), result.differences.join('; '));
      assert.ok(result.invocations < 0.1 * result.fixedInvocations, `${result.invocations} invocations`);
      assert.ok(result.invocations >= 246 * 5);
    });
});
