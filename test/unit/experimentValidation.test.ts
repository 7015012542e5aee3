import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  ValidationError,
  parseArchitectureList,
  parseMemoryList,
  parseStrategyList,
  parseThreadList,
  validateCost,
  validateExperimentConfig,
  validateExperimentId,
  validateItems,
  validateMemorySize,
  validateRepetitions,
  estimatedHashingMs,
  largestCostWithinTimeout,
  costTimeoutProblem,
  validateThreadCount,
} from '../../src/core/experimentValidation';

function rejection(run: () => unknown): ValidationError {
  try {
    run();
  } catch (error) {
    assert.ok(error instanceof ValidationError, `expected a ValidationError, got ${String(error)}`);
    return error;
  }
  assert.fail('expected a ValidationError, but nothing was thrown');
}

const valid = {
  experimentId: 'bcrypt-sweep-1',
  memorySizesMB: [1769, 128, 512],
  architectures: ['arm64', 'x86_64'],
  threadCounts: [4, 1, 2],
  strategies: ['batch', 'pool'],
  repetitions: 5,
  items: 20,
  cost: 10,
};

describe('memory sizes', () => {
  it('names the field, the value and the range when out of range', () => {
    const error = rejection(() => validateMemorySize(100));
    assert.equal(error.message, 'memory size 100 MB is out of range: memory sizes must be whole numbers from 128 to 10240 MB');
    assert.equal(error.field, 'memorySizesMB');
    assert.equal(error.value, 100);
    assert.match(error.allowed, /128 to 10240/);
    assert.match(rejection(() => validateMemorySize(10241)).message, /10241 MB is out of range/);
  });

  it('accepts the bounds and numeric strings', () => {
    assert.equal(validateMemorySize(128), 128);
    assert.equal(validateMemorySize(10240), 10240);
    assert.equal(validateMemorySize(' 1769 '), 1769);
  });

  it('rejects fractions, non-numbers, NaN and Infinity', () => {
    assert.match(rejection(() => validateMemorySize(512.5)).message, /512\.5 is not a whole number/);
    assert.match(rejection(() => validateMemorySize('lots')).message, /^memory size "lots" is not a number: memory sizes must be/);
    assert.match(rejection(() => validateMemorySize(Number.NaN)).message, /is not a number/);
    assert.match(rejection(() => validateMemorySize(Number.POSITIVE_INFINITY)).message, /is not a number/);
    assert.match(rejection(() => validateMemorySize(null)).message, /null is not a number/);
    assert.match(rejection(() => validateMemorySize('0x200')).message, /is not a number/);
  });

  it('parses lists with commas and spaces, removes duplicates and sorts', () => {
    assert.deepEqual(parseMemoryList('128,512, 1769'), [128, 512, 1769]);
    assert.deepEqual(parseMemoryList('3008 1024,1024  128'), [128, 1024, 3008]);
  });

  it('expands stepped ranges', () => {
    assert.deepEqual(parseMemoryList('512-2048:512, 128'), [128, 512, 1024, 1536, 2048]);
  });

  it('rejects a range that would expand to thousands of sizes, and backwards ranges', () => {
    assert.match(rejection(() => parseMemoryList('128-10240')).message, /too long.*use a step/);
    assert.match(rejection(() => parseMemoryList('2048-512')).message, /range "2048-512" is not valid/);
    assert.match(rejection(() => parseMemoryList('128-100000:128')).message, /100000 MB is out of range/);
  });

  it('rejects an empty list and names a bad entry in a list', () => {
    assert.match(rejection(() => parseMemoryList(' , ')).message, /memory sizes: none given/);
    const error = rejection(() => parseMemoryList('128, 64, 512'));
    assert.equal(error.message, 'memory size 64 MB is out of range: memory sizes must be whole numbers from 128 to 10240 MB');
    assert.match(rejection(() => parseMemoryList('128, 1.5k')).message, /"1\.5k" is not a number/);
  });
});

