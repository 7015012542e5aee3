// Public entry of the built-in local Lambda endpoint (implementation: see files beside this one).
// Contract used by the CLI (`lambda-lab endpoint`), the extension and the tests.
import type { BodyLimits } from './requestBody';

/** How CPU is limited for execution environments; 'none' means results are unthrottled. */
export type CpuLimitMethod = 'cgroup-v2' | 'cgroup-v1' | 'systemd-run' | 'none';

export interface FaultInjectionOptions {
  /** Share (0..1) of Invoke requests answered 429 TooManyRequestsException with Retry-After. */
  throttleRate?: number;
  /** Share (0..1) of Invoke requests answered 500 ServiceException. */
  serverErrorRate?: number;
  /** Added latency per request, ms. */
  addedLatencyMs?: number;
  /** Seed for the fault dice, so tests are reproducible. */
  seed?: number;
}

export interface LocalEndpointOptions {
  /** 0 or undefined: a random free port on 127.0.0.1. */
  port?: number;
  region?: string;
  /** Override CPU limiting detection (tests); default: detect. */
  cpuLimit?: CpuLimitMethod | 'auto';
  /** CFS period for cgroup quotas, µs (1,000..1,000,000); default DEFAULT_CFS_PERIOD_US. */
  cfsPeriodUs?: number;
  faults?: FaultInjectionOptions;
  /** Folder for unpacked code and temp files; default: a fresh temp dir removed on stop. */
  workDir?: string;
  /**
   * Folder that keeps functions (code, configuration, tags) across restarts, locked while this
   * endpoint runs (see defaultEndpointStoreDir); default: none, functions live in memory only.
   */
  storeDir?: string;
  /** Receives one human-readable line per notable event (never credentials). */
  log?: (line: string) => void;
  /** How long Pending (after create) and InProgress (after update) last, ms; default 100-300 at random. */
  stateTransitionMs?: number;
  /** Most execution environments alive at once; beyond it Invoke gets 429. Default 32. */
  maxEnvironments?: number;
  /** An idle environment is stopped after this long, ms. Default 5 minutes. */
  idleTimeoutMs?: number;
  /** Limits on reading request bodies (slots, bytes buffered in total, deadline); default DEFAULT_BODY_LIMITS. */
  bodyLimits?: Partial<BodyLimits>;
  /** The same for bodies signed without x-amz-content-sha256 (botocore), checked once read; default DEFAULT_UNVERIFIED_BODY_LIMITS. */
  unverifiedBodyLimits?: Partial<BodyLimits>;
}

export interface LocalEndpointHandle {
  /** e.g. http://127.0.0.1:43117 */
  endpoint: string;
  region: string;
  accessKeyId: string;
  secretAccessKey: string;
  cpuLimit: CpuLimitMethod;
  /** What the CPU limit is, or why there is none (e.g. "cgroup-v1 at /sys/fs/cgroup/cpu/lambda-lab-…"). */
  cpuLimitDetail: string;
  /** Whether visible cores are limited by CPU affinity (taskset). */
  cpuAffinity: boolean;
  /** Cores this process may use; the quota and the visible-core band are capped by it. */
  hostCores: number;
  /** Stops the server, kills execution environments, removes cgroups and temp files. */
  stop(): Promise<void>;
}

export { startLocalEndpoint } from './localEndpoint';
export { DEFAULT_BODY_LIMITS, type BodyLimits } from './requestBody';
export { defaultEndpointStoreDir, StoreInUseError } from './functionStore';
