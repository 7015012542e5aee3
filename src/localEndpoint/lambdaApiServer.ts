// HTTP front of the local endpoint: the Lambda REST API subset the product uses, on 127.0.0.1
// only, with AWS's paths, status codes, headers and error shapes. Every request must be SigV4-
// signed with the endpoint's generated credentials (except the unguessable code-download URLs
// that GetFunction hands out, as S3 presigned URLs would be).
import { randomUUID } from 'node:crypto';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { CodeUrlSigner } from './codeUrls';
import type { EnvironmentPool, PooledInvocation } from './environmentPool';
import type { FaultInjector } from './faultInjector';
import type { FunctionRegistry } from './functionRegistry';
import { formatEndLine, formatReportLine, formatStartLine, logTailBase64 } from './lambdaLogLines';
import { LambdaApiError } from './lambdaErrors';
import {
  BodyBudget,
  bodyLimitFor,
  DEFAULT_BODY_LIMITS,
  DEFAULT_UNVERIFIED_BODY_LIMITS,
  MAX_INVOKE_PAYLOAD_BYTES,
  readBody,
  tooLarge,
  type BodyLimits,
} from './requestBody';
import {
  checkHeadersOfUndeclaredBody,
  declaresPayloadHash,
  verifyHeadersBeforeBody,
  verifyPayloadHash,
  verifyRequest,
  type GeneratedCredentials,
} from './requestAuth';

