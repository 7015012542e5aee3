// Shared fixtures for the local endpoint tests: start/stop an endpoint or moto_server (each in a
// way that leaves no process behind), SDK clients pointed at them, and small handler zips.
import { LambdaClient, CreateFunctionCommand, waitUntilFunctionActiveV2, type CreateFunctionCommandInput } from '@aws-sdk/client-lambda';
import * as http from 'node:http';
import { zipSync } from 'fflate';
import { startLocalEndpoint, type LocalEndpointHandle, type LocalEndpointOptions } from '../../src/localEndpoint';

export const TEST_ROLE_ARN = 'arn:aws:iam::123456789012:role/lambda-lab-test';

export async function startTestEndpoint(options: LocalEndpointOptions = {}): Promise<{ handle: LocalEndpointHandle; client: LambdaClient }> {
  const handle = await startLocalEndpoint({ stateTransitionMs: 150, ...options });
  return { handle, client: clientFor(handle) };
}

export function clientFor(handle: { endpoint: string; region: string; accessKeyId: string; secretAccessKey: string }, maxAttempts?: number): LambdaClient {
  return new LambdaClient({
    endpoint: handle.endpoint,
    region: handle.region,
    credentials: { accessKeyId: handle.accessKeyId, secretAccessKey: handle.secretAccessKey },
    ...(maxAttempts ? { maxAttempts } : {}),
  });
}

/** A zip with the given files (name -> source), e.g. { 'index.mjs': 'export const handler = ...' }. */
export function zipOf(files: Record<string, string>): Uint8Array {
  return zipSync(Object.fromEntries(Object.entries(files).map(([name, text]) => [name, new TextEncoder().encode(text)])));
}

export async function createActiveFunction(
  client: LambdaClient,
  input: Partial<CreateFunctionCommandInput> & { FunctionName: string; zip: Uint8Array },
  role = TEST_ROLE_ARN,
): Promise<void> {
  const { zip, ...rest } = input;
  await client.send(
    new CreateFunctionCommand({ Role: role, Runtime: 'nodejs20.x', Handler: 'index.handler', MemorySize: 256, Timeout: 10, Code: { ZipFile: zip }, ...rest }),
  );
  await waitUntilFunctionActiveV2({ client, maxWaitTime: 30 }, { FunctionName: input.FunctionName });
}

export function decodeLog(logResult: string | undefined): string {
  return Buffer.from(logResult ?? '', 'base64').toString('utf8');
}

export function decodePayload(payload: Uint8Array | undefined): unknown {
  return JSON.parse(Buffer.from(payload ?? new Uint8Array()).toString('utf8'));
}

export { freePort } from './freePort';
export { motoUnavailableReason, startMoto, type MotoServer } from './motoServer';

export interface CapturedRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  body: Buffer;
}

/** Records each request exactly as signed (the deserialize step runs after signing). */
export function captureSignedRequests(client: LambdaClient): CapturedRequest[] {
  const captured: CapturedRequest[] = [];
  client.middlewareStack.add(
    (next) => async (args) => {
      const request = args.request as { method: string; path: string; query?: Record<string, string>; headers: Record<string, string>; body?: unknown };
      const body =
        typeof request.body === 'string' ? Buffer.from(request.body) : request.body instanceof Uint8Array ? Buffer.from(request.body) : Buffer.alloc(0);
      const query = new URLSearchParams(request.query ?? {}).toString();
      captured.push({ method: request.method, path: request.path + (query ? `?${query}` : ''), headers: { ...request.headers }, body });
      return next(args);
    },
    { step: 'deserialize', name: 'captureSignedRequest' },
  );
  return captured;
}

export function replay(endpoint: string, request: CapturedRequest, body: Buffer): Promise<{ status: number; errorType: string | undefined; body: string }> {
  const url = new URL(endpoint);
  return new Promise((resolve, reject) => {
    const outgoing = http.request(
      {
        host: url.hostname,
        port: url.port,
        method: request.method,
        path: request.path,
        headers: { ...request.headers, 'content-length': String(body.length) },
        agent: false,
        setHost: false,
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () =>
          resolve({
            status: response.statusCode!,
            errorType: response.headers['x-amzn-errortype'] as string | undefined,
            body: Buffer.concat(chunks).toString('utf8'),
          }),
        );
      },
    );
    outgoing.on('error', reject);
    outgoing.end(body);
  });
}
