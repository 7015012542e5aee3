// Where experiments run: AWS (a profile and a region), the built-in local endpoint, or any
// Lambda-compatible endpoint (LocalStack, moto). Turns the user's choices (flags, settings,
// environment) into SDK clients. Credentials come from the SDK's provider chain, so SSO,
// credential_process, assume-role and environment variables all work; their values never leave
// the client (labels and messages name the profile only).
import { IAMClient } from '@aws-sdk/client-iam';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { fromNodeProviderChain } from '@aws-sdk/credential-providers';
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from '@aws-sdk/types';
import { listAwsProfiles, sharedFilePaths, type ProfileCredentialKind } from './awsProfiles';
import { describeTarget } from './targetDescription';
import { TargetError, toTargetError, unknownProfileMessage, type ErrorContext } from './credentialErrors';

export type Target =
  { kind: 'aws'; profile?: string; region: string } | { kind: 'local' } | { kind: 'endpoint'; url: string; region: string; profile?: string };

export type TargetKind = Target['kind'];

/** What the user said, from CLI flags or VS Code settings; unset fields fall back to the environment. */
export interface TargetChoice {
  kind?: TargetKind;
  profile?: string;
  region?: string;
  endpoint?: string;
}

/** How to reach a running built-in endpoint: its handle (in-process) or its state file (another process). */
export interface LocalEndpointConnection {
  endpoint: string;
  region: string;
  accessKeyId: string;
  secretAccessKey: string;
  cpuLimit?: string;
}

export interface ResolvedTarget {
  target: Target;
  region: string;
  /** undefined = AWS's own endpoint for the region. */
  endpoint?: string;
  profile?: string;
  profileKind?: ProfileCredentialKind;
  credentials: AwsCredentialIdentity | AwsCredentialIdentityProvider;
  /** For messages and the status bar, e.g. `AWS profile "dev" (eu-west-1)`. Never holds secrets. */
  label: string;
  /** True when this is the built-in endpoint (no IAM, no execution role needed). */
  builtInEndpoint: boolean;
  /** Built-in endpoint only: how CPU is limited there. */
  cpuLimit?: string;
}

type Env = Record<string, string | undefined>;

export const DEFAULT_ENDPOINT_REGION = 'us-east-1';

function nonEmpty(value: string | undefined): string | undefined {
  const trimmed = value?.trim();
  return trimmed ? trimmed : undefined;
}

function checkEndpointUrl(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new TargetError(`"${url}" is not a valid endpoint URL. Use a full URL such as http://127.0.0.1:4566.`, 'other');
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new TargetError(`The endpoint URL "${url}" must start with http:// or https://.`, 'other');
  }
  return url.replace(/\/+$/, '');
}

/**
 * Decides the target from the user's choice and the environment, in this order: an explicit
 * kind/endpoint/profile/region, then AWS_ENDPOINT_URL_LAMBDA, AWS_PROFILE, AWS_REGION /
 * AWS_DEFAULT_REGION, then the profile's region in the config file. Fails with a TargetError
 * for a profile that is not on disk or an AWS target without a region.
 */
export async function chooseTarget(choice: TargetChoice, env: Env = process.env): Promise<Target> {
  if (choice.kind === 'local') return { kind: 'local' };

  const profile = nonEmpty(choice.profile) ?? nonEmpty(env.AWS_PROFILE);
  let profileRegion: string | undefined;
  if (profile) {
    const profiles = await listAwsProfiles(env);
    const found = profiles.find((p) => p.name === profile);
    if (!found) {
      const paths = sharedFilePaths(env);
      throw new TargetError(
        unknownProfileMessage(
          profile,
          profiles.map((p) => p.name),
          paths.configFile,
          paths.credentialsFile,
        ),
        'unknown-profile',
      );
    }
    profileRegion = found.region;
  } else {
    // No profile named: the SDK uses [default], so its region counts too.
    profileRegion = (await listAwsProfiles(env)).find((p) => p.name === 'default')?.region;
  }
  const envRegion = nonEmpty(env.AWS_REGION) ?? nonEmpty(env.AWS_DEFAULT_REGION);

  // With kind 'aws' a configured endpoint setting is ignored, but the environment override is not:
  // the SDK itself would send requests there, so the target must say so.
  const endpoint = (choice.kind === 'aws' ? undefined : nonEmpty(choice.endpoint)) ?? nonEmpty(env.AWS_ENDPOINT_URL_LAMBDA) ?? nonEmpty(env.AWS_ENDPOINT_URL);
  if (choice.kind === 'endpoint' && !endpoint) {
    throw new TargetError('A custom endpoint target needs a URL: pass --endpoint <url>, set lambdaLab.endpoint, or set AWS_ENDPOINT_URL_LAMBDA.', 'other');
  }
  if (endpoint) {
    const region = nonEmpty(choice.region) ?? envRegion ?? profileRegion ?? DEFAULT_ENDPOINT_REGION;
    return { kind: 'endpoint', url: checkEndpointUrl(endpoint), region, ...(profile ? { profile } : {}) };
  }

  const region = nonEmpty(choice.region) ?? envRegion ?? profileRegion;
  if (!region) {
    throw new TargetError(
      `No AWS region chosen${profile ? ` (profile "${profile}" sets none)` : ''}. Pass --region <name> (VS Code: lambdaLab.region), set AWS_REGION, or add "region = ..." to the profile in the AWS config file.`,
      'other',
    );
  }
  return { kind: 'aws', region, ...(profile ? { profile } : {}) };
}

