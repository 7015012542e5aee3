// Lambda's checks on a function's settings, in AWS's wording (ValidationException for what the
// request model enforces, InvalidParameterValueException for the service's own rules), plus the
// endpoint's own: Node.js runtimes only, the host's architecture, handlers inside the code.
import { MEMORY_MAX_MB, MEMORY_MIN_MB, TIMEOUT_MAX_S, TIMEOUT_MIN_S } from '../core/lambdaModel';
import type { Architecture } from '../core/experimentConfig';
import { foreignArchitectureMessage } from '../core/hostArchitecture';
import { invalidParameter, validationError } from './lambdaErrors';

export const SUPPORTED_RUNTIMES = ['nodejs18.x', 'nodejs20.x', 'nodejs22.x', 'nodejs24.x'] as const;
const RETIRED_NODE_RUNTIMES = ['nodejs', 'nodejs4.3', 'nodejs4.3-edge', 'nodejs6.10', 'nodejs8.10', 'nodejs10.x', 'nodejs12.x', 'nodejs14.x', 'nodejs16.x'];
const OTHER_AWS_RUNTIMES = [
  'python3.9',
  'python3.10',
  'python3.11',
  'python3.12',
  'python3.13',
  'python3.14',
  'java8.al2',
  'java11',
  'java17',
  'java21',
  'java25',
  'dotnet8',
  'dotnet10',
  'ruby3.2',
  'ruby3.3',
  'ruby3.4',
  'provided.al2',
  'provided.al2023',
];
/** Variables Lambda sets itself and refuses to let a function override. */
const RESERVED_ENV_KEYS = [
  '_HANDLER',
  '_X_AMZN_TRACE_ID',
  'AWS_DEFAULT_REGION',
  'AWS_REGION',
  'AWS_EXECUTION_ENV',
  'AWS_LAMBDA_FUNCTION_NAME',
  'AWS_LAMBDA_FUNCTION_MEMORY_SIZE',
  'AWS_LAMBDA_FUNCTION_VERSION',
  'AWS_LAMBDA_INITIALIZATION_TYPE',
  'AWS_LAMBDA_LOG_GROUP_NAME',
  'AWS_LAMBDA_LOG_STREAM_NAME',
  'AWS_ACCESS_KEY',
  'AWS_ACCESS_KEY_ID',
  'AWS_SECRET_ACCESS_KEY',
  'AWS_SESSION_TOKEN',
  'AWS_LAMBDA_RUNTIME_API',
  'LAMBDA_TASK_ROOT',
  'LAMBDA_RUNTIME_DIR',
];
export const ROLE_PATTERN = /^arn:(aws[a-zA-Z-]*)?:iam::\d{12}:role\/?[a-zA-Z_0-9+=,.@\-_/]+$/;
export const NAME_PATTERN = /^[a-zA-Z0-9-_]{1,64}$/;

/** A function name, with AWS's wording when it is not one. */
export function validateFunctionName(name: string, asGiven: unknown): string {
  if (!NAME_PATTERN.test(name))
    throw validationError(asGiven, 'functionName', 'Member must satisfy regular expression pattern: [a-zA-Z0-9-_]+ (1 to 64 characters)');
  return name;
}

/** An execution role ARN, with AWS's wording when it is not one. */
export function validateRole(role: unknown): string {
  if (typeof role !== 'string' || !ROLE_PATTERN.test(role))
    throw validationError(role, 'role', 'Member must satisfy regular expression pattern: arn:(aws[a-zA-Z-]*)?:iam::\\d{12}:role/?[a-zA-Z_0-9+=,.@\\-_/]+');
  return role;
}

/** A function's settings once they passed validation. */
export interface ValidatedSettings {
  runtime: string;
  handler: string;
  memorySize: number;
  timeout: number;
  environment: Record<string, string> | undefined;
}

/** Validates runtime, handler, memory, timeout and environment with AWS's wording. */
export function validateSettings(input: {
  Runtime: unknown;
  Handler: unknown;
  MemorySize: unknown;
  Timeout: unknown;
  Environment: unknown;
}): ValidatedSettings {
  const { Runtime: runtime, Handler: handler, MemorySize: memory, Timeout: timeout } = input;
  if (typeof memory !== 'number' || !Number.isInteger(memory)) throw validationError(memory, 'memorySize', 'Member must be an integer');
  if (memory < MEMORY_MIN_MB) throw validationError(memory, 'memorySize', `Member must have value greater than or equal to ${MEMORY_MIN_MB}`);
  if (memory > MEMORY_MAX_MB) throw validationError(memory, 'memorySize', `Member must have value less than or equal to ${MEMORY_MAX_MB}`);
  if (typeof timeout !== 'number' || !Number.isInteger(timeout)) throw validationError(timeout, 'timeout', 'Member must be an integer');
  if (timeout < TIMEOUT_MIN_S) throw validationError(timeout, 'timeout', `Member must have value greater than or equal to ${TIMEOUT_MIN_S}`);
  if (timeout > TIMEOUT_MAX_S) throw validationError(timeout, 'timeout', `Member must have value less than or equal to ${TIMEOUT_MAX_S}`);
  if (typeof runtime !== 'string') throw invalidParameter('The runtime parameter is required for functions packaged as a .zip file archive.');
  if (RETIRED_NODE_RUNTIMES.includes(runtime)) {
    throw invalidParameter(
      `The runtime parameter of ${runtime} is no longer supported for creating or updating AWS Lambda functions. We recommend you use the new runtime (nodejs22.x) while creating or updating functions.`,
    );
  }
  if (!(SUPPORTED_RUNTIMES as readonly string[]).includes(runtime)) {
    if (OTHER_AWS_RUNTIMES.includes(runtime)) {
      throw invalidParameter(
        `The local Lambda endpoint runs Node.js functions only (${SUPPORTED_RUNTIMES.join(', ')}); runtime ${runtime} cannot run here. Use one of those runtimes, or deploy to AWS.`,
      );
    }
    throw validationError(runtime, 'runtime', `Member must satisfy enum value set: [${[...SUPPORTED_RUNTIMES, ...OTHER_AWS_RUNTIMES].join(', ')}]`);
  }
  if (typeof handler !== 'string' || !/^[^\s]{1,128}$/.test(handler)) {
    throw validationError(handler, 'handler', 'Member must satisfy regular expression pattern: [^\\s]+ (at most 128 characters)');
  }
  checkHandlerInsideCode(handler);
  return { runtime, handler, memorySize: memory, timeout, environment: validateEnvironment(input.Environment) };
}

