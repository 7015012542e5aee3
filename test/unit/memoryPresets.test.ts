import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MEMORY_PRESETS, findMemoryPreset, resolveMemorySelection } from '../../src/core/memoryPresets';
import { ValidationError } from '../../src/core/experimentValidation';

test("vCPU steps are multiples of 1769 MB and end at Lambda's maximum", () => {
  assert.deepEqual(resolveMemorySelection('vcpu-steps'), [1769, 3538, 5307, 7076, 8845, 10240]);
});

test('quick spans the smallest to the largest size', () => {
  const sizes = resolveMemorySelection('quick');
  assert.equal(sizes[0], 128);
  assert.equal(sizes.at(-1), 10240);
  assert.ok(sizes.includes(1769));
  assert.ok(sizes.length >= 5 && sizes.length <= 8);
});

test('original study: 128, 256, 512 and every 256 MB up to 10240', () => {
  const sizes = resolveMemorySelection('original-study');
  assert.equal(sizes.length, 41);
  assert.deepEqual(sizes.slice(0, 4), [128, 256, 512, 768]);
  assert.equal(sizes.at(-1), 10240);
  for (const mb of sizes.slice(1)) assert.equal(mb % 256, 0);
});

test("every preset is within Lambda's limits, sorted and distinct", () => {
  for (const preset of MEMORY_PRESETS) {
    const sizes = [...preset.sizesMB];
    assert.deepEqual(
      sizes,
      [...new Set(sizes)].sort((a, b) => a - b),
      preset.id,
    );
    for (const mb of sizes) assert.ok(Number.isInteger(mb) && mb >= 128 && mb <= 10240, `${preset.id}: ${mb}`);
  }
});

test('preset names are forgiving about case and separators', () => {
  assert.equal(findMemoryPreset('vCPU steps')?.id, 'vcpu-steps');
  assert.equal(findMemoryPreset('Original_Study')?.id, 'original-study');
  assert.equal(findMemoryPreset('nope'), undefined);
});

test('a free list is parsed, sorted and de-duplicated', () => {
  assert.deepEqual(resolveMemorySelection('3538, 128,1769,128'), [128, 1769, 3538]);
});

test('memory out of range is refused naming the value and the range', () => {
  assert.throws(
    () => resolveMemorySelection('100,512'),
    (error: unknown) => error instanceof ValidationError && /100/.test(error.message) && /128/.test(error.message) && /10240|10,240/.test(error.message),
  );
  assert.throws(() => resolveMemorySelection('quick-ish'), ValidationError);
});
