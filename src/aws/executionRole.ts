// The execution role experiment functions run as: the user's own (an ARN), or a minimal one we
// create per experiment — trusted by lambda.amazonaws.com, with AWSLambdaBasicExecutionRole only
// (CloudWatch Logs), tagged so cleanup deletes only roles this product made.
import { isNotFoundError } from './sdkErrors';
import {
  AttachRolePolicyCommand,
  CreateRoleCommand,
  DeleteRoleCommand,
  DeleteRolePolicyCommand,
  DetachRolePolicyCommand,
  GetRoleCommand,
  ListAttachedRolePoliciesCommand,
  ListRolePoliciesCommand,
  ListRoleTagsCommand,
  type IAMClient,
  type Role,
} from '@aws-sdk/client-iam';
import { CREATED_BY_VALUE, TAG_CREATED_BY, TAG_EXPERIMENT, roleNameFor, roleTags } from '../core/experimentNaming';

export const BASIC_EXECUTION_POLICY_NAME = 'service-role/AWSLambdaBasicExecutionRole';

export const LAMBDA_TRUST_POLICY = JSON.stringify({
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' }],
});

const ROLE_ARN_PATTERN = /^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@/-]{1,512}$/;

/** Checks a user-given role ARN's shape, so a typo fails before any function is created. */
export function checkRoleArn(roleArn: string): string {
  const trimmed = roleArn.trim();
  if (!ROLE_ARN_PATTERN.test(trimmed)) {
    throw new Error(`"${roleArn}" is not an IAM role ARN. Expected arn:aws:iam::<12-digit account>:role/<name>.`);
  }
  return trimmed;
}

function partitionOf(arn: string | undefined): string {
  return /^arn:([^:]+):/.exec(arn ?? '')?.[1] ?? 'aws';
}

export function basicExecutionPolicyArn(roleArn?: string): string {
  return `arn:${partitionOf(roleArn)}:iam::aws:policy/${BASIC_EXECUTION_POLICY_NAME}`;
}

async function getRole(iam: IAMClient, roleName: string): Promise<Role | null> {
  try {
    return (await iam.send(new GetRoleCommand({ RoleName: roleName }))).Role ?? null;
  } catch (error) {
    if (isNotFoundError(error)) return null;
    throw error;
  }
}

async function tagsOfRole(iam: IAMClient, role: Role): Promise<Record<string, string>> {
  let tags = role.Tags;
  if (!tags) tags = (await iam.send(new ListRoleTagsCommand({ RoleName: role.RoleName }))).Tags ?? [];
  return Object.fromEntries(tags.map((t) => [t.Key ?? '', t.Value ?? '']));
}

function isOurs(tags: Record<string, string>, experimentId: string): boolean {
  return tags[TAG_CREATED_BY] === CREATED_BY_VALUE && tags[TAG_EXPERIMENT] === experimentId;
}

export interface ExecutionRole {
  roleArn: string;
  roleName: string;
  /** True when this call created it (false: it already existed from an earlier deploy). */
  created: boolean;
}

/**
 * Returns the experiment's role, creating it if needed. An existing role with our name that we
 * did not create is not touched: the user is told to pass its ARN instead.
 */
export async function ensureExecutionRole(iam: IAMClient, experimentId: string, log: (line: string) => void = () => {}): Promise<ExecutionRole> {
  const roleName = roleNameFor(experimentId);
  const existing = await getRole(iam, roleName);
  if (existing?.Arn) {
    if (!isOurs(await tagsOfRole(iam, existing), experimentId)) {
      throw new Error(
        `A role named "${roleName}" already exists but was not created by Lambda Parallel Lab for experiment "${experimentId}". Pass its ARN with --role (VS Code: lambdaLab.roleArn) to use it, or choose another experiment id.`,
      );
    }
    // An earlier deploy may have stopped between CreateRole and AttachRolePolicy.
    await attachBasicExecutionPolicy(iam, roleName, existing.Arn);
    return { roleArn: existing.Arn, roleName, created: false };
  }
  log(`Creating execution role ${roleName} (trusts lambda.amazonaws.com; AWSLambdaBasicExecutionRole only)`);
  const created = await iam.send(
    new CreateRoleCommand({
      RoleName: roleName,
      AssumeRolePolicyDocument: LAMBDA_TRUST_POLICY,
      Description: `Execution role for Lambda Parallel Lab experiment ${experimentId}`,
      Tags: Object.entries(roleTags(experimentId)).map(([Key, Value]) => ({ Key, Value })),
    }),
  );
  const roleArn = created.Role?.Arn;
  if (!roleArn) throw new Error(`IAM created role ${roleName} but returned no ARN.`);
  await attachBasicExecutionPolicy(iam, roleName, roleArn);
  return { roleArn, roleName, created: true };
}

async function attachBasicExecutionPolicy(iam: IAMClient, roleName: string, roleArn: string): Promise<void> {
  const policyArn = basicExecutionPolicyArn(roleArn);
  const attached = await iam.send(new ListAttachedRolePoliciesCommand({ RoleName: roleName }));
  if ((attached.AttachedPolicies ?? []).some((p) => p.PolicyArn === policyArn)) return;
  await iam.send(new AttachRolePolicyCommand({ RoleName: roleName, PolicyArn: policyArn }));
}

