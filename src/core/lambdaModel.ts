// Lambda's resource model in one place: memory bounds, CPU time in proportion to memory
// (1,769 MB = one vCPU, at most 6 vCPUs at 10,240 MB) and the visible-core bands.
// Sources: AWS Lambda developer guide ("Memory and computing power", "Lambda quotas") and the
// study's own measurements in ../shared/data/seed-results (os.cpus() per memory size).
// Pure: the endpoint's CPU limiter, the cost estimate, the knee and the presets all read it.

/** Memory at which a function gets the equivalent of one full vCPU. */
export const MB_PER_VCPU = 1769;
/** Lambda's memory bounds (MB). */
export const MEMORY_MIN_MB = 128;
export const MEMORY_MAX_MB = 10240;
/** Lambda's function timeout bounds (seconds). */
export const TIMEOUT_MIN_S = 1;
export const TIMEOUT_MAX_S = 900;
/** vCPUs at the maximum memory size. */
export const MAX_VCPUS = 6;

/** Visible-core bands: the smallest memory size (MB) from which Lambda shows that many cores. */
const VISIBLE_CORE_BANDS: ReadonlyArray<{ fromMemoryMB: number; cores: number }> = [
  { fromMemoryMB: MEMORY_MIN_MB, cores: 2 },
  { fromMemoryMB: 3009, cores: 3 },
  { fromMemoryMB: 5376, cores: 4 },
  { fromMemoryMB: 7168, cores: 5 },
  { fromMemoryMB: 8960, cores: 6 },
];

/** CPU time per wall-clock second Lambda gives at a memory size (0.5 = half a core), at most 6. */
export function lambdaVcpus(memoryMB: number): number {
  return Math.min(MAX_VCPUS, memoryMB / MB_PER_VCPU);
}

/** Visible cores Lambda shows at a memory size (2 up to 3,008 MB, then 3/4/5/6). */
export function lambdaVisibleCores(memoryMB: number): number {
  let cores = VISIBLE_CORE_BANDS[0].cores;
  for (const band of VISIBLE_CORE_BANDS) if (memoryMB >= band.fromMemoryMB) cores = band.cores;
  return cores;
}
