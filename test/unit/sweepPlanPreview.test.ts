import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { HASH_MS_AT_COST_10, previewSweep } from '../../src/commands/sweepPlanPreview';
import { inVsCodeWords } from '../../src/commands/vsCodeWording';

const twoSizes = [
  { functionName: 'llab-j-1769-x86_64', arch: 'x86_64' as const, memoryMB: 1769 },
  { functionName: 'llab-j-3538-x86_64', arch: 'x86_64' as const, memoryMB: 3538 },
];
const base = {
  functions: twoSizes,
  threadCounts: [1, 2],
  strategies: ['pool' as const],
  repetitions: 3,
  adaptive: false,
  items: 20,
  cost: 10,
  concurrency: 1,
  region: 'us-east-1',
};

describe('Run Sweep plan preview', () => {
  it('counts measured invocations plus one warm-up per function', () => {
    assert.equal(previewSweep(base).invocations, 2 * 2 * 1 * 3 + 2);
    assert.equal(previewSweep({ ...base, strategies: ['pool', 'batch'] }).invocations, 2 * 2 * 2 * 3 + 2);
  });

  it('estimates time from the hashing work, shared by the threads the memory can run', () => {
    const oneFunction = { ...base, functions: [twoSizes[1]], threadCounts: [2], repetitions: 1 };
    const preview = previewSweep(oneFunction);
    // 2 invocations (warm-up at 2 threads, one measured) at 3538 MB = 2 vCPU: 20 hashes / 2 each, plus overhead.
    const perInvocationMs = (20 * HASH_MS_AT_COST_10) / 2;
    assert.ok(preview.estimatedMinutes * 60_000 > 2 * perInvocationMs, `${preview.estimatedMinutes} min`);
    assert.ok(preview.estimatedMinutes * 60_000 < 2 * (perInvocationMs + 100), `${preview.estimatedMinutes} min`);
    // A higher bcrypt cost doubles the work per step.
    assert.ok(previewSweep({ ...oneFunction, cost: 11 }).estimatedMinutes > 1.9 * preview.estimatedMinutes);
  });

  it('states what the sweep would cost on AWS, the upper bound at least the estimate', () => {
    const preview = previewSweep(base);
    assert.ok(preview.estimatedUsd > 0 && preview.maxUsd >= preview.estimatedUsd);
    assert.match(preview.lines.join('\n'), /on AWS \(us-east-1\) this would cost about \$/);
    assert.match(previewSweep({ ...base, adaptive: true }).lines[0], /^at most 14 invocations/);
  });
});

describe('VS Code wording of sweep messages', () => {
  it('names the setting and the resume choice instead of CLI flags', () => {
    assert.equal(
      inVsCodeWords('Cost limit reached: $0.10 spent. Resume with a higher --max-cost-usd to finish.'),
      'Cost limit reached: $0.10 spent. Raise the setting lambdaLab.maxCostUsd and resume the run to finish.',
    );
    assert.equal(
      inVsCodeWords('If that was passing, resume with --retry-errors; otherwise…'),
      'If that was passing, resume the run and choose "retry failed invocations"; otherwise…',
    );
    const dropped = inVsCodeWords('Deploy it first (lambda-lab deploy --experiment x --memory ...), or check the target.');
    assert.equal(dropped, 'Deploy it first, or check the target.');
    assert.doesNotMatch(dropped, /--/);
  });
});
