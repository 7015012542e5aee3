// The shapes of one function on the endpoint, defined once: the record the store persists, the
// function the registry holds (that record plus what only lives in memory), and the immutable
// revision Invoke runs.
import { createHash } from 'node:crypto';

/** A function's configuration as the store keeps it between runs (the code is beside it, in code.zip). */
export interface StoredFunctionRecord {
  name: string;
  role: string;
  description: string;
  runtime: string;
  handler: string;
  memorySize: number;
  timeout: number;
  environment: Record<string, string> | undefined;
  architectures: string[];
  tags: Record<string, string>;
  codeSha256: string;
  revisionId: string;
  lastModified: string;
}

/** A record read back from the store, with its code. */
export interface LoadedFunction {
  record: StoredFunctionRecord;
  zip: Uint8Array;
}

/** What Invoke runs: an immutable snapshot of code and configuration. */
export interface FunctionRevision {
  functionName: string;
  functionArn: string;
  revisionId: string;
  codeDir: string;
  handler: string;
  runtime: string;
  memorySize: number;
  timeout: number;
  environment: Record<string, string>;
  architecture: string;
}

/** A function as the registry holds it: the stored record plus its code, state and timer. */
export interface RegisteredFunction extends StoredFunctionRecord {
  arn: string;
  zip: Uint8Array;
  codeDir: string;
  state: 'Pending' | 'Active';
  lastUpdateStatus: 'InProgress' | 'Successful' | undefined;
  /** The revision Invoke uses; null until the function first becomes Active. */
  active: FunctionRevision | null;
  timer: NodeJS.Timeout | undefined;
}

/** Exactly the fields the store keeps, from a registered function or a record read back (nothing else it may carry). */
export function recordOf(fn: StoredFunctionRecord): StoredFunctionRecord {
  return {
    name: fn.name,
    role: fn.role,
    description: fn.description,
    runtime: fn.runtime,
    handler: fn.handler,
    memorySize: fn.memorySize,
    timeout: fn.timeout,
    environment: fn.environment,
    architectures: fn.architectures,
    tags: { ...fn.tags },
    codeSha256: fn.codeSha256,
    revisionId: fn.revisionId,
    lastModified: fn.lastModified,
  };
}

export function revisionOf(fn: RegisteredFunction): FunctionRevision {
  return {
    functionName: fn.name,
    functionArn: fn.arn,
    revisionId: fn.revisionId,
    codeDir: fn.codeDir,
    handler: fn.handler,
    runtime: fn.runtime,
    memorySize: fn.memorySize,
    timeout: fn.timeout,
    environment: { ...(fn.environment ?? {}) },
    architecture: fn.architectures[0],
  };
}

export function sha256Base64(data: Uint8Array): string {
  return createHash('sha256').update(data).digest('base64');
}

/** Lambda's LastModified format: 2024-01-01T12:00:00.000+0000 */
export function lambdaTimestamp(): string {
  return new Date().toISOString().replace('Z', '+0000');
}
