// Experiment configuration: the shape every adapter (CLI, VS Code, sweep engine) shares.
// Validation lives in experimentValidation.ts.

export type Architecture = 'x86_64' | 'arm64';
export type Strategy = 'pool' | 'batch' | 'warm';

export const ARCHITECTURES: readonly Architecture[] = ['x86_64', 'arm64'];
export const STRATEGIES: readonly Strategy[] = ['pool', 'batch', 'warm'];

/** The event the template function accepts. */
export interface TemplateEvent {
  items: number;
  workers: number;
  cost: number;
  strategy: Strategy;
}

export interface ExperimentConfig {
  /** Used in function names and tags: lowercase letters, digits and dashes. */
  experimentId: string;
  memorySizesMB: number[];
  architectures: Architecture[];
  threadCounts: number[];
  strategies: Strategy[];
  repetitions: number;
  items: number;
  /** bcrypt cost (log2 rounds). */
  cost: number;
}
