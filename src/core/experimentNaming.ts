// How Lambda Parallel Lab names and tags what it deploys, so later commands (sweep, cleanup)
// can find an experiment's functions and role again. Pure: no SDK, no editor.
import type { Architecture } from './experimentConfig';

/** Prefix of every function name we create; short so long experiment ids still fit. */
export const FUNCTION_NAME_PREFIX = 'llab';
/** Lambda's limit on function names. */
const MAX_FUNCTION_NAME_LENGTH = 64;
/** IAM's limit on role names. */
const MAX_ROLE_NAME_LENGTH = 64;

/** Tag keys put on every function and role we create. */
export const TAG_EXPERIMENT = 'lambda-parallel-lab:experiment';
const TAG_MEMORY = 'lambda-parallel-lab:memory-mb';
const TAG_ARCH = 'lambda-parallel-lab:arch';
/** Present (value "lambda-parallel-lab") on resources this product created, so cleanup never deletes a user's own. */
export const TAG_CREATED_BY = 'lambda-parallel-lab:created-by';
export const CREATED_BY_VALUE = 'lambda-parallel-lab';

/**
 * `llab-<experiment>-<memory>-<arch>`, e.g. `llab-demo-1769-arm64`.
 * With experiment ids of at most 40 characters the longest name is 58 characters (limit 64).
 */
export function functionNameFor(experimentId: string, memoryMB: number, arch: Architecture): string {
  const name = `${FUNCTION_NAME_PREFIX}-${experimentId}-${memoryMB}-${arch}`;
  if (name.length > MAX_FUNCTION_NAME_LENGTH) {
    throw new Error(
      `The function name "${name}" is ${name.length} characters; Lambda allows ${MAX_FUNCTION_NAME_LENGTH}. Use an experiment id of at most 40 characters.`,
    );
  }
  return name;
}

/** The execution role we create for an experiment when the user has none. */
export function roleNameFor(experimentId: string): string {
  const name = `lambda-parallel-lab-${experimentId}`;
  if (name.length > MAX_ROLE_NAME_LENGTH) {
    throw new Error(`The role name "${name}" is longer than IAM's ${MAX_ROLE_NAME_LENGTH} characters. Use a shorter experiment id.`);
  }
  return name;
}

/** Tags for one function of an experiment. */
export function functionTags(experimentId: string, memoryMB: number, arch: Architecture): Record<string, string> {
  return {
    [TAG_EXPERIMENT]: experimentId,
    [TAG_MEMORY]: String(memoryMB),
    [TAG_ARCH]: arch,
    [TAG_CREATED_BY]: CREATED_BY_VALUE,
  };
}

/** Tags for an execution role we create. */
export function roleTags(experimentId: string): Record<string, string> {
  return { [TAG_EXPERIMENT]: experimentId, [TAG_CREATED_BY]: CREATED_BY_VALUE };
}

export interface ExperimentFunctionIdentity {
  functionName: string;
  arch: Architecture;
  memoryMB: number;
}

/**
 * Reads back which experiment function a set of tags describes; null when the tags are not
 * ours or belong to another experiment. Memory and arch come from the tags, not the name, so a
 * renamed function still counts.
 */
export function identifyExperimentFunction(
  functionName: string,
  tags: Record<string, string> | undefined,
  experimentId: string,
): ExperimentFunctionIdentity | null {
  if (!tags || tags[TAG_EXPERIMENT] !== experimentId) return null;
  const memoryMB = Number(tags[TAG_MEMORY]);
  const arch = tags[TAG_ARCH];
  if (!Number.isInteger(memoryMB) || (arch !== 'x86_64' && arch !== 'arm64')) return null;
  return { functionName, arch, memoryMB };
}
