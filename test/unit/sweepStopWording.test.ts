// Every reason the engine can stop for is worded by both callers: the CLI names flags, VS Code
// names its commands and settings and never a flag; run.json's neutral sentence names neither.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cliStopAdvice } from '../../src/cli/sweepCli';
import { vscodeStopAdvice } from '../../src/commands/sweepStopWording';
import { describeStopReason, type SweepStopReason } from '../../src/sweep/sweepStopReason';

const reasons: SweepStopReason[] = [
  { kind: 'cancelled' },
  { kind: 'notConfirmed', estimatedUsd: 1.5 },
  { kind: 'costCeiling', limitUsd: 0.1, spentUsd: 0.09, inFlight: true, beforePilot: false },
  { kind: 'costCeiling', limitUsd: 0, spentUsd: 0, inFlight: false, beforePilot: true },
  { kind: 'pilotFailedEarlier', functionName: 'llab-x-128-x86_64', error: 'boom' },
  { kind: 'pilotFailed', functionName: 'llab-x-128-x86_64', error: 'boom' },
  { kind: 'functionNotFound', functionName: 'llab-x-128-x86_64' },
  { kind: 'endpointUnreachable', detail: 'ECONNREFUSED' },
  { kind: 'unexpected', message: 'disk full' },
];

test('VS Code never words a stop reason with a CLI flag; run.json states it with no remedy in either language', () => {
  for (const reason of reasons) {
    assert.doesNotMatch(vscodeStopAdvice({ stopReason: reason, errors: 3 }), /--|lambda-lab /, reason.kind);
    assert.doesNotMatch(describeStopReason(reason), /--|lambda-lab |lambdaLab\./, reason.kind);
  }
  assert.match(vscodeStopAdvice({ stopReason: null, errors: 3 }), /3 invocation\(s\) ended in an error.*retry failed invocations/);
  assert.equal(vscodeStopAdvice({ stopReason: null, errors: 0 }), '');
  assert.match(vscodeStopAdvice({ stopReason: reasons[2], errors: 0 }), /lambdaLab\.maxCostUsd/);
});

test('the CLI words the cost ceiling and the retry of failed invocations with their flags', () => {
  assert.match(cliStopAdvice(reasons[2], '/runs/r'), /lambda-lab sweep --resume \/runs\/r --max-cost-usd <dollars>/);
  assert.match(cliStopAdvice(reasons[4], '/runs/r'), /--retry-errors/);
  assert.match(cliStopAdvice(reasons[1], '/runs/r'), /--yes/);
  assert.equal(cliStopAdvice(null, '/runs/r'), '');
});