export type RoleDeletion = { deleted: true; roleName: string } | { deleted: false; roleName: string; reason: string };

/** Deletes the experiment's role if we created it (tags say so); detaches its policies first. */
export async function deleteExperimentRole(iam: IAMClient, experimentId: string): Promise<RoleDeletion> {
  const roleName = roleNameFor(experimentId);
  const role = await getRole(iam, roleName);
  if (!role) return { deleted: false, roleName, reason: 'no such role' };
  if (!isOurs(await tagsOfRole(iam, role), experimentId)) {
    return { deleted: false, roleName, reason: 'not created by Lambda Parallel Lab for this experiment; left in place' };
  }
  const attached = await iam.send(new ListAttachedRolePoliciesCommand({ RoleName: roleName }));
  for (const policy of attached.AttachedPolicies ?? []) {
    await iam.send(new DetachRolePolicyCommand({ RoleName: roleName, PolicyArn: policy.PolicyArn }));
  }
  const inline = await iam.send(new ListRolePoliciesCommand({ RoleName: roleName }));
  for (const policyName of inline.PolicyNames ?? []) {
    await iam.send(new DeleteRolePolicyCommand({ RoleName: roleName, PolicyName: policyName }));
  }
  await iam.send(new DeleteRoleCommand({ RoleName: roleName }));
  return { deleted: true, roleName };
}

/** Lambda's answer while a new role has not reached it yet (IAM is eventually consistent). */
export function isRolePropagationError(error: unknown): boolean {
  const e = error as { name?: string; message?: string };
  return e?.name === 'InvalidParameterValueException' && /role defined for the function cannot be assumed by Lambda/i.test(e.message ?? '');
}

export interface PropagationRetryOptions {
  /** Total attempts including the first. */
  maxAttempts?: number;
  baseDelayMs?: number;
  maxDelayMs?: number;
  sleep?: (ms: number) => Promise<void>;
  onRetry?: (attempt: number, delayMs: number) => void;
}

/**
 * Runs `call` (a CreateFunction) again while Lambda says the role cannot be assumed yet, with
 * exponential backoff: 8 attempts from 1 s, capped at 10 s per wait (about 45 s in all), which
 * covers IAM's usual propagation time. Any other error is thrown at once.
 */
export async function retryWhileRolePropagates<T>(call: () => Promise<T>, options: PropagationRetryOptions = {}): Promise<T> {
  const maxAttempts = options.maxAttempts ?? 8;
  const base = options.baseDelayMs ?? 1000;
  const cap = options.maxDelayMs ?? 10_000;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  for (let attempt = 1; ; attempt++) {
    try {
      return await call();
    } catch (error) {
      if (!isRolePropagationError(error) || attempt >= maxAttempts) {
        if (isRolePropagationError(error)) {
          throw new Error(
            `Lambda still cannot assume the execution role after ${attempt} attempts. If the role was just created, wait a minute and deploy again; otherwise check that its trust policy allows lambda.amazonaws.com.`,
            { cause: error },
          );
        }
        throw error;
      }
      const delay = Math.min(cap, base * 2 ** (attempt - 1));
      options.onRetry?.(attempt, delay);
      await sleep(delay);
    }
  }
}

/** The built-in endpoint runs functions as the local user; Lambda's API still wants a role ARN. */
export const BUILT_IN_ENDPOINT_ROLE_ARN = 'arn:aws:iam::000000000000:role/lambda-parallel-lab-local';

export interface RoleChoice {
  /** An existing role (flag --role, setting lambdaLab.roleArn). */
  roleArn?: string;
  /** Create (or reuse) the experiment's minimal role. */
  createRole?: boolean;
}

/** Checks the role choice without any network call, so bad input fails before anything is deployed. */
export function checkRoleChoice(choice: RoleChoice, builtInEndpoint: boolean): void {
  if (choice.roleArn && choice.createRole) throw new Error('Use either --role <arn> or --create-role, not both.');
  if (choice.roleArn) checkRoleArn(choice.roleArn);
  else if (!choice.createRole && !builtInEndpoint) {
    throw new Error(
      'Functions need an execution role: pass --role <arn> (VS Code: lambdaLab.roleArn), or --create-role to create a minimal one (trusts lambda.amazonaws.com, AWSLambdaBasicExecutionRole only).',
    );
  }
}

/** The role ARN to deploy with: the given one, a created one, or the placeholder for the built-in endpoint. */
export async function resolveExecutionRole(
  choice: RoleChoice,
  context: { builtInEndpoint: boolean; experimentId: string; iam: () => IAMClient; log?: (line: string) => void },
): Promise<ExecutionRole> {
  checkRoleChoice(choice, context.builtInEndpoint);
  if (choice.roleArn) {
    const roleArn = checkRoleArn(choice.roleArn);
    return { roleArn, roleName: roleArn.slice(roleArn.lastIndexOf('/') + 1), created: false };
  }
  if (context.builtInEndpoint) {
    if (choice.createRole) context.log?.('The built-in endpoint needs no execution role; none was created.');
    return { roleArn: BUILT_IN_ENDPOINT_ROLE_ARN, roleName: 'lambda-parallel-lab-local', created: false };
  }
  return ensureExecutionRole(context.iam(), context.experimentId, context.log);
}
