// Copies a user's function into tagged experiment functions, one per memory size (and per thread
// count when the thread count is an environment variable). The original is only read: GetFunction,
// then its code downloaded from Code.Location. Never UpdateFunction*, never Invoke.
import { createHash } from 'node:crypto';
import {
  CreateFunctionCommand,
  GetFunctionCommand,
  waitUntilFunctionActiveV2,
  type FunctionConfiguration,
  type GetFunctionCommandOutput,
  type LambdaClient,
  type Runtime,
} from '@aws-sdk/client-lambda';
import { isNotFoundError } from '../aws/sdkErrors';
import type { Architecture } from '../core/experimentConfig';
import { copyProblem, copyTags, TAG_COPY_OF, type PlannedCopy, type ThreadDimension } from '../core/ownFunction';
import { CREATED_BY_VALUE, TAG_CREATED_BY, TAG_EXPERIMENT } from '../core/experimentNaming';
import { mapWithConcurrency } from '../deploy/deployer';

/** A function that cannot be copied, or whose code cannot be downloaded: a bad input, said plainly. */
export class CopyRefusedError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'CopyRefusedError';
  }
}

export interface OriginalFunction {
  functionName: string;
  functionArn: string | null;
  configuration: FunctionConfiguration;
  codeLocation: string;
  arch: Architecture;
}

/** GetFunction on the original, and whether it can be copied. */
export async function describeOriginal(client: LambdaClient, nameOrArn: string, options: { copyVpc: boolean }): Promise<OriginalFunction> {
  let got: GetFunctionCommandOutput;
  try {
    got = await client.send(new GetFunctionCommand({ FunctionName: nameOrArn }));
  } catch (error) {
    if (isNotFoundError(error))
      throw new CopyRefusedError(`Function ${nameOrArn} was not found on this target (check the name, the target and the region).`, { cause: error });
    throw error;
  }
  const configuration = got.Configuration ?? {};
  const functionName = configuration.FunctionName ?? nameOrArn;
  if (got.Tags?.[TAG_CREATED_BY] === CREATED_BY_VALUE && got.Tags?.[TAG_EXPERIMENT]) {
    throw new CopyRefusedError(
      `${functionName} is itself a Lambda Parallel Lab experiment function (experiment ${got.Tags[TAG_EXPERIMENT]}${got.Tags[TAG_COPY_OF] ? `, a copy of ${got.Tags[TAG_COPY_OF]}` : ''}); sweep the original function instead.`,
    );
  }
  const problem = copyProblem(
    {
      functionName,
      packageType: configuration.PackageType,
      codeRepositoryType: got.Code?.RepositoryType,
      codeLocation: got.Code?.Location,
      vpcSubnetIds: configuration.VpcConfig?.SubnetIds,
      fileSystemCount: configuration.FileSystemConfigs?.length,
    },
    options,
  );
  if (problem) throw new CopyRefusedError(problem);
  if (configuration.State && configuration.State !== 'Active') {
    throw new CopyRefusedError(
      `${functionName} is ${configuration.State}${configuration.StateReason ? ` (${configuration.StateReason})` : ''}; wait until it is Active.`,
    );
  }
  const arch: Architecture = configuration.Architectures?.[0] === 'arm64' ? 'arm64' : 'x86_64';
  return { functionName, functionArn: configuration.FunctionArn ?? null, configuration, codeLocation: got.Code!.Location!, arch };
}

/** Downloads the original's zip from Code.Location and checks it against CodeSha256. */
export async function downloadCode(original: OriginalFunction, fetchImpl: typeof fetch = fetch): Promise<Uint8Array> {
  let response: Response;
  const host = safeHost(original.codeLocation);
  try {
    response = await fetchImpl(original.codeLocation, { signal: AbortSignal.timeout(120_000) });
  } catch (error) {
    throw new CopyRefusedError(
      `The code of ${original.functionName} could not be downloaded from its code location (${host}): ${error instanceof Error ? error.message : String(error)}.`,
      { cause: error },
    );
  }
  if (!response.ok) {
    await response.body?.cancel();
    throw new CopyRefusedError(
      `The code location of ${original.functionName} (${host}) answered HTTP ${response.status}: its code cannot be downloaded, so it cannot be copied. On AWS, lambda:GetFunction must be allowed (it grants the presigned URL).`,
    );
  }
  const zip = new Uint8Array(await response.arrayBuffer());
  const expected = original.configuration.CodeSha256;
  const actual = createHash('sha256').update(zip).digest('base64');
  if (expected && actual !== expected) {
    throw new CopyRefusedError(
      `The code downloaded for ${original.functionName} does not match its CodeSha256 (${expected}, got ${actual}); it was not copied.`,
    );
  }
  return zip;
}

/** The URL's host only: a presigned URL's query is a credential and is never printed. */
function safeHost(location: string): string {
  try {
    return new URL(location).host;
  } catch {
    return 'an unreadable URL';
  }
}