/** The handler names a module inside the code folder: relative, with no ".." and no backslashes. */
function checkHandlerInsideCode(handler: string): void {
  const slash = handler.lastIndexOf('/');
  const modulePath = handler.slice(0, handler.indexOf('.', slash + 1) < 0 ? handler.length : handler.indexOf('.', slash + 1));
  if (
    modulePath.startsWith('/') ||
    handler.includes('\\') ||
    /^[A-Za-z]:/.test(modulePath) ||
    modulePath.split('/').some((segment) => segment === '..' || segment === '')
  ) {
    throw invalidParameter(
      `Handler "${handler}" must name a file inside the deployment package, as "file.export" or "folder/file.export" (no absolute path, no "..").`,
    );
  }
}

function validateEnvironment(environment: unknown): Record<string, string> | undefined {
  if (environment === undefined || environment === null) return undefined;
  const variables = (environment as { Variables?: unknown }).Variables;
  if (variables === undefined || variables === null) return {};
  if (typeof variables !== 'object' || Array.isArray(variables)) throw invalidParameter('Environment.Variables must be a map of strings to strings.');
  const result: Record<string, string> = {};
  for (const [key, value] of Object.entries(variables as Record<string, unknown>)) {
    if (!/^[a-zA-Z]([a-zA-Z0-9_])*$/.test(key))
      throw validationError(key, 'environment.variables', 'Member must satisfy regular expression pattern: [a-zA-Z]([a-zA-Z0-9_])+ for keys');
    if (typeof value !== 'string') throw invalidParameter(`Environment variable ${key} must be a string.`);
    result[key] = value;
  }
  const reserved = Object.keys(result).filter((key) => RESERVED_ENV_KEYS.includes(key));
  if (reserved.length > 0) {
    throw invalidParameter(
      `Lambda was unable to configure your environment variables because the environment variables you have provided contains reserved keys that are currently not supported for modification. Reserved keys used in this request: ${reserved.join(', ')}`,
    );
  }
  const size = Buffer.byteLength(JSON.stringify(result));
  if (size > 4096) {
    throw invalidParameter(
      `Lambda was unable to configure your environment variables because the environment variables you have provided exceeded the 4KB limit. String measured: ${size} bytes`,
    );
  }
  return result;
}

/**
 * AWS's checks, plus one of our own: only the host's architecture is accepted, because the code
 * runs natively here and an "arm64" function on an x86 host would be measured on x86 but priced
 * at arm64 rates. Omitted means the host's architecture (AWS would say x86_64).
 */
export function validateArchitectures(value: unknown, host: Architecture, anyArchitecture = false): string[] {
  if (value === undefined || value === null) return [host];
  if (!Array.isArray(value) || value.length !== 1)
    throw validationError(JSON.stringify(value), 'architectures', 'Member must have length less than or equal to 1 and at least 1 element');
  if (value[0] !== 'x86_64' && value[0] !== 'arm64') throw validationError(value[0], 'architectures', 'Member must satisfy enum value set: [x86_64, arm64]');
  if (value[0] !== host && !anyArchitecture) throw invalidParameter(foreignArchitectureMessage(value[0], host));
  return [value[0]];
}

export function validateTags(value: unknown): Record<string, string> {
  if (value === undefined || value === null) return {};
  if (typeof value !== 'object' || Array.isArray(value)) throw invalidParameter('Tags must be a map of strings to strings.');
  const tags: Record<string, string> = {};
  for (const [key, tagValue] of Object.entries(value as Record<string, unknown>)) {
    if (key.length < 1 || key.length > 128) throw validationError(key, 'tags', 'Member must have length between 1 and 128 for keys');
    if (typeof tagValue !== 'string' || tagValue.length > 256)
      throw validationError(tagValue, 'tags', 'Member must be a string of at most 256 characters for values');
    tags[key] = tagValue;
  }
  return tags;
}

export function decodeZip(zipFile: unknown): Uint8Array {
  if (typeof zipFile !== 'string' || zipFile.length === 0) {
    throw invalidParameter('Please provide a source for the function code: ZipFile (S3 buckets and container images are not supported by the local endpoint).');
  }
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(zipFile)) throw invalidParameter('Could not unzip uploaded file. Please check your file, then try to upload again.');
  return new Uint8Array(Buffer.from(zipFile, 'base64'));
}
