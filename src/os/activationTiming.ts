// How long the extension takes to activate, measured in the extension host process. Imported first
// by extension.ts, so `bundleStarted` is taken when the bundle's first statement runs.
// The numbers are part of the extension's exports (`extensions.getExtension(id).exports`), where
// the suite and the benchmarks read them, and are written to the Lambda Lab output channel.

const bundleStarted = performance.now();

export interface ActivationTiming {
  /** activate(), from its first statement to its return. */
  activateMs: number;
  /** From the bundle's first statement to activate() returning: evaluating the bundle plus activating. */
  loadAndActivateMs: number;
  /** From the extension host process's start to activate() returning (process.uptime()). */
  sinceHostStartMs: number;
}

/** Call first thing in activate(); the function it returns is called just before activate() returns. */
export function startActivationClock(): () => ActivationTiming {
  const activateStarted = performance.now();
  return () => {
    const now = performance.now();
    return {
      activateMs: round(now - activateStarted),
      loadAndActivateMs: round(now - bundleStarted),
      sinceHostStartMs: round(process.uptime() * 1000),
    };
  };
}

function round(ms: number): number {
  return Math.round(ms * 100) / 100;
}
