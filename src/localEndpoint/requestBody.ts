// Reading request bodies without letting slow or large ones take the endpoint down. Requests
// whose signature verified from the headers use one budget; those whose signature covers only the
// body's hash inside the canonical request (no x-amz-content-sha256) another, smaller one. Each body has a deadline, each
// operation Lambda's size limit, and the bytes buffered across all requests in flight are capped:
// a slow body holds a slot only until its deadline and costs only the bytes it has sent.
import type * as http from 'node:http';
import { LambdaApiError } from './lambdaErrors';

/** CreateFunction / UpdateFunctionCode: AWS's limit on the request (a 50 MB zip, base64). */
export const MAX_CODE_REQUEST_BYTES = 69_905_067;
/** Synchronous Invoke: 6 MB request and response payloads. */
export const MAX_INVOKE_PAYLOAD_BYTES = 6_291_456;
const MAX_OTHER_REQUEST_BYTES = 1_048_576;

export interface BodyLimits {
  /** Bodies read at the same time; further requests wait unread (the kernel holds their bytes). */
  reading: number;
  /** Requests waiting for a reading slot; beyond it they get 429 as AWS would. */
  waiting: number;
  /** Bytes buffered across every request in flight; a body that would exceed it gets 429. */
  bufferedBytes: number;
  /** Time from the headers to the body's last byte; a slower body gets 408 and its connection is closed. */
  bodyDeadlineMs: number;
}

export const DEFAULT_BODY_LIMITS: BodyLimits = { reading: 32, waiting: 64, bufferedBytes: 200 * 1024 * 1024, bodyDeadlineMs: 30_000 };

/**
 * Bodies whose signature can be checked only once they are in (requests without
 * x-amz-content-sha256, as botocore sends them): anyone who knows the access key id can start one,
 * so they get a budget of their own, small enough that the endpoint's memory stays bounded
 * (at most 100 MB more: one code upload of the largest size plus change) and large enough for
 * one AWS CLI user deploying and invoking.
 */
export const DEFAULT_UNVERIFIED_BODY_LIMITS: BodyLimits = { reading: 4, waiting: 16, bufferedBytes: 100 * 1024 * 1024, bodyDeadlineMs: 30_000 };

export function bodyLimitFor(op: string): number {
  if (op === 'CreateFunction' || op === 'UpdateFunctionCode') return MAX_CODE_REQUEST_BYTES;
  return op === 'Invoke' ? MAX_INVOKE_PAYLOAD_BYTES : MAX_OTHER_REQUEST_BYTES;
}

export function tooLarge(op: string, limit: number): LambdaApiError {
  const type = op === 'Invoke' ? 'RequestTooLargeException' : 'RequestEntityTooLargeException';
  return new LambdaApiError(413, type, `Request must be smaller than ${limit} bytes for the ${op === 'Invoke' ? 'InvokeFunction' : op} operation`);
}

/** A reading slot plus the bytes this request has buffered; release() gives both back. */
export interface BodyReading {
  /** Counts `bytes` more against the total; false when that would exceed it. */
  take(bytes: number): boolean;
  release(): void;
  deadlineMs: number;
}

/** Reading slots, the waiting line and the total of buffered bytes, shared by all requests. */
export class BodyBudget {
  private active = 0;
  private buffered = 0;
  private readonly queue: Array<() => void> = [];

  constructor(private readonly limits: BodyLimits) {}

  describe(): string {
    return `${this.active} bodies being read, ${(this.buffered / 1048576).toFixed(1)} of ${(this.limits.bufferedBytes / 1048576).toFixed(0)} MB buffered`;
  }

  get bufferedBytes(): number {
    return this.buffered;
  }

  acquire(request: http.IncomingMessage): Promise<BodyReading> {
    let released = false;
    let mine = 0;
    const reading: BodyReading = {
      deadlineMs: this.limits.bodyDeadlineMs,
      take: (bytes) => {
        if (this.buffered + bytes > this.limits.bufferedBytes) return false;
        this.buffered += bytes;
        mine += bytes;
        return true;
      },
      release: () => {
        if (released) return;
        released = true;
        this.buffered -= mine;
        mine = 0;
        const next = this.queue.shift();
        if (next) next();
        else this.active--;
      },
    };
    if (this.active < this.limits.reading) {
      this.active++;
      return Promise.resolve(reading);
    }
    if (this.queue.length >= this.limits.waiting) {
      return Promise.reject(
        new LambdaApiError(
          429,
          'TooManyRequestsException',
          `Rate exceeded: the local endpoint is already receiving ${this.limits.reading} requests and has ${this.limits.waiting} waiting. Retry later.`,
          { 'Retry-After': '1' },
          { Reason: 'CallerRateLimitExceeded' },
        ),
      );
    }
    return new Promise((resolve, reject) => {
      const grant = () => {
        request.off('close', onClose);
        resolve(reading); // the slot passes from the releaser to this request; active stays the same
      };
      const onClose = () => {
        const index = this.queue.indexOf(grant);
        if (index >= 0) this.queue.splice(index, 1);
        reject(new Error('the client closed the connection while waiting'));
      };
      this.queue.push(grant);
      request.once('close', onClose);
    });
  }
}

/** Reads the body within the per-request limit, the shared byte budget and the deadline. */
export function readBody(request: http.IncomingMessage, op: string, limit: number, reading: BodyReading): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let settled = false;
    const fail = (error: Error) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      chunks.length = 0;
      request.pause();
      reject(error);
    };
    const timer = setTimeout(() => {
      const seconds = Math.round(reading.deadlineMs / 1000);
      fail(
        new LambdaApiError(
          408,
          'RequestTimeoutException',
          `The request body did not arrive within ${seconds} s of its headers (${size} bytes received); the connection is closed. Check the connection, then send the request again.`,
        ),
      );
    }, reading.deadlineMs);
    timer.unref();
    request.on('data', (chunk: Buffer) => {
      if (settled) return;
      size += chunk.length;
      if (size > limit) return fail(tooLarge(op, limit));
      if (!reading.take(chunk.length)) {
        return fail(
          new LambdaApiError(
            429,
            'TooManyRequestsException',
            'Rate exceeded: the local endpoint is holding as many request bodies as it buffers at once. Retry shortly.',
            { 'Retry-After': '1' },
            { Reason: 'CallerRateLimitExceeded' },
          ),
        );
      }
      chunks.push(chunk);
    });
    request.on('end', () => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(Buffer.concat(chunks));
    });
    request.on('error', (error) => fail(error));
    // The client went away mid-body: give the slot back.
    request.on('close', () => {
      if (!request.complete) fail(new Error('the client closed the connection before sending the whole request'));
    });
  });
}
