// Memory sizes for the built-in endpoint, which runs every function on this machine: a function
// gets memory/1,769 MB of a CPU, so sizes beyond cores × 1,769 MB cannot get the CPU Lambda would
// give them — results there flatten because the machine runs out, not because Lambda does.
// Pure: the caller passes the machine's core count.
import { MAX_VCPUS, MB_PER_VCPU, MEMORY_MAX_MB } from './lambdaModel';

/** The largest size whose CPU share this machine can give (cores × 1,769 MB, at most Lambda's maximum). */
export function localMemoryLimitMB(cores: number): number {
  return Math.min(MEMORY_MAX_MB, Math.max(1, Math.floor(cores)) * MB_PER_VCPU);
}

/**
 * Default sizes on Local: steps of half a vCPU up to the machine's cores on small machines (885,
 * 1,769, 2,654, 3,538 MB on 2 cores), whole vCPUs from half a vCPU up on larger ones; never more
 * than the machine can give or Lambda's six vCPUs.
 */
export function localDefaultSizesMB(cores: number): number[] {
  const vcpus = Math.min(MAX_VCPUS, Math.max(1, Math.floor(cores)));
  const steps = vcpus <= 2 ? Array.from({ length: vcpus * 2 }, (_, i) => (i + 1) / 2) : [0.5, ...Array.from({ length: vcpus }, (_, i) => i + 1)];
  return steps.map((step) => Math.min(MEMORY_MAX_MB, Math.round(step * MB_PER_VCPU)));
}

/** The sizes this machine cannot give their Lambda CPU share on the built-in endpoint. */
export function sizesBeyondMachine(memorySizesMB: readonly number[], cores: number): number[] {
  const limit = localMemoryLimitMB(cores);
  return memorySizesMB.filter((mb) => mb > limit);
}
