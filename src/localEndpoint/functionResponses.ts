// What the control plane answers about functions, in Lambda's shapes: a function's configuration
// (GetFunctionConfiguration, and the body of Create/Update), GetFunction, and ListFunctions pages.
import type { RegisteredFunction } from './functionRecord';

/** ListFunctions returns at most this many a page, whatever MaxItems asks. */
const LIST_PAGE_MAX = 50;

export function configurationOf(fn: RegisteredFunction): Record<string, unknown> {
  const config: Record<string, unknown> = {
    FunctionName: fn.name,
    FunctionArn: fn.arn,
    Runtime: fn.runtime,
    Role: fn.role,
    Handler: fn.handler,
    CodeSize: fn.zip.length,
    Description: fn.description,
    Timeout: fn.timeout,
    MemorySize: fn.memorySize,
    LastModified: fn.lastModified,
    CodeSha256: fn.codeSha256,
    Version: '$LATEST',
    TracingConfig: { Mode: 'PassThrough' },
    RevisionId: fn.revisionId,
    State: fn.state,
    PackageType: 'Zip',
    Architectures: [...fn.architectures],
    EphemeralStorage: { Size: 512 },
    LoggingConfig: { LogFormat: 'Text', LogGroup: `/aws/lambda/${fn.name}` },
  };
  if (fn.environment) config.Environment = { Variables: { ...fn.environment } };
  if (fn.state === 'Pending') {
    config.StateReason = 'The function is being created.';
    config.StateReasonCode = 'Creating';
  }
  if (fn.lastUpdateStatus) config.LastUpdateStatus = fn.lastUpdateStatus;
  if (fn.lastUpdateStatus === 'InProgress') config.LastUpdateStatusReason = 'The function is being updated.';
  return config;
}

/** GetFunction: the configuration, where the code can be fetched, and the tags when there are any. */
export function getFunctionResponse(fn: RegisteredFunction, codeLocation: string): Record<string, unknown> {
  const result: Record<string, unknown> = {
    Configuration: configurationOf(fn),
    Code: { RepositoryType: 'S3', Location: codeLocation },
  };
  if (Object.keys(fn.tags).length > 0) result.Tags = { ...fn.tags };
  return result;
}

/** One ListFunctions page, sorted by name; the marker is the last name of the page before, base64url. */
export function listFunctionsPage(
  functions: ReadonlyMap<string, RegisteredFunction>,
  marker: string | undefined,
  maxItems: number | undefined,
): Record<string, unknown> {
  const pageSize = Math.min(Math.max(1, maxItems ?? LIST_PAGE_MAX), LIST_PAGE_MAX);
  const names = [...functions.keys()].sort();
  let start = 0;
  if (marker) {
    const after = Buffer.from(marker, 'base64url').toString('utf8');
    start = names.findIndex((name) => name > after);
    if (start < 0) start = names.length;
  }
  const page = names.slice(start, start + pageSize);
  const result: Record<string, unknown> = { Functions: page.map((name) => configurationOf(functions.get(name)!)) };
  if (start + pageSize < names.length) result.NextMarker = Buffer.from(page[page.length - 1], 'utf8').toString('base64url');
  return result;
}
