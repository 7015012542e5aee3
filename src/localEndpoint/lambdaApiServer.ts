// HTTP front of the local endpoint: the Lambda REST API subset the product uses, on 127.0.0.1
// only, with AWS's paths, status codes, headers and error shapes. Every request must be SigV4-
// signed with the endpoint's generated credentials (except the unguessable code-download URLs
// that GetFunction hands out, as S3 presigned URLs would be).
import { randomUUID } from 'node:crypto';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { EnvironmentPool, PooledInvocation } from './environmentPool';
import type { FaultInjector } from './faultInjector';
import type { FunctionRegistry } from './functionRegistry';
import { formatEndLine, formatReportLine, formatStartLine, logTailBase64 } from './lambdaLogLines';
import { LambdaApiError } from './lambdaErrors';
import { preAuthorize, verifyRequest, type GeneratedCredentials } from './requestAuth';

/** CreateFunction / UpdateFunctionCode: AWS's limit on the request (a 50 MB zip, base64). */
const MAX_CODE_REQUEST_BYTES = 69_905_067;
/** Synchronous Invoke: 6 MB request and response payloads. */
const MAX_INVOKE_PAYLOAD_BYTES = 6_291_456;
const MAX_OTHER_REQUEST_BYTES = 1_048_576;
/**
 * Request bodies read at the same time; further requests wait unread (the kernel holds their
 * bytes, not us), and beyond the waiting limit they are throttled with 429 as AWS would.
 */
export const DEFAULT_BODY_LIMITS = { reading: 8, waiting: 64 };

export interface ApiServerOptions {
  credentials: GeneratedCredentials;
  registry: FunctionRegistry;
  /** Runs invocations; the study replay (src/replay/) answers them from recorded times instead. */
  pool: Pick<EnvironmentPool, 'invoke'>;
  faults: FaultInjector;
  /** Added to every Invoke log and as X-Lambda-Lab-Cpu-Limit, so no result hides how CPU was limited. */
  cpuLimitLabel: string;
  /** Secret path segment of code-download URLs. */
  codeUrlToken: string;
  log: (line: string) => void;
  /** Concurrent body reads and queued requests (tests lower them). Default DEFAULT_BODY_LIMITS. */
  bodyLimits?: { reading: number; waiting: number };
}

type Route =
  | { op: 'CreateFunction' | 'ListFunctions' }
  | { op: 'GetFunction' | 'DeleteFunction' | 'GetFunctionConfiguration' | 'UpdateFunctionConfiguration' | 'UpdateFunctionCode' | 'Invoke'; name: string }
  | { op: 'TagResource' | 'UntagResource' | 'ListTags'; arn: string }
  | { op: 'DownloadCode'; token: string; name: string };

/** Maps method + path to an operation, or null (AWS: 404 UnknownOperationException). */
export function routeRequest(method: string, pathname: string): Route | null {
  const segments = pathname.split('/').filter(Boolean);
  if (segments[0] === '2015-03-31' && segments[1] === 'functions') {
    if (segments.length === 2) return method === 'POST' ? { op: 'CreateFunction' } : method === 'GET' ? { op: 'ListFunctions' } : null;
    const name = segments[2];
    if (segments.length === 3) return method === 'GET' ? { op: 'GetFunction', name } : method === 'DELETE' ? { op: 'DeleteFunction', name } : null;
    if (segments.length === 4) {
      if (segments[3] === 'configuration') return method === 'GET' ? { op: 'GetFunctionConfiguration', name } : method === 'PUT' ? { op: 'UpdateFunctionConfiguration', name } : null;
      if (segments[3] === 'code' && method === 'PUT') return { op: 'UpdateFunctionCode', name };
      if (segments[3] === 'invocations' && method === 'POST') return { op: 'Invoke', name };
    }
    return null;
  }
  if (segments[0] === '2017-03-31' && segments[1] === 'tags' && segments.length === 3) {
    const arn = segments[2];
    return method === 'POST' ? { op: 'TagResource', arn } : method === 'DELETE' ? { op: 'UntagResource', arn } : method === 'GET' ? { op: 'ListTags', arn } : null;
  }
  if (segments[0] === 'lambda-lab' && segments[1] === 'code' && segments.length === 4 && method === 'GET') {
    return { op: 'DownloadCode', token: segments[2], name: segments[3] };
  }
  return null;
}

export class LambdaApiServer {
  private readonly server: http.Server;
  /** Host header values this server answers to, set once listening (DNS-rebinding defence). */
  private allowedHosts = new Set<string>();
  private readonly bodySlots: BodySlots;