describe('thread counts', () => {
  it('accepts 1..64 and rejects outside with the range in the message', () => {
    assert.equal(validateThreadCount(1), 1);
    assert.equal(validateThreadCount(64), 64);
    assert.equal(rejection(() => validateThreadCount(0)).message, 'thread count 0 is out of range: thread counts must be whole numbers from 1 to 64');
    assert.match(rejection(() => validateThreadCount(65)).message, /65 is out of range/);
    assert.match(rejection(() => validateThreadCount(-2)).message, /-2 is out of range/);
  });

  it('parses lists and ranges', () => {
    assert.deepEqual(parseThreadList('4,1, 2 2'), [1, 2, 4]);
    assert.deepEqual(parseThreadList('1-4'), [1, 2, 3, 4]);
    assert.deepEqual(parseThreadList('1-8:2,8'), [1, 3, 5, 7, 8]);
    assert.match(rejection(() => parseThreadList('1-65')).message, /65 is out of range/);
    assert.match(rejection(() => parseThreadList('two')).message, /thread count "two" is not a number/);
  });
});

describe('single numbers', () => {
  it('repetitions 1..1000, with the reason for the maximum', () => {
    assert.equal(validateRepetitions(1), 1);
    assert.equal(validateRepetitions(1000), 1000);
    assert.match(rejection(() => validateRepetitions(0)).message, /^repetitions 0 is out of range: repetitions must be a whole number from 1 to 1,000 \(/);
    assert.match(rejection(() => validateRepetitions('9007199254740991')).message, /out of range.*from 1 to 1,000.*square root of the repetitions/);
    assert.match(rejection(() => validateRepetitions(1001)).message, /out of range/);
  });

  it('bcrypt cost bounded by what finishes within the timeout at the smallest memory', () => {
    // 54 ms per hash at cost 10 on one vCPU; 128 MB has 128/1769 of a vCPU.
    assert.equal(Math.round(estimatedHashingMs({ items: 1, cost: 10, threads: 1, memoryMB: 1769 })), 54);
    assert.equal(Math.round(estimatedHashingMs({ items: 1, cost: 11, threads: 2, memoryMB: 3538 })), 54);
    assert.equal(Math.round(estimatedHashingMs({ items: 1, cost: 10, threads: 4, memoryMB: 128 })), Math.round((54 * 1769) / 128));
    // 20 hashes, 1 thread, 128 MB, 300 s: cost 14 takes 20 × 864 ms × 13.8 ≈ 239 s, cost 15 ≈ 478 s.
    assert.equal(largestCostWithinTimeout({ items: 20, minThreads: 1, minMemoryMB: 128, timeoutSeconds: 300 }), 14);
    assert.equal(costTimeoutProblem({ cost: 14, items: 20, minThreads: 1, minMemoryMB: 128, timeoutSeconds: 300 }), null);
    const problem = costTimeoutProblem({ cost: 31, items: 20, minThreads: 1, minMemoryMB: 128, timeoutSeconds: 300 })!;
    assert.match(problem, /bcrypt cost 31 cannot finish within the function's 300 s timeout: 20 hash\(es\) at 1 thread\(s\) on 128 MB \(0\.07 vCPU\)/);
    assert.match(problem, /54 ms per hash at cost 10 on one vCPU.*use a bcrypt cost of 14 or less/);
    assert.match(costTimeoutProblem({ cost: 10, items: 10000, minThreads: 1, minMemoryMB: 128, timeoutSeconds: 3 })!, /no cost fits/);
  });

  it('items 1..10000', () => {
    assert.equal(validateItems('20'), 20);
    assert.match(rejection(() => validateItems(0)).message, /items 0 is out of range: items must be a whole number from 1 to 10000/);
    assert.match(rejection(() => validateItems(10001)).message, /out of range/);
  });

  it('bcrypt cost 4..31', () => {
    assert.equal(validateCost(4), 4);
    assert.equal(validateCost(31), 31);
    assert.equal(rejection(() => validateCost(3)).message, 'bcrypt cost 3 is out of range: bcrypt cost must be a whole number from 4 to 31');
    assert.match(rejection(() => validateCost(32)).message, /32 is out of range/);
    assert.match(rejection(() => validateCost(true)).message, /true is not a number/);
  });
});

describe('names', () => {
  it('experiment ids are safe for Lambda function names', () => {
    assert.equal(validateExperimentId('a'), 'a');
    assert.equal(validateExperimentId('sweep-2024-01'), 'sweep-2024-01');
    assert.equal(validateExperimentId('a'.repeat(40)), 'a'.repeat(40));
    for (const bad of ['', '-lead', 'Upper', 'under_score', 'with space', 'a'.repeat(41), 'dot.ted', 42]) {
      const error = rejection(() => validateExperimentId(bad));
      assert.equal(error.field, 'experimentId');
      assert.match(error.message, /lowercase letters, digits and dashes/);
    }
    assert.match(rejection(() => validateExperimentId('My_Exp')).message, /^experiment id "My_Exp" is not allowed/);
  });

  it('architectures and strategies', () => {
    assert.deepEqual(parseArchitectureList('arm64, x86_64, arm64'), ['x86_64', 'arm64']);
    assert.equal(
      rejection(() => parseArchitectureList('x86_64, amd64')).message,
      'architecture "amd64" is not supported: architectures must be x86_64 or arm64',
    );
    assert.deepEqual(parseStrategyList('batch pool'), ['pool', 'batch']);
    assert.match(rejection(() => parseStrategyList('queue')).message, /strategy "queue" is not supported: strategies must be pool, batch or warm/);
  });
});

describe('validateExperimentConfig', () => {
  it('returns a normalised config: sorted, de-duplicated lists', () => {
    const config = validateExperimentConfig(valid);
    assert.deepEqual(config, {
      experimentId: 'bcrypt-sweep-1',
      memorySizesMB: [128, 512, 1769],
      architectures: ['x86_64', 'arm64'],
      threadCounts: [1, 2, 4],
      strategies: ['pool', 'batch'],
      repetitions: 5,
      items: 20,
      cost: 10,
    });
  });

  it('accepts lists written as text', () => {
    const config = validateExperimentConfig({ ...valid, memorySizesMB: '1769, 128', threadCounts: '1-2', architectures: 'arm64', strategies: 'pool' });
    assert.deepEqual(config.memorySizesMB, [128, 1769]);
    assert.deepEqual(config.threadCounts, [1, 2]);
    assert.deepEqual(config.architectures, ['arm64']);
  });

  it('reports every problem at once, each naming its field, value and range', () => {
    const error = rejection(() =>
      validateExperimentConfig({ ...valid, experimentId: 'Bad Id', memorySizesMB: [128, 100], threadCounts: [0], repetitions: 0, cost: 40, architectures: [] }),
    );
    assert.equal(error.problems.length, 6);
    assert.deepEqual(error.problems.map((p) => p.field).sort(), ['architectures', 'cost', 'experimentId', 'memorySizesMB', 'repetitions', 'threadCounts']);
    assert.match(error.message, /^The experiment configuration has 6 problems:/);
    assert.match(error.message, /memory size 100 MB is out of range: memory sizes must be whole numbers from 128 to 10240 MB/);
    assert.match(error.message, /thread count 0 is out of range/);
    assert.match(error.message, /bcrypt cost 40 is out of range/);
    assert.match(error.message, /architectures: expected a non-empty list, got \[\]/);
  });

  it('a single problem is thrown as itself', () => {
    const error = rejection(() => validateExperimentConfig({ ...valid, items: 'many' }));
    assert.equal(error.field, 'items');
    assert.equal(error.problems.length, 1);
    assert.equal(error.message, 'items "many" is not a number: items must be a whole number from 1 to 10000');
  });

  it('missing fields are problems, and a non-object is rejected', () => {
    const error = rejection(() => validateExperimentConfig({}));
    assert.equal(error.problems.length, 8);
    assert.match(error.message, /experiment id nothing is not allowed/);
    assert.match(rejection(() => validateExperimentConfig(null)).message, /is not an object/);
    assert.match(rejection(() => validateExperimentConfig([valid])).message, /is not an object/);
  });
});
