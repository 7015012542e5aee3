import test from 'node:test';
import assert from 'node:assert/strict';
import { detectCpuLimiter } from '../../src/localEndpoint/cpuLimiter';

test('with CPU limiting switched off the limiter says so and applies no quota', async () => {
  const lines: string[] = [];
  const limiter = await detectCpuLimiter('none', (line) => lines.push(line));
  try {
    assert.equal(limiter.method, 'none');
    assert.match(limiter.detail, /^unthrottled: /);
    assert.ok(lines.some((line) => line.includes('CPU limit: none')));
    const placement = await limiter.place(885);
    assert.equal(placement.quotaCpus, null);
    assert.match(placement.description, /unthrottled/);
    if (limiter.affinity) assert.deepEqual(placement.commandPrefix.slice(0, 2), ['taskset', '-c']);
    else assert.deepEqual(placement.commandPrefix, []);
  } finally {
    await limiter.close();
  }
});
