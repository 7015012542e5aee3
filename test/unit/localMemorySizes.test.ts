import test from 'node:test';
import assert from 'node:assert/strict';
import { localDefaultSizesMB, localMemoryLimitMB, sizesBeyondMachine } from '../../src/core/localMemorySizes';

test("the built-in endpoint can give up to cores × 1,769 MB, at most Lambda's 10,240 MB", () => {
  assert.equal(localMemoryLimitMB(1), 1769);
  assert.equal(localMemoryLimitMB(2), 3538);
  assert.equal(localMemoryLimitMB(4), 7076);
  assert.equal(localMemoryLimitMB(16), 10240);
});

test('default Local sizes fit the machine: half-vCPU steps on small machines, vCPU steps on larger ones', () => {
  assert.deepEqual(localDefaultSizesMB(1), [885, 1769]);
  assert.deepEqual(localDefaultSizesMB(2), [885, 1769, 2654, 3538]);
  assert.deepEqual(localDefaultSizesMB(4), [885, 1769, 3538, 5307, 7076]);
  assert.deepEqual(localDefaultSizesMB(64), [885, 1769, 3538, 5307, 7076, 8845, 10240]);
  for (const cores of [1, 2, 3, 4, 8, 64]) assert.deepEqual(sizesBeyondMachine(localDefaultSizesMB(cores), cores), [], `${cores} cores`);
});

test('sizes beyond the machine are named', () => {
  assert.deepEqual(sizesBeyondMachine([512, 1769, 3538, 5307, 10240], 2), [5307, 10240]);
});
