import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { loadAnalysisInput } from '../../src/runs/analysisFiles';
import { summarizeConfigurations } from '../../src/core/analysis/configSummary';
import { coresKeptBusy, fitScalingModel, leaveOneOut, predict, predictTime, predictUnmeasured } from '../../src/core/analysis/scalingModel';
import { textTable } from '../../src/core/analysis/analysisReport';
import { FULL_STUDY, SEED_FIXTURE_DIR, seedResultsDir } from '../support/seedResults';

/** Leave-one-configuration-out over a study folder: prints the table, holds each family to the goals. */
function checkLeaveOneOut(dir: string): void {
  const configs = summarizeConfigurations(loadAnalysisInput([dir]).records);
  const summaries = leaveOneOut(configs);
  const percent = (x: number) => `${(x * 100).toFixed(2)}%`;
  const rows = summaries.map((s) => [
    s.arch,
    s.strategy,
    String(s.configurations),
    percent(s.medianError),
    percent(s.p90Error),
    percent(s.maxError),
    percent(s.coverage),
  ]);
  const header = ['arch', 'strategy', 'configs', 'median |error|', '90th pct |error|', 'max |error|', 'inside 95% PI'];
  process.stdout.write(
    `\n${textTable(
      header,
      rows,
      header.map((_, i) => i >= 2),
    )}\n\n`,
  );
  assert.equal(summaries.length, 2);
  for (const s of summaries) {
    assert.ok(s.medianError <= 0.03, `${s.arch}: median error ${percent(s.medianError)} above the 3% goal`);
    assert.ok(s.p90Error <= 0.08, `${s.arch}: 90th percentile error ${percent(s.p90Error)} above the 8% goal`);
  }
}

describe('scaling model', () => {
  it('recovers the parameters of noiseless data made with the model', () => {
    const truth = { serialMs: 200, workMs: 8000, overheadPerThread: 0.02, mbPerVcpu: 1769, sharing: 0.5 };
    const observations = [512, 1024, 1769, 3008, 4096, 5376, 7168, 8960, 10240].flatMap((memoryMB) =>
      [1, 2, 4, 6].map((threads) => ({ memoryMB, threads, timeMs: predictTime(truth, memoryMB, threads) })),
    );
    const model = fitScalingModel('arm64', 'pool', observations);
    assert.ok(Math.abs(model.mbPerVcpu - 1769) <= 6, `MB per vCPU ${model.mbPerVcpu}`);
    assert.ok(Math.abs(model.overheadPerThread - 0.02) <= 0.002, `overhead ${model.overheadPerThread}`);
    assert.ok(model.logSigma < 0.005, `residual spread ${model.logSigma}`);
    const prediction = predict(model, 2048, 3);
    const expected = predictTime(truth, 2048, 3);
    assert.ok(Math.abs(prediction.predictedMs / expected - 1) < 0.01);
    assert.ok(prediction.lowMs <= prediction.predictedMs && prediction.predictedMs <= prediction.highMs && prediction.costUsd > 0);
  });

  it('counts cores kept busy: all when threads fit, between no migration and perfect sharing when not', () => {
    assert.equal(coresKeptBusy(4, 5, 0.3), 4);
    assert.equal(coresKeptBusy(6, 5, 0), 3);
    assert.equal(coresKeptBusy(6, 5, 1), 5);
    assert.equal(coresKeptBusy(6, 5, 0.5), 4);
  });

  it('predicts only configurations that were not measured', () => {
    const configs = summarizeConfigurations(
      [512, 1024, 2048, 4096].flatMap((memoryMB) =>
        [1, 2].map((threads) => ({
          runId: 'r',
          functionName: 'f',
          arch: 'arm64' as const,
          memoryMB,
          threads,
          strategy: 'pool' as const,
          rep: 1,
          warmup: false,
          coldStart: false,
          processingMs: 100 + (8000 * 1769) / Math.min(memoryMB, threads * 1769) / threads,
          durationMs: null,
          billedMs: null,
          initMs: null,
          maxMemoryMB: null,
          cores: null,
          cpuModel: null,
          error: null,
          retries: 0,
          startedAt: '',
          endedAt: '',
        })),
      ),
    );
    const predictions = predictUnmeasured(configs, [1024, 3008]);
    assert.deepEqual(
      predictions.map((p) => `${p.threads}@${p.memoryMB}`),
      ['1@3008', '2@3008'],
    );
  });

  it("leave-one-configuration-out on the study's 1-thread data (fixture): prints median / 90th-percentile error per architecture", () => {
    checkLeaveOneOut(SEED_FIXTURE_DIR);
  });

  const fullStudy = seedResultsDir();
  if (fullStudy)
    it(`leave-one-configuration-out on the ${FULL_STUDY}: prints median / 90th-percentile error per architecture`, () => {
      checkLeaveOneOut(fullStudy);
    });
});