export interface ApiServerOptions {
  credentials: GeneratedCredentials;
  registry: FunctionRegistry;
  /** Runs invocations; the study replay (src/replay/) answers them from recorded times instead. */
  pool: Pick<EnvironmentPool, 'invoke'>;
  faults: FaultInjector;
  /** Added to every Invoke log and as X-Lambda-Lab-Cpu-Limit, so no result hides how CPU was limited. */
  cpuLimitLabel: string;
  /** Signs and checks the short-lived code-download URLs GetFunction hands out. */
  codeUrls: CodeUrlSigner;
  log: (line: string) => void;
  /** Concurrent body reads, queued requests, bytes buffered in total and the body deadline. Default DEFAULT_BODY_LIMITS. */
  bodyLimits?: Partial<BodyLimits>;
  /** The same for bodies whose signature can only be checked once they are in (no x-amz-content-sha256). Default DEFAULT_UNVERIFIED_BODY_LIMITS. */
  unverifiedBodyLimits?: Partial<BodyLimits>;
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
      if (segments[3] === 'configuration')
        return method === 'GET' ? { op: 'GetFunctionConfiguration', name } : method === 'PUT' ? { op: 'UpdateFunctionConfiguration', name } : null;
      if (segments[3] === 'code' && method === 'PUT') return { op: 'UpdateFunctionCode', name };
      if (segments[3] === 'invocations' && method === 'POST') return { op: 'Invoke', name };
    }
    return null;
  }
  if (segments[0] === '2017-03-31' && segments[1] === 'tags' && segments.length === 3) {
    const arn = segments[2];
    return method === 'POST'
      ? { op: 'TagResource', arn }
      : method === 'DELETE'
        ? { op: 'UntagResource', arn }
        : method === 'GET'
          ? { op: 'ListTags', arn }
          : null;
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
  private readonly bodies: BodyBudget;
  /** Kept apart, so holders of only the access key id cannot take the slots or bytes of signed clients. */
  private readonly unverifiedBodies: BodyBudget;

  constructor(private readonly options: ApiServerOptions) {
    this.server = http.createServer((request, response) => {
      void this.handle(request, response);
    });
    this.server.keepAliveTimeout = 5_000;
    this.bodies = new BodyBudget({ ...DEFAULT_BODY_LIMITS, ...options.bodyLimits });
    this.unverifiedBodies = new BodyBudget({ ...DEFAULT_UNVERIFIED_BODY_LIMITS, ...options.unverifiedBodyLimits });
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
    // The body's bytes count against the buffer budget until the request is answered.
    let releaseBody = () => {};
    try {
      this.checkCaller(request);
      const url = new URL(request.url ?? '/', 'http://127.0.0.1');
      const route = routeRequest(request.method ?? 'GET', url.pathname);
      if (!route) throw new LambdaApiError(404, 'UnknownOperationException', `Unknown operation: ${request.method} ${url.pathname}`);
      if (route.op === 'DownloadCode') return this.downloadCode(route, url, response);
      const signable = { method: request.method ?? 'GET', url: request.url ?? '/', headers: request.headers };
      // With x-amz-content-sha256 (the SDK) the signature, which covers that declared hash, is checked
      // before a byte of the body is read. Without it (botocore: the AWS CLI) the body's hash is signed
      // only inside the canonical request: the headers are checked, the body is read under the
      // tighter bounds for unverified bodies, then the signature is checked over it.
      const declaresHash = declaresPayloadHash(request.headers);
      const beforeBody = declaresHash
        ? verifyHeadersBeforeBody(signable, this.options.credentials)
        : checkHeadersOfUndeclaredBody(request.headers, this.options.credentials);
      if (!beforeBody.ok) throw new LambdaApiError(beforeBody.status, beforeBody.errorType, beforeBody.message);
      const limit = bodyLimitFor(route.op);
      const declared = Number(header(request, 'content-length') ?? 0);
      if (declared > limit) throw tooLarge(route.op, limit);
      // Bodyless requests (GET, DELETE) cost nothing to read and need no slot.
      const hasBody = declared > 0 || request.headers['transfer-encoding'] !== undefined;
      let body: Buffer = Buffer.alloc(0);
      if (hasBody) {
        const budget = declaresHash ? this.bodies : this.unverifiedBodies;
        const reading = await budget.acquire(request);
        releaseBody = reading.release;
        this.options.log(
          `${route.op}: receiving a ${declared || 'chunked'}-byte body (${declaresHash ? '' : 'signature checked once it is in; '}${budget.describe()})`,
        );
        body = await readBody(request, route.op, limit, reading);
      }
      const auth = declaresHash ? verifyPayloadHash(request.headers, body) : verifyRequest({ ...signable, body }, this.options.credentials);
      if (!auth.ok) throw new LambdaApiError(auth.status, auth.errorType, auth.message);
      await this.options.faults.delay();
      await this.dispatch(route, url, request, body, response, requestId);
    } catch (error) {
      this.sendError(request, response, error);
    } finally {
      releaseBody();
    }
  }

  /**
   * Only local SDK/CLI clients: browsers always send Origin on cross-site POSTs (the AWS SDK never
   * does), and a DNS-rebound page reaches us under its own host name, never 127.0.0.1/localhost.
   */
  private checkCaller(request: http.IncomingMessage): void {
    if (request.headers.origin !== undefined) {
      throw new LambdaApiError(
        403,
        'AccessDeniedException',
        `Requests from web pages (Origin: ${String(request.headers.origin).slice(0, 100)}) are refused: the local Lambda endpoint runs code and accepts only AWS SDK and CLI clients on this machine.`,
      );
    }
    const host = (request.headers.host ?? '').toLowerCase();
    if (!this.allowedHosts.has(host)) {
      const expected = [...this.allowedHosts][0] ?? '127.0.0.1';
      throw new LambdaApiError(
        403,
        'AccessDeniedException',
        `Host "${host.slice(0, 100)}" is not this endpoint: requests must address http://${expected} (or localhost), which protects against DNS rebinding. Point the client at http://${expected}.`,
      );
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
        (error: unknown) =>
          this.options.log(`${revision.functionName} async invocation ${requestId} failed: ${error instanceof Error ? error.message : String(error)}`),
      );
      return;
    }
    // A client that disconnects (a killed or cancelled sweep) takes its invocation with it.
    const abandoned = new AbortController();
    const onClose = () => {
      if (!response.writableFinished) abandoned.abort();
    };
    response.once('close', onClose);
    const result = await pool.invoke(revision, requestId, payload, abandoned.signal).finally(() => response.off('close', onClose));
    let responseBody = result.body;
    let failed = result.kind !== 'ok';
    if (Buffer.byteLength(responseBody) > MAX_INVOKE_PAYLOAD_BYTES) {
      failed = true;
      responseBody = JSON.stringify({
        errorMessage: `Response payload size exceeded maximum allowed payload size (${MAX_INVOKE_PAYLOAD_BYTES} bytes).`,
        errorType: 'Function.ResponseSizeTooLarge',
      });
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
    const name = decodeURIComponentOrEmpty(route.name);
    const sha = url.searchParams.get('sha') ?? '';
    const zip = this.options.codeUrls.verify(route.token, name, sha) ? this.options.registry.codeFor(name, sha) : null;
    if (!zip) {
      response.writeHead(403, { 'Content-Type': 'application/xml' }).end('<Error><Code>AccessDenied</Code><Message>Access Denied</Message></Error>');
      return;
    }
    response.writeHead(200, { 'Content-Type': 'application/zip', 'Content-Length': String(zip.length) }).end(Buffer.from(zip));
  }

  private sendError(request: http.IncomingMessage, response: http.ServerResponse, error: unknown): void {
    // Internal failures are described in the endpoint's log only: their messages name our folders.
    const requestId = String(response.getHeader('x-amzn-RequestId') ?? '');
    const apiError =
      error instanceof LambdaApiError
        ? error
        : new LambdaApiError(
            500,
            'ServiceException',
            `The local endpoint failed on request ${requestId}; its log has the details (run \`lambda-lab endpoint --verbose\`, or see the Lambda Parallel Lab output channel). Retry, and report the problem if it persists.`,
          );
    if (!(error instanceof LambdaApiError))
      this.options.log(`internal error on request ${requestId}: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
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

function decodeURIComponentOrEmpty(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return '';
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
