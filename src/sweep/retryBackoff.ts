// How long to wait between our own retries of one invocation (after the SDK's attempts are used up).
export interface RetryPolicy {
  /** Our own retries after the SDK's attempts are used up, per invocation. */
  maxOuterRetries: number;
  baseDelayMs: number;
  maxDelayMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = { maxOuterRetries: 4, baseDelayMs: 250, maxDelayMs: 8000 };
/** The SDK's own attempts per call; the client should be created with this maxAttempts. */
export const SDK_MAX_ATTEMPTS = 4;

/**
 * Exponential backoff with equal jitter: half of the step (base × 2^attempt, at most maxDelayMs) is
 * fixed and half random. Equal rather than full jitter because our lanes are few (one per function)
 * and the SDK has already retried with its own jitter: the fixed half guarantees each retry really
 * waits, which is what a throttled endpoint needs, while the random half still spreads the lanes.
 * A longer Retry-After is honoured, but only up to maxDelayMs, so one server header cannot stall a
 * sweep for minutes; a retry sent too early is throttled again and ends as an error record that
 * can be run again later.
 */
export function backoffMs(attempt: number, policy: RetryPolicy, retryAfter: number | null = null, random = Math.random): number {
  const step = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** attempt);
  const jittered = Math.round(step / 2 + random() * (step / 2));
  return Math.min(policy.maxDelayMs, Math.max(jittered, retryAfter ?? 0));
}