export interface CopyOptions {
  client: LambdaClient;
  experimentId: string;
  original: OriginalFunction;
  zip: Uint8Array;
  copies: PlannedCopy[];
  dimension: ThreadDimension;
  copyVpc: boolean;
  onCopied?: (copy: PlannedCopy, action: 'created' | 'reused') => void;
  maxWaitSeconds?: number;
}

/**
 * Creates each copy with the original's runtime, handler, role, environment (plus the thread
 * variable), layers, architecture, timeout and ephemeral storage at the copy's memory size. A copy
 * that already exists is reused when it is ours, copies this function and has the same code;
 * any other function of that name is left alone and the copy refused.
 */
export async function createCopies(options: CopyOptions): Promise<Array<{ copy: PlannedCopy; action: 'created' | 'reused' }>> {
  const { client, original, zip } = options;
  const c = original.configuration;
  const codeSha256 = createHash('sha256').update(zip).digest('base64');
  const results = await mapWithConcurrency(options.copies, 4, async (copy) => {
    const existing = await getOrNull(client, copy.functionName);
    if (existing) {
      const tags = existing.Tags ?? {};
      const ours = tags[TAG_EXPERIMENT] === options.experimentId && tags[TAG_COPY_OF] === original.functionName && tags[TAG_CREATED_BY] === CREATED_BY_VALUE;
      if (!ours)
        throw new Error(
          `A function named ${copy.functionName} already exists and is not a copy of ${original.functionName} for experiment ${options.experimentId}; it was left untouched. Use another --experiment id.`,
        );
      if (existing.Configuration?.CodeSha256 !== codeSha256 || existing.Configuration?.MemorySize !== copy.memoryMB) {
        throw new Error(
          `${copy.functionName} is an older copy (other code or memory); delete the copies first (lambda-lab cleanup --experiment ${options.experimentId}) and sweep again.`,
        );
      }
      options.onCopied?.(copy, 'reused');
      return { copy, action: 'reused' as const };
    }
    const variables = { ...(c.Environment?.Variables ?? {}) };
    if (options.dimension.kind === 'env' && copy.threads !== undefined) variables[options.dimension.name] = String(copy.threads);
    await client.send(
      new CreateFunctionCommand({
        FunctionName: copy.functionName,
        Runtime: c.Runtime as Runtime | undefined,
        Handler: c.Handler,
        Role: c.Role,
        Code: { ZipFile: zip },
        MemorySize: copy.memoryMB,
        Timeout: c.Timeout,
        Architectures: [copy.arch],
        Description:
          `Lambda Parallel Lab copy of ${original.functionName} at ${copy.memoryMB} MB${copy.threads !== undefined ? `, ${copy.threads} threads` : ''}`.slice(
            0,
            256,
          ),
        ...(Object.keys(variables).length > 0 ? { Environment: { Variables: variables } } : {}),
        ...(c.Layers && c.Layers.length > 0 ? { Layers: c.Layers.map((l) => l.Arn!).filter(Boolean) } : {}),
        ...(c.EphemeralStorage?.Size ? { EphemeralStorage: { Size: c.EphemeralStorage.Size } } : {}),
        ...(options.copyVpc && c.VpcConfig?.SubnetIds?.length
          ? { VpcConfig: { SubnetIds: c.VpcConfig.SubnetIds, SecurityGroupIds: c.VpcConfig.SecurityGroupIds } }
          : {}),
        Tags: copyTags(options.experimentId, copy, original.functionName),
      }),
    );
    await waitUntilFunctionActiveV2({ client, maxWaitTime: options.maxWaitSeconds ?? 300 }, { FunctionName: copy.functionName });
    options.onCopied?.(copy, 'created');
    return { copy, action: 'created' as const };
  });
  return results.filter((r): r is { copy: PlannedCopy; action: 'created' | 'reused' } => r !== undefined);
}

async function getOrNull(client: LambdaClient, functionName: string): Promise<GetFunctionCommandOutput | null> {
  try {
    return await client.send(new GetFunctionCommand({ FunctionName: functionName }));
  } catch (error) {
    if (isNotFoundError(error)) return null;
    throw error;
  }
}

/** The original's configuration as it matters for "unchanged": compared before and after a sweep. */
export function configurationFingerprint(c: FunctionConfiguration): string {
  return JSON.stringify({
    CodeSha256: c.CodeSha256,
    RevisionId: c.RevisionId,
    LastModified: c.LastModified,
    MemorySize: c.MemorySize,
    Timeout: c.Timeout,
    Runtime: c.Runtime,
    Handler: c.Handler,
    Role: c.Role,
    Environment: c.Environment?.Variables ?? null,
    Layers: (c.Layers ?? []).map((l) => l.Arn),
    Architectures: c.Architectures,
  });
}
