// One scaling model per (architecture, strategy) across memory AND threads, to predict configurations
// nobody measured:
//
//     time(m, t) = serial + work · (1 + overhead · (t − 1)) / min(t, m / mbPerVcpu, visibleCores(m))
//
// - min(...) is the CPU the threads can use: no more than one core each, no more than the CPU share
//   Lambda gives the memory (m / mbPerVcpu vCPUs), no more than the cores it shows (lambdaModel's bands).
// - `serial` is the part no thread count shortens (start-up, result handling); `work` the CPU time of
//   the parallel part on one vCPU; `overhead` the extra CPU each further thread costs (worker start-up,
//   scheduling), which is why the study's 6-thread runs at 10 GB deliver < 6× the 1-thread speed.
// - `mbPerVcpu` is fitted per architecture (Lambda documents 1,769; the data decide).
// Fitted by least squares on relative errors (weights 1/time², like the knee's hinge): for each
// (mbPerVcpu, overhead) on a grid, serial and work have a closed form; a finer grid around the best
// pair refines it. Prediction intervals come from the residual spread on the log scale.
// Pure: no I/O; deterministic.
import type { Architecture, Strategy } from '../experimentConfig';
import { lambdaVisibleCores } from '../lambdaModel';
import { invocationCostUsd } from '../pricing';
import type { ConfigSummary, PredictedConfig } from './analysisTypes';
import { quantile, studentTQuantile } from './statistics';

export interface ScalingObservation {
  memoryMB: number;
  threads: number;
  /** Robust centre of the measured times (median; the mean for mean-only imports), ms. */
  timeMs: number;
}

export interface ScalingModel {
  arch: Architecture;
  strategy: Strategy;
  serialMs: number;
  workMs: number;
  overheadPerThread: number;
  mbPerVcpu: number;
  /** Where more threads than visible cores land between no migration (0) and perfect sharing (1). */
  sharing: number;
  /** Standard deviation of log(measured / fitted), the model's typical relative miss. */
  logSigma: number;
  /** Observations the model was fitted to. */
  n: number;
}

/** 95% prediction interval in lowMs..highMs. */
export type Prediction = PredictedConfig;

/**
 * Cores `threads` equal tasks can keep busy on `cores` visible cores. With no more threads than
 * cores, all of them. With more, between the worst case (no migration: the busiest core runs
 * ceil(t/c) tasks one after the other, t / ceil(t/c) cores' worth) and perfect sharing (c cores):
 * `sharing` ∈ [0, 1] says where, fitted. On the study's data 6 threads on 5 visible cores deliver
 * about 4 vCPUs even when Lambda's share is 4.9 — the model without this missed those by up to 18%.
 */
export function coresKeptBusy(threads: number, cores: number, sharing: number): number {
  if (threads <= cores) return threads;
  const worst = threads / Math.ceil(threads / cores);
  return worst + sharing * (cores - worst);
}

/** CPU the threads can use at a memory size: vCPUs, capped by the thread count and the visible cores. */
export function usableCpus(memoryMB: number, threads: number, mbPerVcpu: number, sharing = 1): number {
  return Math.min(threads, memoryMB / mbPerVcpu, coresKeptBusy(threads, lambdaVisibleCores(memoryMB), sharing));
}

interface ShapeParameters {
  mbPerVcpu: number;
  overhead: number;
  sharing: number;
}

function regressor(o: { memoryMB: number; threads: number }, shape: ShapeParameters): number {
  return (1 + shape.overhead * (o.threads - 1)) / usableCpus(o.memoryMB, o.threads, shape.mbPerVcpu, shape.sharing);
}

/** Weighted least squares of time on [1, x] with weights 1/time²; serial and work clamped at >= 0. */
function fitLinear(observations: readonly ScalingObservation[], shape: ShapeParameters): { serial: number; work: number; sse: number } {
  let sw = 0,
    swx = 0,
    swy = 0,
    swxx = 0,
    swxy = 0;
  const xs = observations.map((o) => regressor(o, shape));
  observations.forEach((o, i) => {
    const w = 1 / (o.timeMs * o.timeMs);
    sw += w;
    swx += w * xs[i];
    swy += w * o.timeMs;
    swxx += w * xs[i] * xs[i];
    swxy += w * xs[i] * o.timeMs;
  });
  const denominator = sw * swxx - swx * swx;
  let work = denominator > 0 ? (sw * swxy - swx * swy) / denominator : swy / swx;
  let serial = (swy - work * swx) / sw;
  if (serial < 0) {
    serial = 0;
    work = swxy / swxx;
  }
  if (work < 0) work = 0;
  let sse = 0;
  observations.forEach((o, i) => {
    sse += ((o.timeMs - serial - work * xs[i]) / o.timeMs) ** 2;
  });
  return { serial, work, sse };
}

