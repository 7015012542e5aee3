// The cost-vs-time Pareto front: configurations no other configuration beats on both time and
// cost (one at least as fast AND at least as cheap, better on one of them).

export interface CostTimePoint {
  meanMs: number;
  costPerInvocationUsd: number;
}

/** Non-dominated points, fastest first (so cost falls along the list). Non-finite points are ignored. */
export function paretoFront<T extends CostTimePoint>(points: readonly T[]): T[] {
  const usable = points.filter((p) => Number.isFinite(p.meanMs) && Number.isFinite(p.costPerInvocationUsd));
  const sorted = [...usable].sort((p, q) => p.meanMs - q.meanMs || p.costPerInvocationUsd - q.costPerInvocationUsd);
  const front: T[] = [];
  let cheapestSoFar = Infinity;
  for (const point of sorted) {
    // Sorted by time, a point is on the front iff it is strictly cheaper than everything faster.
    if (point.costPerInvocationUsd < cheapestSoFar) {
      front.push(point);
      cheapestSoFar = point.costPerInvocationUsd;
    }
  }
  return front;
}
