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

/**
 * Runs the queue in at most `concurrency` lanes; resolves when nothing is in flight and nothing more
 * will start (queue empty, sweep stopped, or every lane ended), rejects with the first error of
 * runOne (nothing more starts then; calls in flight end on their own).
 * The lanes are callbacks, not an async loop each: a loop resumed after every call ran as
 * unoptimized code, and waking lanes that wait for a free function took a promise per wait.
 */
export function runInLanes(queue: readonly PlannedInvocation[], schedule: LaneSchedule): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    // Taken entries are marked rather than spliced out (a splice moves the whole rest of a queue of
    // up to 100,000 invocations each time); `head` skips the taken ones at the front.
    const taken = new Uint8Array(queue.length);
    let head = 0;
    let left = queue.length;
    const busy = new Set<string>();
    /** Lanes not ended by runOne returning false. */
    let openLanes = Math.max(1, Math.min(schedule.concurrency, new Set(queue.map((p) => p.functionName)).size));
    let inFlight = 0;
    let settled = false;
    let failed = false;

    // The first untaken invocation whose function is free, marked taken; null when there is none now.
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
    const finishIfDone = (): void => {
      if (settled || inFlight > 0) return;
      if (failed || left === 0 || openLanes === 0 || schedule.isStopped()) {
        settled = true;
        resolve();
      }
    };
    const fail = (error: unknown): void => {
      failed = true;
      if (!settled) {
        settled = true;
        reject(error);
      }
    };
    // Starts invocations while a lane is free, the sweep goes on and some function is free.
    const fill = (): void => {
      while (!failed && inFlight < openLanes && left > 0 && !schedule.isStopped()) {
        const planned = takeNext();
        if (planned === null) break; // every function left in the queue is busy: a call ending calls fill again
        start(planned);
      }
      finishIfDone();
    };
    const start = (planned: PlannedInvocation): void => {
      inFlight++;
      let running: Promise<boolean>;
      try {
        running = schedule.runOne(planned);
      } catch (error) {
        running = Promise.reject(error);
      }
      running.then(
        (goOn) => {
          inFlight--;
          busy.delete(planned.functionName);
          if (!goOn) openLanes--;
          fill();
        },
        (error: unknown) => {
          inFlight--;
          busy.delete(planned.functionName);
          fail(error);
        },
      );
    };
    // A stop with nothing in flight (e.g. cancelled between calls) ends the run without waiting for a call to end.
    schedule.stopped.then(finishIfDone, () => undefined);
    fill();
  });
}