interface Range {
  from: number;
  to: number;
  step: number;
}

function values(range: Range): number[] {
  const out: number[] = [];
  for (let v = range.from; v <= range.to + range.step * 1e-6; v += range.step) out.push(v);
  return out;
}

type ShapeFit = ShapeParameters & { serial: number; work: number; sse: number };

function searchGrid(observations: readonly ScalingObservation[], vcpu: Range, overhead: Range, sharing: Range): ShapeFit {
  let best: ShapeFit = { mbPerVcpu: vcpu.from, overhead: overhead.from, sharing: sharing.from, serial: 0, work: 0, sse: Infinity };
  for (const c of values(vcpu)) {
    for (const o of values(overhead)) {
      for (const h of values(sharing)) {
        const shape = { mbPerVcpu: c, overhead: o, sharing: h };
        const fit = fitLinear(observations, shape);
        if (fit.sse < best.sse) best = { ...shape, ...fit };
      }
    }
  }
  return best;
}

function around(center: number, halfWidth: number, step: number, min: number, max: number): Range {
  return { from: Math.max(min, center - halfWidth), to: Math.min(max, center + halfWidth), step };
}

/** The fine search around a starting shape (alone, it refits a model to slightly changed data, e.g. one configuration left out). */
function refine(observations: readonly ScalingObservation[], start: ShapeParameters, scale = 1): ShapeFit {
  return searchGrid(
    observations,
    around(start.mbPerVcpu, 50 * scale, 2, 500, 4000),
    around(start.overhead, 0.02 * scale, 0.002, 0, 1),
    around(start.sharing, 0.1 * scale, 0.01, 0, 1),
  );
}

function modelFrom(arch: Architecture, strategy: Strategy, observations: readonly ScalingObservation[], fit: ShapeFit): ScalingModel {
  const model: ScalingModel = {
    arch,
    strategy,
    serialMs: fit.serial,
    workMs: fit.work,
    overheadPerThread: fit.overhead,
    mbPerVcpu: fit.mbPerVcpu,
    sharing: fit.sharing,
    logSigma: 0,
    n: observations.length,
  };
  const logResiduals = observations.map((o) => Math.log(o.timeMs / predictTime(model, o.memoryMB, o.threads)));
  const dof = Math.max(1, observations.length - 5);
  model.logSigma = Math.sqrt(logResiduals.reduce((sum, r) => sum + r * r, 0) / dof);
  return model;
}

function usableObservations(arch: Architecture, strategy: Strategy, observations: readonly ScalingObservation[]): ScalingObservation[] {
  const usable = observations.filter((o) => Number.isFinite(o.timeMs) && o.timeMs > 0);
  if (usable.length < 6) throw new RangeError(`a scaling model for ${arch} ${strategy} needs at least 6 measured configurations, got ${usable.length}`);
  return usable;
}

/** Fits the model to one (arch, strategy)'s observations (at least 6, over more than one memory size). */
export function fitScalingModel(arch: Architecture, strategy: Strategy, observations: readonly ScalingObservation[]): ScalingModel {
  const usable = usableObservations(arch, strategy, observations);
  const coarse = searchGrid(usable, { from: 1000, to: 3000, step: 50 }, { from: 0, to: 0.5, step: 0.025 }, { from: 0, to: 1, step: 0.1 });
  return modelFrom(arch, strategy, usable, refine(usable, coarse));
}

/** Refits a model to changed data by the fine search around its shape only (fast; for leave-one-out). */
export function refitScalingModel(model: ScalingModel, observations: readonly ScalingObservation[]): ScalingModel {
  const usable = usableObservations(model.arch, model.strategy, observations);
  return modelFrom(
    model.arch,
    model.strategy,
    usable,
    refine(usable, { mbPerVcpu: model.mbPerVcpu, overhead: model.overheadPerThread, sharing: model.sharing }, 0.4),
  );
}

export function predictTime(
  model: Pick<ScalingModel, 'serialMs' | 'workMs' | 'overheadPerThread' | 'mbPerVcpu' | 'sharing'>,
  memoryMB: number,
  threads: number,
): number {
  return (
    model.serialMs + model.workMs * regressor({ memoryMB, threads }, { mbPerVcpu: model.mbPerVcpu, overhead: model.overheadPerThread, sharing: model.sharing })
  );
}

