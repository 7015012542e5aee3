// A seeded pseudo-random generator shared by the sweep plan's shuffle, the endpoint's fault dice
// and tests: the same seed gives the same sequence on every platform.

/** mulberry32: a tiny, well-distributed 32-bit PRNG; deterministic across platforms. */
export function createSeededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
