// What the engine needs to know about an error thrown by the AWS SDK's send(): whether retrying can
// help, how many attempts the SDK already made, the server's Retry-After, and a one-line description.
export type ErrorKind = 'throttle' | 'server' | 'transport' | 'fatal';

export interface SdkErrorShape {
  name?: string;
  code?: string;
  message?: string;
  $metadata?: { httpStatusCode?: number; attempts?: number };
  $response?: { headers?: Record<string, string | undefined> };
  $retryable?: unknown;
}

const TRANSPORT_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH']);

export function classifyError(error: unknown): ErrorKind {
  const e = (error ?? {}) as SdkErrorShape;
  const status = e.$metadata?.httpStatusCode;
  if (e.name === 'TooManyRequestsException' || e.name === 'ThrottlingException' || status === 429) return 'throttle';
  if ((status !== undefined && status >= 500) || e.name === 'ServiceException') return 'server';
  if (
    (e.code && TRANSPORT_CODES.has(e.code)) ||
    e.name === 'TimeoutError' ||
    (status === undefined && /socket hang up|ECONN|ETIMEDOUT|network/i.test(e.message ?? ''))
  )
    return 'transport';
  return 'fatal';
}

export function isAbort(error: unknown): boolean {
  return (error as { name?: string } | null)?.name === 'AbortError';
}

export function sdkAttempts(error: unknown): number | undefined {
  return (error as SdkErrorShape | null)?.$metadata?.attempts;
}

export function retryAfterMs(error: unknown): number | null {
  const header = (error as SdkErrorShape | null)?.$response?.headers?.['retry-after'];
  const seconds = header !== undefined ? Number(header) : NaN;
  return Number.isFinite(seconds) && seconds >= 0 ? seconds * 1000 : null;
}

export function describeError(error: unknown): string {
  if (error === null || error === undefined) return 'unknown error';
  const e = error as SdkErrorShape;
  const status = e.$metadata?.httpStatusCode;
  const name = e.name && e.name !== 'Error' ? e.name : e.code;
  const message = e.message ?? String(error);
  return `${name ? `${name}: ` : ''}${message}${status ? ` (HTTP ${status})` : ''}`;
}
