import test from 'node:test';
import assert from 'node:assert/strict';
import { cfsQuota, lambdaCpuShare, modelParallelSpeed, parseCpuList, pickCores } from '../../src/localEndpoint/lambdaCpuModel';
import { lambdaVisibleCores } from '../../src/core/lambdaModel';

test('visible cores follow Lambda bands: 2 up to 3008 MB, then 3/4/5/6', () => {
  const cases: Array<[number, number]> = [
    [128, 2],
    [1769, 2],
    [3008, 2],
    [3072, 3],
    [5375, 3],
    [5376, 4],
    [7167, 4],
    [7168, 5],
    [8959, 5],
    [8960, 6],
    [10240, 6],
  ];
  for (const [memory, cores] of cases) assert.equal(lambdaVisibleCores(memory), cores, `${memory} MB`);
});

test('quota is memory/1769 CPUs, capped by the visible cores and the host', () => {
  assert.equal(lambdaCpuShare(1769, 8).quotaCpus, 1);
  assert.ok(Math.abs(lambdaCpuShare(885, 8).quotaCpus - 0.5003) < 0.001);
  assert.equal(lambdaCpuShare(3538, 8).quotaCpus, 2);
  // 10240 MB is 5.79 CPUs of time on 6 visible cores.
  assert.ok(Math.abs(lambdaCpuShare(10240, 8).quotaCpus - 10240 / 1769) < 1e-9);
  // On a 2-core host everything above 3538 MB is capped at 2.
  const capped = lambdaCpuShare(10240, 2);
  assert.equal(capped.quotaCpus, 2);
  assert.equal(capped.visibleCores, 2);
  assert.equal(capped.lambdaVisibleCores, 6);
  assert.throws(() => lambdaCpuShare(0, 2), /memoryMB/);
  assert.throws(() => lambdaCpuShare(128, 0), /hostCores/);
});

test('model speed is min(workers, quota, cores)', () => {
  assert.equal(modelParallelSpeed(1, 1769, 2), 1);
  assert.equal(modelParallelSpeed(4, 3538, 2), 2);
  assert.ok(Math.abs(modelParallelSpeed(2, 1024, 2) - 1024 / 1769) < 1e-9);
});

test('CFS quota uses a 100 ms period and the kernel minimum of 1 ms', () => {
  assert.deepEqual(cfsQuota(0.5), { quotaUs: 50000, periodUs: 100000 });
  assert.deepEqual(cfsQuota(0.001), { quotaUs: 1000, periodUs: 100000 });
});

test('CPU lists parse and cores are picked with rotation', () => {
  assert.deepEqual(parseCpuList('0-3,8,10-11\n'), [0, 1, 2, 3, 8, 10, 11]);
  assert.throws(() => parseCpuList('a-b'), /not a CPU list/);
  assert.deepEqual(pickCores([0, 1, 2, 3], 2, 0), [0, 1]);
  assert.deepEqual(pickCores([0, 1, 2, 3], 2, 3), [0, 3]);
  assert.deepEqual(pickCores([0, 1], 6, 1), [0, 1]);
});
