// Lane scheduling: at most `lanes` invocations in flight and at most one per function. Each
// function then keeps one warm execution environment, so our own parallelism never turns a measured
// invocation into a cold start (nor, on the built-in endpoint, makes two copies of one function
// compete for its CPU share). The queue order is kept otherwise.
import type { PlannedInvocation } from '../core/sweepPlan';

export interface LaneSchedule {
  concurrency: number;
  /** True once the sweep has stopped: lanes take nothing more. */
  isStopped: () => boolean;
  /** Resolves when the sweep stops (wakes lanes waiting for a free function). */
  stopped: Promise<void>;
  /** Runs one planned invocation; false ends this lane (e.g. the cost ceiling was reached). */
  runOne: (planned: PlannedInvocation) => Promise<boolean>;
}

export async function runInLanes(queue: readonly PlannedInvocation[], schedule: LaneSchedule): Promise<void> {
  // Taken entries are marked rather than spliced out (a splice moves the whole rest of a queue of up
  // to 100,000 invocations each time); `head` skips the taken ones at the front.
  const taken = new Uint8Array(queue.length);
  let head = 0;
  let left = queue.length;
  const busy = new Set<string>();
  let waiting: Array<() => void> = [];
  const slotFreed = () => new Promise<void>((resolve) => waiting.push(resolve));
  const release = () => {
    if (waiting.length === 0) return; // the usual case: no lane is waiting for a free function
    const wake = waiting;
    waiting = [];
    for (const resolve of wake) resolve();
  };
  const lanes = Math.max(1, Math.min(schedule.concurrency, new Set(queue.map((p) => p.functionName)).size));
  // The first untaken invocation whose function is free, marked taken; null when there is none now.
  // A function of its own, not inline in the lane: V8 optimizes it once it is hot, but not the loop
  // of the lane, an async function resumed after every call (no on-stack replacement there).
  const takeNext = (): PlannedInvocation | null => {
    while (head < queue.length && taken[head]) head++;
    for (let i = head; i < queue.length; i++) {
      if (!taken[i] && !busy.has(queue[i].functionName)) {
        taken[i] = 1;
        left--;
        busy.add(queue[i].functionName);
        return queue[i];
      }
    }
    return null;
  };
  const lane = async (): Promise<void> => {
    while (!schedule.isStopped() && left > 0) {
      const planned = takeNext();
      if (planned === null) {
        await Promise.race([slotFreed(), schedule.stopped]);
        continue;
      }
      let goOn: boolean;
      try {
        goOn = await schedule.runOne(planned);
      } finally {
        busy.delete(planned.functionName);
        release();
      }
      if (!goOn) break;
    }
    release(); // let a waiting lane see that the queue is empty or the sweep stopped
  };
  await Promise.all(Array.from({ length: lanes }, lane));
}
