// The template function is deployed alone, so it repeats the input bounds instead of importing
// them; this test ties its copy to the core's, so the two cannot drift apart.
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { COST_MAX, COST_MIN, ITEMS_MAX, ITEMS_MIN, THREADS_MAX, THREADS_MIN } from '../../src/core/experimentValidation';
import { STRATEGIES } from '../../src/core/experimentConfig';
import { isNotFoundError } from '../../src/aws/sdkErrors';
import { formatUsd } from '../../src/core/usdFormat';

const templateEntry = pathToFileURL(path.resolve(__dirname, '../../..', 'lambda-template', 'index.mjs')).href;

interface TemplateModule {
  LIMITS: { items: { min: number; max: number }; workers: { min: number; max: number }; cost: { min: number; max: number } };
  STRATEGIES: readonly string[];
}

describe('the template function checks the same bounds as the core', () => {
  let template: TemplateModule;
  before(async () => {
    template = (await import(templateEntry)) as TemplateModule;
  });

  it('items, workers (threads) and bcrypt cost', () => {
    assert.deepEqual(template.LIMITS.items, { min: ITEMS_MIN, max: ITEMS_MAX });
    assert.deepEqual(template.LIMITS.workers, { min: THREADS_MIN, max: THREADS_MAX });
    assert.deepEqual(template.LIMITS.cost, { min: COST_MIN, max: COST_MAX });
  });

  it('strategies', () => {
    assert.deepEqual([...template.STRATEGIES].sort(), [...STRATEGIES].sort());
  });
});

describe('isNotFoundError', () => {
  it('knows Lambda and IAM "not found" errors and bare 404s', () => {
    assert.equal(isNotFoundError({ name: 'ResourceNotFoundException' }), true);
    assert.equal(isNotFoundError({ name: 'NoSuchEntityException' }), true);
    assert.equal(isNotFoundError({ name: 'NoSuchEntity' }), true);
    assert.equal(isNotFoundError({ name: 'SomethingElse', $metadata: { httpStatusCode: 404 } }), true);
  });
  it('does not call a wrong endpoint URL, a throttle or a non-error "not found"', () => {
    assert.equal(isNotFoundError({ name: 'UnknownOperationException', $metadata: { httpStatusCode: 404 } }), false);
    assert.equal(isNotFoundError({ name: 'TooManyRequestsException', $metadata: { httpStatusCode: 429 } }), false);
    assert.equal(isNotFoundError(null), false);
    assert.equal(isNotFoundError('ResourceNotFoundException'), false);
  });
});

describe('formatUsd', () => {
  it('writes totals to the cent, and amounts under a cent to two significant digits', () => {
    assert.equal(formatUsd(0), '$0');
    assert.equal(formatUsd(12.345), '$12.35');
    assert.equal(formatUsd(0.000123), '$0.00012');
    assert.equal(formatUsd(-1.5), '-$1.50');
  });
  it('writes per-invocation costs with four decimals from a cent, else three significant digits', () => {
    assert.equal(formatUsd(0.0000017, { scale: 'perInvocation' }), '$0.00000170');
    assert.equal(formatUsd(0.25, { scale: 'perInvocation' }), '$0.2500');
  });
  it('says a missing amount is missing', () => {
    assert.equal(formatUsd(null), '–');
    assert.equal(formatUsd(Number.NaN, { missing: '-' }), '-');
    assert.equal(formatUsd(Number.POSITIVE_INFINITY), '–');
  });
});
