import test from 'node:test';
import assert from 'node:assert/strict';
import { FaultInjector } from '../../src/localEndpoint/faultInjector';

test('fault dice are seeded and follow the rates', () => {
  const roll = (seed: number) => {
    const faults = new FaultInjector({ throttleRate: 0.2, serverErrorRate: 0.1, seed });
    return Array.from({ length: 2000 }, () => faults.invokeFault()?.errorType ?? 'ok');
  };
  const a = roll(7);
  assert.deepEqual(a, roll(7));
  assert.notDeepEqual(a, roll(8));
  const throttled = a.filter((t) => t === 'TooManyRequestsException').length;
  const errors = a.filter((t) => t === 'ServiceException').length;
  assert.ok(throttled > 300 && throttled < 500, `throttled ${throttled}`);
  assert.ok(errors > 120 && errors < 280, `errors ${errors}`);
});

test('a throttle carries Retry-After and status 429; 500 is a ServiceException', () => {
  const always = new FaultInjector({ throttleRate: 1 });
  const fault = always.invokeFault()!;
  assert.equal(fault.status, 429);
  assert.equal(fault.extraHeaders['Retry-After'], '1');
  assert.equal(new FaultInjector({ serverErrorRate: 1 }).invokeFault()!.status, 500);
  assert.equal(new FaultInjector({}).invokeFault(), null);
});

test('bad options are refused', () => {
  assert.throws(() => new FaultInjector({ throttleRate: 1.5 }), /throttleRate/);
  assert.throws(() => new FaultInjector({ throttleRate: 0.6, serverErrorRate: 0.6 }), /exceed 1/);
  assert.throws(() => new FaultInjector({ addedLatencyMs: -1 }), /addedLatencyMs/);
});