  constructor(private readonly options: ApiServerOptions) {
    this.server = http.createServer((request, response) => {
      void this.handle(request, response);
    });
    this.server.keepAliveTimeout = 5_000;
    const limits = options.bodyLimits ?? DEFAULT_BODY_LIMITS;
    this.bodySlots = new BodySlots(limits.reading, limits.waiting);
  }

  /** Listens on 127.0.0.1 only (this server runs code). Returns the port. */
  listen(port: number): Promise<number> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, '127.0.0.1', () => {
        this.server.off('error', reject);
        const actualPort = (this.server.address() as AddressInfo).port;
        this.allowedHosts = new Set([`127.0.0.1:${actualPort}`, `localhost:${actualPort}`, ...(actualPort === 80 ? ['127.0.0.1', 'localhost'] : [])]);
        resolve(actualPort);
      });
    });
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }

  private async handle(request: http.IncomingMessage, response: http.ServerResponse): Promise<void> {
    const requestId = randomUUID();
    response.setHeader('x-amzn-RequestId', requestId);
    try {
      this.checkCaller(request);
      const url = new URL(request.url ?? '/', 'http://127.0.0.1');
      const route = routeRequest(request.method ?? 'GET', url.pathname);
      if (!route) throw new LambdaApiError(404, 'UnknownOperationException', `Unknown operation: ${request.method} ${url.pathname}`);
      if (route.op === 'DownloadCode') return this.downloadCode(route, url, response);
      // Everything that needs no body is checked before a byte of it is read.
      const preAuth = preAuthorize(request.headers, this.options.credentials);
      if (!preAuth.ok) throw new LambdaApiError(preAuth.status, preAuth.errorType, preAuth.message);
      const limit = route.op === 'CreateFunction' || route.op === 'UpdateFunctionCode' ? MAX_CODE_REQUEST_BYTES : route.op === 'Invoke' ? MAX_INVOKE_PAYLOAD_BYTES : MAX_OTHER_REQUEST_BYTES;
      const declared = Number(header(request, 'content-length') ?? 0);
      if (declared > limit) throw tooLarge(route.op, limit);
      // Bodyless requests (GET, DELETE) cost nothing to read and need no slot.
      const hasBody = declared > 0 || request.headers['transfer-encoding'] !== undefined;
      const release = hasBody ? await this.bodySlots.acquire(request) : () => {};
      let body: Buffer;
      try {
        body = await readBody(request, limit, route.op);
      } finally {
        release();
      }
      const auth = verifyRequest({ method: request.method ?? 'GET', url: request.url ?? '/', headers: request.headers, body }, this.options.credentials);
      if (!auth.ok) throw new LambdaApiError(auth.status, auth.errorType, auth.message);
      await this.options.faults.delay();
      await this.dispatch(route, url, request, body, response, requestId);
    } catch (error) {
      this.sendError(request, response, error);
    }
  }

  /**
   * Only local SDK/CLI clients: browsers always send Origin on cross-site POSTs (the AWS SDK never
   * does), and a DNS-rebound page reaches us under its own host name, never 127.0.0.1/localhost.
   */
  private checkCaller(request: http.IncomingMessage): void {
    if (request.headers.origin !== undefined) {
      throw new LambdaApiError(403, 'AccessDeniedException', `Requests from web pages (Origin: ${String(request.headers.origin).slice(0, 100)}) are refused: the local Lambda endpoint runs code and accepts only AWS SDK and CLI clients on this machine.`);
    }
    const host = (request.headers.host ?? '').toLowerCase();
    if (!this.allowedHosts.has(host)) {
      const expected = [...this.allowedHosts][0] ?? '127.0.0.1';
      throw new LambdaApiError(403, 'AccessDeniedException', `Host "${host.slice(0, 100)}" is not this endpoint: requests must address http://${expected} (or localhost), which protects against DNS rebinding. Point the client at http://${expected}.`);
    }
  }

  private async dispatch(route: Route, url: URL, request: http.IncomingMessage, body: Buffer, response: http.ServerResponse, requestId: string): Promise<void> {
    const { registry } = this.options;
    switch (route.op) {
      case 'CreateFunction':
        return sendJson(response, 201, await registry.create(parseJson(body)));
      case 'ListFunctions': {
        const maxItems = url.searchParams.get('MaxItems');
        return sendJson(response, 200, registry.list(url.searchParams.get('Marker') ?? undefined, maxItems ? Number(maxItems) : undefined));
      }
      case 'GetFunction':
        return sendJson(response, 200, registry.get(route.name));
      case 'GetFunctionConfiguration':
        return sendJson(response, 200, registry.getConfiguration(route.name));
      case 'DeleteFunction':
        registry.delete(route.name);
        response.writeHead(204).end();
        return;
      case 'UpdateFunctionConfiguration':
        return sendJson(response, 200, registry.updateConfiguration(route.name, parseJson(body)));
      case 'UpdateFunctionCode':
        return sendJson(response, 200, await registry.updateCode(route.name, parseJson(body)));
      case 'TagResource':
        registry.tag(route.arn, parseJson(body).Tags);
        response.writeHead(204).end();
        return;
      case 'UntagResource':
        registry.untag(route.arn, url.searchParams.getAll('tagKeys'));
        response.writeHead(204).end();
        return;
      case 'ListTags':
        return sendJson(response, 200, registry.listTags(route.arn));
      case 'Invoke':
        return this.invoke(route.name, request, body, response, requestId);
      default:
        throw new LambdaApiError(404, 'UnknownOperationException', 'Unknown operation');
    }
  }

  private async invoke(name: string, request: http.IncomingMessage, body: Buffer, response: http.ServerResponse, requestId: string): Promise<void> {
    const { registry, pool, faults } = this.options;
    const invocationType = header(request, 'x-amz-invocation-type') ?? 'RequestResponse';
    if (!['RequestResponse', 'Event', 'DryRun'].includes(invocationType)) {
      throw new LambdaApiError(400, 'InvalidParameterValueException', `Unsupported invocation type: ${invocationType} (RequestResponse, Event or DryRun)`);
    }
    const fault = faults.invokeFault();
    if (fault) throw fault;
    const revision = registry.revisionForInvoke(name);
    response.setHeader('X-Lambda-Lab-Cpu-Limit', this.options.cpuLimitLabel);
    if (invocationType === 'DryRun') {
      response.writeHead(204).end();
      return;
    }
    const payload = body.toString('utf8');
    if (invocationType === 'Event') {
      // Accepted and run in the background; the result is only logged, as Lambda has no caller to tell.
      response.writeHead(202).end();
      pool.invoke(revision, requestId, payload).then(
        (result) => this.options.log(`${revision.functionName} async invocation ${requestId}: ${result.kind}`),
        (error: unknown) => this.options.log(`${revision.functionName} async invocation ${requestId} failed: ${error instanceof Error ? error.message : String(error)}`),
      );
      return;
    }
    const result = await pool.invoke(revision, requestId, payload);
    let responseBody = result.body;
    let failed = result.kind !== 'ok';
    if (Buffer.byteLength(responseBody) > MAX_INVOKE_PAYLOAD_BYTES) {
      failed = true;
      responseBody = JSON.stringify({ errorMessage: `Response payload size exceeded maximum allowed payload size (${MAX_INVOKE_PAYLOAD_BYTES} bytes).`, errorType: 'Function.ResponseSizeTooLarge' });
    }
    const headers: Record<string, string> = { 'Content-Type': 'application/json', 'X-Amz-Executed-Version': '$LATEST' };
    if (failed) headers['X-Amz-Function-Error'] = 'Unhandled';
    if (header(request, 'x-amz-log-type') === 'Tail') headers['X-Amz-Log-Result'] = logTailBase64(this.invocationLog(requestId, revision.memorySize, result));
    response.writeHead(200, headers).end(responseBody);
  }

  /** START, the function's lines, the CPU note, END, REPORT — as Lambda writes them. */
  private invocationLog(requestId: string, memorySizeMB: number, result: PooledInvocation): string[] {
    const lines: string[] = [];
    if (result.kind === 'initError') {
      lines.push(...result.logLines);
    }
    lines.push(formatStartLine(requestId));
    if (result.kind !== 'initError') lines.push(...result.logLines);
    lines.push(`LAMBDA_LAB\tcpuLimit: ${this.options.cpuLimitLabel}\tenvironment: ${result.placement}`);
    lines.push(formatEndLine(requestId));
    lines.push(
      formatReportLine({
        requestId,
        durationMs: result.durationMs,
        memorySizeMB,
        maxMemoryUsedMB: result.maxMemoryUsedMB,
        initDurationMs: result.initDurationMs,
        status: result.kind === 'timeout' ? 'timeout' : result.kind === 'crash' || result.kind === 'initError' ? 'error' : undefined,
        errorType: result.kind === 'crash' || result.kind === 'initError' ? (result.errorType ?? undefined) : undefined,
      }),
    );
    return lines;
  }

  private downloadCode(route: { token: string; name: string }, url: URL, response: http.ServerResponse): void {
    const zip = route.token === this.options.codeUrlToken ? this.options.registry.codeFor(decodeURIComponent(route.name), url.searchParams.get('sha') ?? '') : null;
    if (!zip) {
      response.writeHead(403, { 'Content-Type': 'application/xml' }).end('<Error><Code>AccessDenied</Code><Message>Access Denied</Message></Error>');
      return;
    }
    response.writeHead(200, { 'Content-Type': 'application/zip', 'Content-Length': String(zip.length) }).end(Buffer.from(zip));
  }

  private sendError(request: http.IncomingMessage, response: http.ServerResponse, error: unknown): void {
    const apiError =
      error instanceof LambdaApiError
        ? error
        : new LambdaApiError(500, 'ServiceException', `The local endpoint failed: ${error instanceof Error ? error.message : String(error)}`);
    if (!(error instanceof LambdaApiError)) this.options.log(`internal error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    if (response.headersSent) {
      response.destroy();
      return;
    }
    const body = JSON.stringify(apiError.body());
    // A refused request's unread body is not worth reading: close the connection after answering.
    if (!request.complete) response.setHeader('Connection', 'close');
    response.writeHead(apiError.status, { 'Content-Type': 'application/json', 'x-amzn-ErrorType': apiError.errorType, ...apiError.extraHeaders }).end(body);
  }
}

function header(request: http.IncomingMessage, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function parseJson(body: Buffer): Record<string, unknown> {
  if (body.length === 0) return {};
  try {
    const parsed: unknown = JSON.parse(body.toString('utf8'));
    if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) return parsed as Record<string, unknown>;
  } catch {
    // fall through
  }
  throw new LambdaApiError(400, 'InvalidRequestContentException', 'Could not parse request body into json: the body must be a JSON object.');
}

function sendJson(response: http.ServerResponse, status: number, value: unknown): void {
  response.writeHead(status, { 'Content-Type': 'application/json' }).end(JSON.stringify(value));
}

function readBody(request: http.IncomingMessage, limit: number, op: string): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let rejected = false;
    request.on('data', (chunk: Buffer) => {
      if (rejected) return;
      size += chunk.length;
      if (size > limit) {
        rejected = true;
        reject(tooLarge(op, limit));
        return;
      }
      chunks.push(chunk);
    });
    request.on('end', () => {
      if (!rejected) resolve(Buffer.concat(chunks));
    });
    request.on('error', (error) => {
      if (!rejected) reject(error);
    });
    // The client went away mid-body: give the slot back.
    request.on('close', () => {
      if (!rejected && !request.complete) reject(new Error('the client closed the connection before sending the whole request'));
    });
  });
}

function tooLarge(op: string, limit: number): LambdaApiError {
  const type = op === 'Invoke' ? 'RequestTooLargeException' : 'RequestEntityTooLargeException';
  return new LambdaApiError(413, type, `Request must be smaller than ${limit} bytes for the ${op === 'Invoke' ? 'InvokeFunction' : op} operation`);
}

/**
 * At most `reading` bodies are read at once; up to `waiting` more requests wait unread (paused,
 * so their bytes stay in the kernel), and any beyond that are throttled with 429.
 */
class BodySlots {
  private active = 0;
  private readonly queue: Array<() => void> = [];

  constructor(
    private readonly reading: number,
    private readonly waiting: number,
  ) {}

  acquire(request: http.IncomingMessage): Promise<() => void> {
    let released = false;
    const release = () => {
      if (released) return;
      released = true;
      const next = this.queue.shift();
      if (next) next();
      else this.active--;
    };
    if (this.active < this.reading) {
      this.active++;
      return Promise.resolve(release);
    }
    if (this.queue.length >= this.waiting) {
      return Promise.reject(
        new LambdaApiError(429, 'TooManyRequestsException', `Rate exceeded: the local endpoint is already receiving ${this.reading} requests and has ${this.waiting} waiting. Retry later.`, { 'Retry-After': '1' }, { Reason: 'CallerRateLimitExceeded' }),
      );
    }
    return new Promise((resolve, reject) => {
      const grant = () => {
        request.off('close', onClose);
        resolve(release); // the slot passes from the releaser to this request; active stays the same
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
