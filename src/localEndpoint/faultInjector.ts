// Test-only faults, off by default: a share of Invokes answered 429 (with Retry-After) or 500,
// and added latency. Seeded, so a test sees the same sequence every run.
// (To make a *function* crash, hang or throw, set LAMBDA_LAB_FAULT=crash|hang|error in its
// environment variables; the runtime bootstrap obeys it on every invocation.)
import type { FaultInjectionOptions } from './index';
import { LambdaApiError } from './lambdaErrors';
import { createSeededRandom } from '../core/seededRandom';

export class FaultInjector {
  private readonly random: () => number;
  readonly throttleRate: number;
  readonly serverErrorRate: number;
  readonly addedLatencyMs: number;

  constructor(options: FaultInjectionOptions = {}) {
    this.throttleRate = checkRate('throttleRate', options.throttleRate ?? 0);
    this.serverErrorRate = checkRate('serverErrorRate', options.serverErrorRate ?? 0);
    if (this.throttleRate + this.serverErrorRate > 1) throw new RangeError('throttleRate + serverErrorRate must not exceed 1');
    this.addedLatencyMs = options.addedLatencyMs ?? 0;
    if (!Number.isFinite(this.addedLatencyMs) || this.addedLatencyMs < 0) throw new RangeError(`addedLatencyMs must be >= 0, got ${options.addedLatencyMs}`);
    this.random = createSeededRandom(options.seed ?? 1);
  }

  /** Waits the added latency (every request). */
  async delay(): Promise<void> {
    if (this.addedLatencyMs > 0) await new Promise((resolve) => setTimeout(resolve, this.addedLatencyMs));
  }

  /** The fault to answer this Invoke with, if the dice say so. */
  invokeFault(): LambdaApiError | null {
    if (this.throttleRate === 0 && this.serverErrorRate === 0) return null;
    const roll = this.random();
    if (roll < this.throttleRate) {
      return new LambdaApiError(
        429,
        'TooManyRequestsException',
        'Rate Exceeded.',
        { 'Retry-After': '1' },
        { retryAfterSeconds: '1', Reason: 'CallerRateLimitExceeded' },
      );
    }
    if (roll < this.throttleRate + this.serverErrorRate) {
      return new LambdaApiError(500, 'ServiceException', 'Lambda encountered an internal error (injected by the local endpoint for testing).');
    }
    return null;
  }
}

function checkRate(name: string, value: number): number {
  if (!Number.isFinite(value) || value < 0 || value > 1) throw new RangeError(`${name} must be between 0 and 1, got ${value}`);
  return value;
}
