// Connects the sweep engine to the analysis core's adaptive sampler.
import { createAdaptiveSampler } from '../core/analysis/adaptiveSampling';
import type { SweepSampler } from './adaptiveStops';

export function createSamplerForSweep(settings: { minRepetitions: number; maxRepetitions: number; targetRelativeHalfWidth: number }): SweepSampler {
  return createAdaptiveSampler(settings);
}
