// Resume refuses a run whose functions changed (code or memory) or vanished, and says to start a
// new sweep; a new run records each function's CodeSha256 and MemorySize in run.json.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { LambdaClient } from '@aws-sdk/client-lambda';
import { RUN_FILE, type RunMetadata } from '../../src/core/runFiles';
import { checkPlanFunctionsUnchanged, functionChange, prepareNewSweep, prepareResume } from '../../src/sweep/sweepSession';
import { outcomeSummary } from '../../src/cli/sweepCli';
import type { SweepOutcome } from '../../src/sweep/sweepEngine';

const created: string[] = [];
after(() => {
  for (const dir of created) fs.rmSync(dir, { recursive: true, force: true });
});

const fnA = { functionName: 'llab-chk-1769-x86_64', arch: 'x86_64' as const, memoryMB: 1769 };
const fnB = { functionName: 'llab-chk-3538-x86_64', arch: 'x86_64' as const, memoryMB: 3538 };

/** Answers GetFunctionConfiguration from a table; a missing name is ResourceNotFoundException. */
function fakeClient(configs: Record<string, { CodeSha256: string; MemorySize: number }>): LambdaClient {
  return {
    async send(command: { input: { FunctionName?: string } }) {
      const config = configs[command.input.FunctionName!];
      if (!config) throw Object.assign(new Error('Function not found'), { name: 'ResourceNotFoundException' });
      return { ...config, State: 'Active' };
    },
  } as unknown as LambdaClient;
}

async function newRun(configs: Record<string, { CodeSha256: string; MemorySize: number }>): Promise<string> {
  const runsDir = fs.mkdtempSync(path.join(os.tmpdir(), 'llab-resumecheck-'));
  created.push(runsDir);
  const prepared = await prepareNewSweep(
    fakeClient(configs),
    {
      experimentId: 'chk',
      threadCounts: [1],
      strategies: ['pool'],
      repetitions: 1,
      items: 4,
      cost: 6,
      concurrency: 1,
      runsDir,
      functions: [fnA, fnB],
      seed: 1,
    },
    { target: { kind: 'local' }, region: 'us-east-1', cpuLimit: 'none' },
  );
  prepared.store.close();
  return prepared.store.runDir;
}

const original = { [fnA.functionName]: { CodeSha256: 'codeA=', MemorySize: 1769 }, [fnB.functionName]: { CodeSha256: 'codeA=', MemorySize: 3538 } };

test("a new run records each function's CodeSha256, MemorySize and Timeout", async () => {
  const runDir = await newRun(original);
  const meta = JSON.parse(fs.readFileSync(path.join(runDir, RUN_FILE), 'utf8')) as RunMetadata;
  assert.deepEqual(meta.functionSnapshots, [
    { functionName: fnA.functionName, codeSha256: 'codeA=', memoryMB: 1769, timeoutSeconds: null },
    { functionName: fnB.functionName, codeSha256: 'codeA=', memoryMB: 3538, timeoutSeconds: null },
  ]);
  assert.equal(meta.templateHash, 'codeA=');
});

test('resume passes when code and memory are unchanged', async () => {
  const runDir = await newRun(original);
  const prepared = prepareResume(runDir);
  try {
    await checkPlanFunctionsUnchanged(fakeClient(original), prepared);
  } finally {
    prepared.store.close();
  }
});

test('resume is refused, naming the function, when its code changed; the message says to start a new sweep', async () => {
  const runDir = await newRun(original);
  const prepared = prepareResume(runDir);
  try {
    await assert.rejects(
      checkPlanFunctionsUnchanged(fakeClient({ ...original, [fnB.functionName]: { CodeSha256: 'codeB=', MemorySize: 3538 } }), prepared),
      (error: Error) => {
        assert.match(error.message, /function llab-chk-3538-x86_64 changed since the run started \(code \(CodeSha256\) was codeA=, now codeB=\)/);
        assert.match(error.message, /start a new sweep/);
        assert.doesNotMatch(error.message, /then resume/);
        return true;
      },
    );
  } finally {
    prepared.store.close();
  }
});

test("resume is refused when a function's memory changed", async () => {
  const runDir = await newRun(original);
  const prepared = prepareResume(runDir);
  try {
    await assert.rejects(
      checkPlanFunctionsUnchanged(fakeClient({ ...original, [fnA.functionName]: { CodeSha256: 'codeA=', MemorySize: 2048 } }), prepared),
      /function llab-chk-1769-x86_64 changed since the run started \(memory was 1769 MB, now 2048 MB\).*start a new sweep/,
    );
  } finally {
    prepared.store.close();
  }
});

test('a function that no longer exists: start a new sweep, not "redeploy then resume"', async () => {
  const runDir = await newRun(original);
  const prepared = prepareResume(runDir);
  try {
    await assert.rejects(checkPlanFunctionsUnchanged(fakeClient({ [fnA.functionName]: original[fnA.functionName] }), prepared), (error: Error) => {
      assert.match(error.message, /llab-chk-3538-x86_64 does not exist on this target any more.*start a new sweep/);
      assert.doesNotMatch(error.message, /then resume/);
      return true;
    });
  } finally {
    prepared.store.close();
  }
});

test('runs from older versions (no snapshots) are checked against templateHash and the planned memory', () => {
  assert.equal(functionChange(fnA, undefined, 'codeA=', { CodeSha256: 'codeA=', MemorySize: 1769 }), null);
  assert.equal(functionChange(fnA, undefined, 'codeA=,codeB=', { CodeSha256: 'codeB=', MemorySize: 1769 }), null);
  assert.match(functionChange(fnA, undefined, 'codeA=', { CodeSha256: 'codeC=', MemorySize: 1769 })!, /was codeA=, now codeC=/);
  assert.match(functionChange(fnA, undefined, null, { CodeSha256: 'codeC=', MemorySize: 3008 })!, /memory was 1769 MB, now 3008 MB/);
});

function outcome(change: Partial<SweepOutcome>): SweepOutcome {
  return {
    status: 'completed',
    stopReason: null,
    statusReason: null,
    done: 10,
    total: 10,
    errors: 0,
    retries: 0,
    costUsd: 0.001,
    estimate: null,
    configStops: [],
    retriedErrors: 0,
    ...change,
  };
}

test('the end-of-run message says resume does not retry errors and names --retry-errors; costs are worded by whether the target bills', () => {
  const withErrors = outcomeSummary(outcome({ errors: 2 }), '/runs/r1', { bills: true });
  assert.match(
    withErrors,
    /2 planned invocation\(s\) ended in an error \(exit code 3\)\. Resume does not retry them unless asked; to run them again: lambda-lab sweep --resume \/runs\/r1 --retry-errors/,
  );
  assert.match(withErrors, /\(as billed\)/);
  assert.doesNotMatch(outcomeSummary(outcome({}), '/runs/r1', { bills: true }), /retry-errors/);
  assert.match(outcomeSummary(outcome({}), '/runs/r1', { bills: false }), /this target does not bill/);
  assert.doesNotMatch(outcomeSummary(outcome({}), '/runs/r1', { bills: false }), /as billed/);
});
