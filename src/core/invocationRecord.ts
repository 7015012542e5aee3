// One line of `.lambda-lab/runs/<run-id>/invocations.jsonl`. These field names are a public
// format: the sweep engine writes them, analysis, the results view and users' scripts read them.
import type { Architecture, Strategy } from './experimentConfig';

export interface InvocationRecord {
  runId: string;
  functionName: string;
  arch: Architecture;
  memoryMB: number;
  threads: number;
  strategy: Strategy;
  rep: number;
  /** True for the one warm-up invocation per function (treated as a cold start). */
  warmup: boolean;
  coldStart: boolean;
  /** The function's own timer around the parallel part, ms. */
  processingMs: number | null;
  /** From the REPORT line. */
  durationMs: number | null;
  billedMs: number | null;
  initMs: number | null;
  maxMemoryMB: number | null;
  /** `os.availableParallelism()` inside the function. */
  cores: number | null;
  cpuModel: string | null;
  /**
   * How the function's CPU was limited, as the function itself saw it (LAMBDA_LAB_CPU_LIMIT from the
   * built-in endpoint: e.g. 'cgroup-v1', 'none' = unthrottled); null where nothing says (AWS, other
   * endpoints). Absent in records written before this field existed.
   */
  cpuLimit?: string | null;
  /**
   * Where processingMs came from for a function that is not the template: 'function' (it returned
   * processingMs) or 'report' (the REPORT line's Duration). Absent for the template.
   */
  timeSource?: 'function' | 'report';
  /**
   * Which payload the invocation sent, for a function that is not the template: the payload's
   * workspace-relative file path or json#n for a typed one (see run.json's ownFunction.payloads).
   * Absent for the template and in records written before this field existed.
   */
  payload?: string;
  /** null, or the error message (function error, throttling after retries, network...). */
  error: string | null;
  retries: number;
  startedAt: string;
  endedAt: string;
}
