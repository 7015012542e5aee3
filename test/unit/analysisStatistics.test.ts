import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  mean,
  median,
  medianConfidenceInterval,
  meanConfidenceInterval,
  mode,
  quantile,
  ratioOfMeansInterval,
  sampleStdev,
  studentTCdf,
  studentTQuantile,
  fQuantile95OneNumeratorDf,
  chiSquareQuantile,
} from '../../src/core/analysis/statistics';

function near(actual: number, expected: number, tolerance: number): void {
  assert.ok(Math.abs(actual - expected) <= tolerance, `expected ${expected} ± ${tolerance}, got ${actual}`);
}

describe('statistics', () => {
  it('mean, median, stdev and type-7 quantiles match hand-computed values', () => {
    const values = [2, 4, 4, 4, 5, 5, 7, 9];
    assert.equal(mean(values), 5);
    assert.equal(median(values), 4.5);
    near(sampleStdev(values), Math.sqrt(32 / 7), 1e-12);
    const oneToTen = [10, 1, 9, 2, 8, 3, 7, 4, 6, 5];
    near(quantile(oneToTen, 0.9), 9.1, 1e-12);
    assert.equal(quantile(oneToTen, 0), 1);
    assert.equal(quantile(oneToTen, 1), 10);
    assert.equal(mode([3, 1, 3, 2, 2]), 2);
    assert.ok(Number.isNaN(mean([])));
    assert.equal(sampleStdev([5]), 0);
  });

  it('Student t quantiles match published tables', () => {
    near(studentTQuantile(0.975, 1), 12.7062, 1e-3);
    near(studentTQuantile(0.975, 4), 2.7764, 1e-3);
    near(studentTQuantile(0.975, 9), 2.2622, 1e-3);
    near(studentTQuantile(0.975, 30), 2.0423, 1e-3);
    near(studentTQuantile(0.975, 1e6), 1.95996, 1e-3);
    near(studentTQuantile(0.025, 9), -2.2622, 1e-3);
    near(studentTCdf(0, 5), 0.5, 1e-12);
    near(fQuantile95OneNumeratorDf(38), 4.098, 2e-3);
    // Wilson–Hilferty: tables give 18.307 (df 10) and 53.384 (df 38); 3.841 at df 1 (approximation 3.75).
    near(chiSquareQuantile(0.95, 10), 18.307, 0.05);
    near(chiSquareQuantile(0.95, 38), 53.384, 0.05);
    near(chiSquareQuantile(0.95, 1), 3.841, 0.1);
  });

  it('the 95% CI of a mean is mean ± t·s/√n', () => {
    const values = [10, 12, 11, 13, 9];
    const interval = meanConfidenceInterval(values);
    const halfWidth = (2.7764 * sampleStdev(values)) / Math.sqrt(5);
    near(interval.low, 11 - halfWidth, 1e-3);
    near(interval.high, 11 + halfWidth, 1e-3);
    assert.deepEqual(meanConfidenceInterval([4]), { low: 4, high: 4 });
  });

  it('the speedup interval contains the ratio, is positive and widens with noise', () => {
    const tight = ratioOfMeansInterval({ mean: 8, stdev: 0.04, n: 190 }, { mean: 2, stdev: 0.02, n: 190 });
    assert.equal(tight.ratio, 4);
    assert.ok(tight.low < 4 && tight.high > 4 && tight.low > 3.9 && tight.high < 4.1);
    const noisy = ratioOfMeansInterval({ mean: 8, stdev: 2, n: 10 }, { mean: 2, stdev: 0.5, n: 10 });
    assert.ok(noisy.low > 0 && noisy.high - noisy.low > tight.high - tight.low);
    // Log-scale symmetry: ratio is the geometric middle of the interval.
    near(Math.sqrt(noisy.low * noisy.high), noisy.ratio, 1e-9);
    const unknown = ratioOfMeansInterval({ mean: 8, stdev: 0, n: 1 }, { mean: 2, stdev: 0.1, n: 5 });
    assert.ok(Number.isNaN(unknown.low));
  });
});

describe('medianConfidenceInterval', () => {
  /** P(X <= k) for X ~ Binomial(n, 1/2), summed exactly in doubles (n <= 1000 here). */
  function binomialHalfCdf(n: number, k: number): number {
    let term = Math.pow(0.5, n);
    let total = 0;
    for (let j = 0; j <= k; j++) {
      total += term;
      term *= (n - j) / (j + 1);
    }
    return total;
  }

  it('is the narrowest pair of order statistics that still covers the median with at least 95%', () => {
    for (let n = 6; n <= 200; n++) {
      const values = Array.from({ length: n }, (_, i) => n - i); // unsorted on purpose: ranks are the values
      const { low, high } = medianConfidenceInterval(values);
      const k = low; // the k-th smallest of 1..n is k
      assert.equal(high, n - k + 1, `n=${n}: symmetric ranks`);
      const coverage = 1 - 2 * binomialHalfCdf(n, k - 1);
      assert.ok(coverage >= 0.95, `n=${n}: [x(${k}), x(${n - k + 1})] covers only ${(coverage * 100).toFixed(1)}%`);
      const narrower = 1 - 2 * binomialHalfCdf(n, k);
      assert.ok(k + 1 > (n + 1) / 2 || narrower < 0.95, `n=${n}: [x(${k + 1}), x(${n - k})] would still cover ${(narrower * 100).toFixed(1)}%`);
    }
  });

  it('gives the textbook ranks for small samples (n=10: 2nd and 9th; n=20: 6th and 15th)', () => {
    const ranks = (n: number) => medianConfidenceInterval(Array.from({ length: n }, (_, i) => i + 1));
    assert.deepEqual(ranks(10), { low: 2, high: 9 });
    assert.deepEqual(ranks(20), { low: 6, high: 15 });
  });
});