// Re-exported: the status bar needs it without loading the SDK.
export { describeTarget };

/**
 * Everything needed to build clients. For `local`, pass the running endpoint (the in-process
 * handle, or what the state file of `lambda-lab endpoint` says). A custom endpoint whose URL is
 * that running built-in endpoint uses its credentials (it accepts no others).
 */
export async function resolveTarget(target: Target, options: { localEndpoint?: LocalEndpointConnection | null; env?: Env } = {}): Promise<ResolvedTarget> {
  const env = options.env ?? process.env;
  const local = options.localEndpoint ?? undefined;
  if (target.kind === 'local') {
    if (!local) {
      throw new TargetError(
        'The built-in local endpoint is not running. Start it in another terminal with `lambda-lab endpoint`, or use `lambda-lab demo`, which starts its own.',
        'unreachable-endpoint',
      );
    }
    return {
      target,
      region: local.region,
      endpoint: local.endpoint,
      credentials: { accessKeyId: local.accessKeyId, secretAccessKey: local.secretAccessKey },
      label: describeTarget(target, local.endpoint),
      builtInEndpoint: true,
      cpuLimit: local.cpuLimit,
    };
  }

  const profileKind = target.profile ? (await listAwsProfiles(env)).find((p) => p.name === target.profile)?.kind : undefined;
  const endpoint = target.kind === 'endpoint' ? target.url : undefined;
  const builtInEndpoint = target.kind === 'endpoint' && !!local && sameEndpoint(local.endpoint, target.url);
  let credentials: AwsCredentialIdentity | AwsCredentialIdentityProvider;
  // The built-in endpoint accepts only the credentials it generated, whatever AWS_PROFILE says.
  if (builtInEndpoint && local) {
    credentials = { accessKeyId: local.accessKeyId, secretAccessKey: local.secretAccessKey };
  } else {
    credentials = fromNodeProviderChain(target.profile ? { profile: target.profile } : {});
  }
  return {
    target,
    region: target.region,
    endpoint,
    profile: target.profile,
    profileKind,
    credentials,
    label: describeTarget(target),
    builtInEndpoint,
    ...(builtInEndpoint && local?.cpuLimit ? { cpuLimit: local.cpuLimit } : {}),
  };
}

function sameEndpoint(a: string, b: string): boolean {
  try {
    const x = new URL(a);
    const y = new URL(b);
    const host = (h: string) => (h === 'localhost' ? '127.0.0.1' : h);
    return x.protocol === y.protocol && host(x.hostname) === host(y.hostname) && x.port === y.port;
  } catch {
    return false;
  }
}

export function errorContextOf(resolved: ResolvedTarget): ErrorContext {
  return { profile: resolved.profile, profileKind: resolved.profileKind, endpoint: resolved.endpoint, region: resolved.region };
}

/** Loads the credentials once, so a missing or expired login is reported before any work starts. */
export async function verifyCredentials(resolved: ResolvedTarget): Promise<void> {
  if (typeof resolved.credentials !== 'function') return;
  try {
    await resolved.credentials();
  } catch (error) {
    throw toTargetError(error, errorContextOf(resolved));
  }
}

export function createLambdaClient(resolved: ResolvedTarget, options: { maxAttempts?: number } = {}): LambdaClient {
  return new LambdaClient({
    region: resolved.region,
    credentials: resolved.credentials,
    ...(resolved.endpoint ? { endpoint: resolved.endpoint } : {}),
    ...(options.maxAttempts ? { maxAttempts: options.maxAttempts } : {}),
  });
}

/** IAM for creating/deleting execution roles. Custom endpoints (moto, LocalStack) serve IAM on the same URL unless AWS_ENDPOINT_URL_IAM says otherwise. */
export function createIamClient(resolved: ResolvedTarget, env: Env = process.env): IAMClient {
  if (resolved.builtInEndpoint) {
    throw new TargetError('The built-in local endpoint has no IAM and needs no execution role.', 'other');
  }
  const endpoint = resolved.target.kind === 'endpoint' ? (nonEmpty(env.AWS_ENDPOINT_URL_IAM) ?? resolved.endpoint) : undefined;
  return new IAMClient({
    region: resolved.region,
    credentials: resolved.credentials,
    ...(endpoint ? { endpoint } : {}),
  });
}
