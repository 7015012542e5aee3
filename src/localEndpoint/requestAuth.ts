// Only the holder of the credentials generated at start may use the endpoint: it executes code.
// Requests must carry an AWS Signature Version 4 Authorization header whose access key id is
// ours and whose signature verifies with our secret (as AWS itself would check it).
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

export interface GeneratedCredentials {
  accessKeyId: string;
  secretAccessKey: string;
}

/** A fresh random key pair in AWS's shapes (20-char id starting "AKIA", 40-char secret). */
export function generateCredentials(): GeneratedCredentials {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  const idBytes = randomBytes(16);
  const id = Array.from(idBytes, (b) => alphabet[b % 32]).join('');
  return {
    accessKeyId: `AKIA${id}`,
    secretAccessKey: randomBytes(30).toString('base64').replace(/\+/g, 'A').replace(/\//g, 'B'),
  };
}

export interface SigV4Authorization {
  accessKeyId: string;
  /** yyyymmdd */
  date: string;
  region: string;
  service: string;
  signedHeaders: string[];
  signature: string;
}

/** Parses `AWS4-HMAC-SHA256 Credential=AKID/20240101/us-east-1/lambda/aws4_request, SignedHeaders=a;b, Signature=hex`. */
export function parseSigV4Authorization(header: string): SigV4Authorization | null {
  const match = /^AWS4-HMAC-SHA256\s+(.*)$/s.exec(header.trim());
  if (!match) return null;
  const parts = new Map<string, string>();
  for (const piece of match[1].split(',')) {
    const eq = piece.indexOf('=');
    if (eq > 0) parts.set(piece.slice(0, eq).trim(), piece.slice(eq + 1).trim());
  }
  const credential = parts.get('Credential')?.split('/');
  const signedHeaders = parts.get('SignedHeaders');
  const signature = parts.get('Signature');
  if (!credential || credential.length !== 5 || credential[4] !== 'aws4_request' || !signedHeaders || !signature) return null;
  if (!/^[0-9a-f]{64}$/.test(signature)) return null;
  const [accessKeyId, date, region, service] = credential;
  return { accessKeyId, date, region, service, signedHeaders: signedHeaders.split(';'), signature };
}

export interface RequestToVerify {
  method: string;
  /** The raw request target as received, e.g. "/2015-03-31/functions?Marker=x". */
  url: string;
  /** Lower-cased header names (as Node gives them). */
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

export type AuthResult =
  | { ok: true }
  | { ok: false; status: 403; errorType: 'MissingAuthenticationTokenException' | 'UnrecognizedClientException' | 'InvalidSignatureException'; message: string };

/**
 * AWS's words for a refused key id or secret, then what to do here: SDK and CLI clients show the
 * message, and the usual cause is the user's AWS keys or an earlier start's.
 */
const USE_GENERATED_CREDENTIALS =
  "This Lambda Parallel Lab endpoint accepts only the credentials it generated when it started (not AWS keys, nor an earlier start's): use `--local` with lambda-lab commands (VS Code: the Local target), or the accessKeyId and secretAccessKey that `lambda-lab endpoint` printed.";

export const WRONG_KEY_ID_MESSAGE = `The security token included in the request is invalid. ${USE_GENERATED_CREDENTIALS}`;

const WRONG_SECRET_MESSAGE = `The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. ${USE_GENERATED_CREDENTIALS}`;

/** Clock skew AWS tolerates between the signature's time and the server's. */
const MAX_SKEW_MS = 15 * 60 * 1000;

/**
 * The checks that need only the headers: a parsable SigV4 Authorization naming our access key id.
 * Run before the body is read, so strangers cannot make the endpoint buffer megabytes.
 */
export function preAuthorize(
  headers: RequestToVerify['headers'],
  credentials: GeneratedCredentials,
): { ok: true; auth: SigV4Authorization } | Extract<AuthResult, { ok: false }> {
  const header = single(headers['authorization']);
  if (!header) return { ok: false, status: 403, errorType: 'MissingAuthenticationTokenException', message: 'Missing Authentication Token' };
  const auth = parseSigV4Authorization(header);
  if (!auth) {
    return {
      ok: false,
      status: 403,
      errorType: 'InvalidSignatureException',
      message: 'Authorization header is not a valid AWS Signature Version 4 header (AWS4-HMAC-SHA256 Credential=..., SignedHeaders=..., Signature=...).',
    };
  }
  if (auth.accessKeyId !== credentials.accessKeyId) {
    return { ok: false, status: 403, errorType: 'UnrecognizedClientException', message: WRONG_KEY_ID_MESSAGE };
  }
  return { ok: true, auth };
}

export function verifyRequest(request: RequestToVerify, credentials: GeneratedCredentials, now = Date.now()): AuthResult {
  const signed = verifySignature(request, credentials, now);
  if (!signed.ok) return signed;
  return single(request.headers['x-amz-content-sha256']) === undefined ? { ok: true } : verifyPayloadHash(request.headers, request.body);
}

/** Whether the client declared the body's hash in a header (the SDK) or signed it only inside the canonical request (botocore, the AWS CLI). */
export function declaresPayloadHash(headers: RequestToVerify['headers']): boolean {
  return single(headers['x-amz-content-sha256']) !== undefined;
}

/**
 * For a request without x-amz-content-sha256 (botocore, hence the AWS CLI, sends none to Lambda):
 * SigV4 still puts the body's SHA-256 at the end of the canonical request, so the signature can
 * only be checked once the body is in. Before reading it, everything the headers alone show is
 * checked (a SigV4 header naming our key id, its date within 15 minutes); the caller reads the
 * body under the bounds for unverified bodies, then calls verifyRequest, whose signature covers it.
 */
export function checkHeadersOfUndeclaredBody(headers: RequestToVerify['headers'], credentials: GeneratedCredentials, now = Date.now()): AuthResult {
  const pre = preAuthorize(headers, credentials);
  if (!pre.ok) return pre;
  return checkDateAndSignedHeaders(headers, pre.auth, now);
}

/**
 * The whole signature check from the headers alone, before a byte of the body is read: the client
 * must declare the body's SHA-256 in the signed `x-amz-content-sha256` (as AWS requires for Lambda),
 * so strangers and holders of only the access key id are refused without costing us a buffer.
 * The body must then be compared with verifyPayloadHash.
 */
export function verifyHeadersBeforeBody(request: Omit<RequestToVerify, 'body'>, credentials: GeneratedCredentials, now = Date.now()): AuthResult {
  const pre = preAuthorize(request.headers, credentials);
  if (!pre.ok) return pre;
  const declared = single(request.headers['x-amz-content-sha256']);
  if (declared === undefined || declared === 'UNSIGNED-PAYLOAD' || !/^[0-9a-f]{64}$/.test(declared)) {
    const what =
      declared === undefined ? 'has no x-amz-content-sha256 header' : declared === 'UNSIGNED-PAYLOAD' ? 'is UNSIGNED-PAYLOAD' : 'is not a hex SHA-256';
    return {
      ok: false,
      status: 403,
      errorType: 'InvalidSignatureException',
      message: `The request's payload hash ${what}: Lambda requires the body to be signed. Sign the request with the AWS SDK or CLI, which send the body's hex SHA-256 in x-amz-content-sha256.`,
    };
  }
  // The declared hash is the last line of the canonical request, so the signature covers it.
  return verifySignature({ ...request, body: Buffer.alloc(0) }, credentials, now);
}

/** Whether the body received is the one whose hash was signed. */
export function verifyPayloadHash(headers: RequestToVerify['headers'], body: Buffer): AuthResult {
  const declared = single(headers['x-amz-content-sha256']) ?? '';
  const actual = Buffer.from(sha256Hex(body), 'hex');
  const given = Buffer.from(declared, 'hex');
  if (given.length === actual.length && timingSafeEqual(given, actual)) return { ok: true };
  return {
    ok: false,
    status: 403,
    errorType: 'InvalidSignatureException',
    message:
      'The request body does not match the signed x-amz-content-sha256: the body was changed after signing. Send the request again, signed by the AWS SDK or CLI.',
  };
}

function verifySignature(request: RequestToVerify, credentials: GeneratedCredentials, now: number): AuthResult {
  const pre = preAuthorize(request.headers, credentials);
  if (!pre.ok) return pre;
  const { auth } = pre;
  const checked = checkDateAndSignedHeaders(request.headers, auth, now);
  if (!checked.ok) return checked;
  const amzDate = single(request.headers['x-amz-date'])!;
  const expected = computeSignature(request, auth, amzDate, credentials.secretAccessKey);
  const given = Buffer.from(auth.signature, 'hex');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    return { ok: false, status: 403, errorType: 'InvalidSignatureException', message: WRONG_SECRET_MESSAGE };
  }
  return { ok: true };
}

/** X-Amz-Date present, matching the credential scope, and within 15 minutes of our clock; every signed header present. */
function checkDateAndSignedHeaders(headers: RequestToVerify['headers'], auth: SigV4Authorization, now: number): AuthResult {
  const dated = checkDateOnly(headers, auth, now);
  if (!dated.ok) return dated;
  const absent = auth.signedHeaders.find((name) => single(headers[name]) === undefined);
  if (absent !== undefined) {
    return {
      ok: false,
      status: 403,
      errorType: 'InvalidSignatureException',
      message: `The request lists ${absent.slice(0, 100)} in SignedHeaders but does not carry it: it was changed after signing. Send the request again, signed by the AWS SDK or CLI.`,
    };
  }
  return { ok: true };
}

function checkDateOnly(headers: RequestToVerify['headers'], auth: SigV4Authorization, now: number): AuthResult {
  const amzDate = single(headers['x-amz-date']);
  if (!amzDate || !/^\d{8}T\d{6}Z$/.test(amzDate) || amzDate.slice(0, 8) !== auth.date) {
    return {
      ok: false,
      status: 403,
      errorType: 'InvalidSignatureException',
      message: 'Missing or malformed X-Amz-Date header, or its date does not match the credential scope.',
    };
  }
  const signedAt = Date.parse(
    `${amzDate.slice(0, 4)}-${amzDate.slice(4, 6)}-${amzDate.slice(6, 8)}T${amzDate.slice(9, 11)}:${amzDate.slice(11, 13)}:${amzDate.slice(13, 15)}Z`,
  );
  if (!Number.isFinite(signedAt) || Math.abs(now - signedAt) > MAX_SKEW_MS) {
    return {
      ok: false,
      status: 403,
      errorType: 'InvalidSignatureException',
      message: `Signature expired: ${amzDate} is more than 15 minutes away from the server's time.`,
    };
  }
  return { ok: true };
}

function computeSignature(request: RequestToVerify, auth: SigV4Authorization, amzDate: string, secret: string): Buffer {
  const canonical = canonicalRequest(request, auth.signedHeaders);
  const scope = `${auth.date}/${auth.region}/${auth.service}/aws4_request`;
  const stringToSign = ['AWS4-HMAC-SHA256', amzDate, scope, sha256Hex(canonical)].join('\n');
  let key: Buffer = hmac(`AWS4${secret}`, auth.date);
  for (const part of [auth.region, auth.service, 'aws4_request']) key = hmac(key, part);
  return hmac(key, stringToSign);
}

/** The SigV4 canonical request, with the path encoded once more as AWS does for non-S3 services. */
export function canonicalRequest(request: RequestToVerify, signedHeaders: string[]): string {
  const queryStart = request.url.indexOf('?');
  const rawPath = queryStart >= 0 ? request.url.slice(0, queryStart) : request.url;
  const rawQuery = queryStart >= 0 ? request.url.slice(queryStart + 1) : '';
  const canonicalPath = rawPath.split('/').map(awsUriEscape).join('/') || '/';
  const query = rawQuery
    .split('&')
    .filter(Boolean)
    .map((pair) => {
      const eq = pair.indexOf('=');
      const key = decode(eq >= 0 ? pair.slice(0, eq) : pair);
      const value = eq >= 0 ? decode(pair.slice(eq + 1)) : '';
      return [awsUriEscape(key), awsUriEscape(value)] as const;
    })
    .filter(([key]) => key !== 'X-Amz-Signature')
    .sort(([ka, va], [kb, vb]) => (ka < kb ? -1 : ka > kb ? 1 : va < vb ? -1 : va > vb ? 1 : 0))
    .map(([key, value]) => `${key}=${value}`)
    .join('&');
  const headerLines = signedHeaders.map((name) => `${name}:${(single(request.headers[name]) ?? '').trim().replace(/\s+/g, ' ')}\n`).join('');
  const payloadHash = single(request.headers['x-amz-content-sha256']) ?? sha256Hex(request.body);
  return [request.method, canonicalPath, query, headerLines, signedHeaders.join(';'), payloadHash].join('\n');
}

function awsUriEscape(text: string): string {
  return encodeURIComponent(text).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

function decode(text: string): string {
  try {
    return decodeURIComponent(text.replace(/\+/g, '%20'));
  } catch {
    return text;
  }
}

function single(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value.join(',') : value;
}

function sha256Hex(data: string | Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

function hmac(key: string | Buffer, data: string): Buffer {
  return createHmac('sha256', key).update(data, 'utf8').digest();
}