/** Prediction with a 95% interval from the log-scale residual spread (t quantile with n − 4 df). */
export function predict(model: ScalingModel, memoryMB: number, threads: number, region?: string): Prediction {
  const predictedMs = predictTime(model, memoryMB, threads);
  const spread = studentTQuantile(0.975, Math.max(1, model.n - 5)) * model.logSigma * Math.sqrt(1 + 1 / model.n);
  const costUsd = invocationCostUsd({ billedMs: Math.ceil(predictedMs), memoryMB, arch: model.arch, region });
  return {
    arch: model.arch,
    strategy: model.strategy,
    threads,
    memoryMB,
    predictedMs,
    lowMs: predictedMs * Math.exp(-spread),
    highMs: predictedMs * Math.exp(spread),
    costUsd,
  };
}

function observationOf(config: ConfigSummary): ScalingObservation {
  return { memoryMB: config.memoryMB, threads: config.threads, timeMs: config.aggregateOnly ? config.meanMs : config.medianMs };
}

/** One model per (arch, strategy) with enough data; families with too few configurations are skipped. */
export function fitScalingModels(configs: readonly ConfigSummary[]): ScalingModel[] {
  const families = new Map<string, { arch: Architecture; strategy: Strategy; observations: ScalingObservation[] }>();
  for (const config of configs) {
    if (!(config.n > 0)) continue;
    const key = `${config.arch}|${config.strategy}`;
    let family = families.get(key);
    if (!family) families.set(key, (family = { arch: config.arch, strategy: config.strategy, observations: [] }));
    family.observations.push(observationOf(config));
  }
  const models: ScalingModel[] = [];
  for (const family of families.values()) {
    const sizes = new Set(family.observations.map((o) => o.memoryMB)).size;
    if (family.observations.length >= 6 && sizes >= 2) models.push(fitScalingModel(family.arch, family.strategy, family.observations));
  }
  return models;
}

/**
 * Predictions for every thread count measured in each (arch, strategy), at the given memory sizes,
 * for the configurations that were NOT measured (a measured one needs no prediction).
 */
export function predictUnmeasured(configs: readonly ConfigSummary[], memorySizesMB: readonly number[], region?: string): Prediction[] {
  const measured = new Set(configs.filter((c) => c.n > 0).map((c) => `${c.arch}|${c.strategy}|${c.threads}|${c.memoryMB}`));
  const predictions: Prediction[] = [];
  for (const model of fitScalingModels(configs)) {
    const threads = [...new Set(configs.filter((c) => c.arch === model.arch && c.strategy === model.strategy).map((c) => c.threads))].sort((a, b) => a - b);
    for (const t of threads) {
      for (const memoryMB of [...memorySizesMB].sort((a, b) => a - b)) {
        if (!measured.has(`${model.arch}|${model.strategy}|${t}|${memoryMB}`)) predictions.push(predict(model, memoryMB, t, region));
      }
    }
  }
  return predictions;
}

export interface LeaveOneOutSummary {
  arch: Architecture;
  strategy: Strategy;
  configurations: number;
  /** |predicted / measured − 1| with the configuration left out of the fit. */
  medianError: number;
  p90Error: number;
  maxError: number;
  /** Share of left-out measurements inside their 95% prediction interval. */
  coverage: number;
}

/**
 * Leave-one-configuration-out: refit without each configuration and predict it. The refit searches
 * the shape parameters near the full fit's (one of hundreds of configurations moves them little)
 * and solves serial and work afresh.
 */
export function leaveOneOut(configs: readonly ConfigSummary[]): LeaveOneOutSummary[] {
  const summaries: LeaveOneOutSummary[] = [];
  for (const model of fitScalingModels(configs)) {
    const family = configs.filter((c) => c.arch === model.arch && c.strategy === model.strategy && c.n > 0).map(observationOf);
    const errors: number[] = [];
    let covered = 0;
    family.forEach((left, index) => {
      const rest = family.filter((_, i) => i !== index);
      const refit = refitScalingModel(model, rest);
      const prediction = predict(refit, left.memoryMB, left.threads);
      errors.push(Math.abs(prediction.predictedMs / left.timeMs - 1));
      if (left.timeMs >= prediction.lowMs && left.timeMs <= prediction.highMs) covered++;
    });
    summaries.push({
      arch: model.arch,
      strategy: model.strategy,
      configurations: family.length,
      medianError: quantile(errors, 0.5),
      p90Error: quantile(errors, 0.9),
      maxError: Math.max(...errors),
      coverage: covered / family.length,
    });
  }
  return summaries;
}
