// Activation time of the extension in real VS Code (code-server). Not taken yet: it needs a suite
// file run by the code-server harness that reads the activation time, and a full code-server start.
import { commandFor, unavailable, type BenchOptions, type Measure } from './common';

export async function measureActivation(options: BenchOptions): Promise<Measure[]> {
  return [
    unavailable(
      'activationMs',
      'ms',
      'none',
      "not measured yet: it needs a code-server run with a suite that reads the extension's activation time (not built yet; see BENCHMARKS.md)",
      commandFor('activation', options.quick),
    ),
  ];
}
