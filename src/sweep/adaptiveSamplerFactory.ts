// Connects the sweep engine to the analysis core's adaptive sampler (issue #5, item 4).
import { createAdaptiveSampler } from '../core/analysis/adaptiveSampling';
import type { AdaptiveSamplerLike } from './sweepEngine';

export function createSamplerForSweep(settings: { minRepetitions: number; maxRepetitions: number; targetRelativeHalfWidth: number }): AdaptiveSamplerLike {
  return createAdaptiveSampler(settings);
}
