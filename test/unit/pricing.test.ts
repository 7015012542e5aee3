import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { invocationCostUsd, pricedRegions, pricesFor, pricePerGBs } from '../../src/core/pricing';

/** Equal within floating-point noise, relative. */
function near(actual: number, expected: number): void {
  assert.ok(Math.abs(actual - expected) <= Math.abs(expected) * 1e-12, `expected ${expected}, got ${actual}`);
}

describe('pricing', () => {
  it('us-east-1 prices are the published ones, with source and date', () => {
    const prices = pricesFor('us-east-1');
    assert.equal(prices.x86_64PerGBs, 0.0000166667);
    assert.equal(prices.arm64PerGBs, 0.0000133334);
    near(prices.perRequest, 0.2 / 1e6);
    assert.equal(prices.estimated, false);
    assert.match(prices.source, /aws\.amazon\.com\/lambda\/pricing/);
    assert.match(prices.asOf, /^\d{4}-\d{2}-\d{2}$/);
  });

  it('covers the main regions without estimating', () => {
    for (const region of ['us-east-1', 'us-east-2', 'us-west-2', 'eu-west-1', 'eu-central-1', 'ap-southeast-1', 'ap-northeast-1']) {
      assert.ok(pricedRegions().includes(region), region);
      assert.equal(pricesFor(region).estimated, false, region);
      assert.equal(pricesFor(region).region, region);
    }
  });

  it('an unknown region falls back to us-east-1 prices and says it is an estimate', () => {
    const prices = pricesFor('xx-nowhere-9');
    assert.equal(prices.region, 'xx-nowhere-9');
    assert.equal(prices.estimated, true);
    assert.equal(prices.x86_64PerGBs, pricesFor('us-east-1').x86_64PerGBs);
    assert.match(prices.source, /no entry for xx-nowhere-9/);
  });

  it('dearer regions have their own duration price', () => {
    assert.ok(pricesFor('af-south-1').x86_64PerGBs > pricesFor('us-east-1').x86_64PerGBs);
    assert.ok(pricePerGBs('arm64') < pricePerGBs('x86_64'));
  });

  // Hand-computed: GB-s = billedMs/1000 × memoryMB/1024; cost = GB-s × price + $0.0000002.
  it('1 s at 1024 MB on x86_64 = 1 GB-s = $0.0000166667 + $0.0000002', () => {
    near(invocationCostUsd({ billedMs: 1000, memoryMB: 1024, arch: 'x86_64' }), 0.0000168667);
  });

  it('8 ms at 128 MB on x86_64 = 0.001 GB-s: the request price dominates', () => {
    near(invocationCostUsd({ billedMs: 8, memoryMB: 128, arch: 'x86_64', region: 'us-east-1' }), 0.0000002166667);
  });

  it('2 s at 1769 MB on arm64 = 3.455078125 GB-s', () => {
    near(invocationCostUsd({ billedMs: 2000, memoryMB: 1769, arch: 'arm64' }), 0.000046267938671875);
  });

  it('10 s at 1024 MB on x86_64 in eu-west-1 (same as us-east-1)', () => {
    near(invocationCostUsd({ billedMs: 10000, memoryMB: 1024, arch: 'x86_64', region: 'eu-west-1' }), 0.000166867);
  });

  it('region changes the price: 1 s at 128 MB x86_64 in af-south-1', () => {
    near(invocationCostUsd({ billedMs: 1000, memoryMB: 128, arch: 'x86_64', region: 'af-south-1' }), 0.0000029625);
  });

  it('a zero-duration invocation still costs the request', () => {
    near(invocationCostUsd({ billedMs: 0, memoryMB: 512, arch: 'arm64' }), 0.0000002);
  });

  it('rejects nonsense inputs with a message naming them', () => {
    assert.throws(() => invocationCostUsd({ billedMs: -1, memoryMB: 128, arch: 'x86_64' }), /billed duration -1 ms cannot be priced/);
    assert.throws(() => invocationCostUsd({ billedMs: Number.NaN, memoryMB: 128, arch: 'x86_64' }), /billed duration NaN ms/);
    assert.throws(() => invocationCostUsd({ billedMs: 1, memoryMB: 0, arch: 'x86_64' }), /memory size 0 MB cannot be priced/);
    assert.throws(() => invocationCostUsd({ billedMs: 1, memoryMB: 128, arch: 'sparc' as never }), /architecture "sparc" has no price/);
  });
});
