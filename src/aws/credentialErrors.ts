// Turns what the AWS SDK throws about credentials and connections into one message that says
// which profile or endpoint failed and what to run next. Never includes credential values.
import type { ProfileCredentialKind } from './awsProfiles';

export type AwsProblem =
  'expired-credentials' | 'missing-credentials' | 'unknown-profile' | 'invalid-credentials' | 'unreachable-endpoint' | 'access-denied' | 'other';

export interface ErrorContext {
  /** The profile in use (flag, setting or AWS_PROFILE); undefined = the default chain. */
  profile?: string;
  profileKind?: ProfileCredentialKind;
  /** Custom or local endpoint URL, if not AWS's own. */
  endpoint?: string;
  region?: string;
}

/** An error whose message is already written for the user (what happened, what to do). */
export class TargetError extends Error {
  constructor(
    message: string,
    readonly problem: AwsProblem,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'TargetError';
  }
}

const NETWORK_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE']);

function errorFields(error: unknown): { name: string; message: string; code: string } {
  const e = (error ?? {}) as { name?: unknown; message?: unknown; code?: unknown; Code?: unknown };
  return {
    name: typeof e.name === 'string' ? e.name : '',
    message: typeof e.message === 'string' ? e.message : String(error),
    code: typeof e.code === 'string' ? e.code : typeof e.Code === 'string' ? e.Code : '',
  };
}

function isServiceError(error: unknown): boolean {
  return typeof error === 'object' && error !== null && '$metadata' in error;
}

function networkCode(error: unknown, depth = 0): string | undefined {
  if (!error || typeof error !== 'object' || depth > 4) return undefined;
  const { code, message, name } = errorFields(error);
  if (NETWORK_CODES.has(code)) return code;
  const inMessage = /\b(ECONNREFUSED|ENOTFOUND|EHOSTUNREACH|ENETUNREACH|EAI_AGAIN)\b/.exec(message);
  if (inMessage) return inMessage[1];
  if (name === 'TimeoutError' && /socket|connect/i.test(message)) return 'ETIMEDOUT';
  // Node's happy-eyeballs connect throws an AggregateError holding one error per address.
  const nested = (error as { errors?: unknown[] }).errors;
  if (Array.isArray(nested)) {
    for (const inner of nested) {
      const found = networkCode(inner, depth + 1);
      if (found) return found;
    }
  }
  return networkCode((error as { cause?: unknown }).cause, depth + 1);
}

export function classifyAwsError(error: unknown): AwsProblem {
  if (error instanceof TargetError) return error.problem;
  const { name, message } = errorFields(error);
  if (networkCode(error)) return 'unreachable-endpoint';
  if (
    /could not be found|was not found\.|Could not resolve credentials using profile/i.test(message) &&
    /profile/i.test(message) &&
    !/SSO session token/i.test(message)
  ) {
    return 'unknown-profile';
  }
  // A clock more than 15 minutes off: the signature, not the credentials, has expired.
  if (/Signature expired|Signature not yet current/i.test(message)) return 'invalid-credentials';
  if (
    name === 'ExpiredTokenException' ||
    name === 'ExpiredToken' ||
    /expired/i.test(message) ||
    /SSO session token .* (was not found|is invalid)|SSO session associated with this profile is invalid/i.test(message)
  ) {
    return 'expired-credentials';
  }
  if (name === 'CredentialsProviderError' || name === 'TokenProviderError' || /Could not load credentials from any providers/i.test(message)) {
    return 'missing-credentials';
  }
  if (
    name === 'UnrecognizedClientException' ||
    name === 'InvalidClientTokenId' ||
    name === 'InvalidSignatureException' ||
    name === 'SignatureDoesNotMatch' ||
    /security token included in the request is invalid/i.test(message)
  ) {
    return 'invalid-credentials';
  }
  if (name === 'AccessDeniedException' || name === 'AccessDenied' || /not authorized to perform/i.test(message)) return 'access-denied';
  return 'other';
}

function profileLabel(context: ErrorContext): string {
  return context.profile ? `profile "${context.profile}"` : 'the default credentials (no profile chosen)';
}

/** What to run to get fresh credentials for this profile. */
function refreshAdvice(context: ErrorContext): string {
  const flag = context.profile ? ` --profile ${context.profile}` : '';
  switch (context.profileKind) {
    case 'sso':
      return `Run \`aws sso login${flag}\` and try again.`;
    case 'login':
      return `Run \`aws login${flag}\` and try again.`;
    case 'credential-process':
      return `Check the credential_process command of ${profileLabel(context)} (run it by hand to see its error).`;
    case 'assume-role':
      return `Refresh the source credentials of ${profileLabel(context)} (its source_profile or credential_source) and try again.`;
    default:
      return context.profile
        ? `Run \`aws sso login${flag}\` if it is an SSO profile, or \`aws configure${flag}\` to set new keys.`
        : 'Run `aws configure` (or `aws sso login --profile <name>` and pass that profile), or set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY.';
  }
}

export function unknownProfileMessage(profile: string, knownProfiles: string[], configFile?: string, credentialsFile?: string): string {
  const where = configFile && credentialsFile ? ` in ${configFile} or ${credentialsFile}` : ' in the AWS config or credentials file';
  const known = knownProfiles.length ? `Profiles found: ${knownProfiles.join(', ')}.` : 'No profiles were found there.';
  return `AWS profile "${profile}" was not found${where}. ${known} Create it with \`aws configure --profile ${profile}\` (or \`aws configure sso --profile ${profile}\`), or pick another profile.`;
}

export function unreachableEndpointMessage(endpoint: string, code?: string): string {
  return `Could not reach the Lambda endpoint at ${endpoint}${code ? ` (${code})` : ''}: is it running? Start the built-in one with \`lambda-lab endpoint\`, or check the URL.`;
}

/** A message for the user; falls back to the SDK's own message with the error name. */
export function explainAwsError(error: unknown, context: ErrorContext = {}): string {
  const { name, message } = errorFields(error);
  if (error instanceof TargetError) return error.message;
  switch (classifyAwsError(error)) {
    case 'unreachable-endpoint':
      return context.endpoint
        ? unreachableEndpointMessage(context.endpoint, networkCode(error))
        : `Could not reach AWS Lambda in ${context.region ?? 'the chosen region'} (${networkCode(error)}): check the network connection and the region name.`;
    case 'unknown-profile':
      return unknownProfileMessage(context.profile ?? 'default', []);
    case 'expired-credentials':
      return context.profileKind === 'sso'
        ? `The SSO login of ${profileLabel(context)} has expired (or was never made). ${refreshAdvice(context)}`
        : `The credentials of ${profileLabel(context)} have expired. ${refreshAdvice(context)}`;
    case 'missing-credentials':
      return `No AWS credentials could be loaded for ${profileLabel(context)}. ${refreshAdvice(context)}`;
    case 'invalid-credentials':
      return invalidCredentialsMessage(name, message, context);
    case 'access-denied':
      return `The credentials of ${profileLabel(context)} are not allowed to do this: ${message} Ask for the permission, or use another profile.`;
    default:
      // Service errors are named by their exception (ServiceException, ResourceConflictException...): keep the name.
      return isServiceError(error) && name && !message.includes(name) ? `${name}: ${message}` : message;
  }
}

/** Which part of the key pair the refusal points at: the id is unknown, or the secret does not match it. */
function refusedPart(name: string, message: string): 'key id' | 'secret' | 'clock' | 'other' {
  if (/Signature expired|Signature not yet current/i.test(message)) return 'clock';
  if (name === 'UnrecognizedClientException' || name === 'InvalidClientTokenId' || /security token included in the request is invalid/i.test(message))
    return 'key id';
  if (name === 'SignatureDoesNotMatch' || /signature we calculated does not match/i.test(message)) return 'secret';
  return 'other';
}

/** Marks the refusals of Lambda Parallel Lab's own endpoint (see requestAuth.ts). */
const BUILT_IN_ENDPOINT_REFUSAL = /Lambda Parallel Lab endpoint accepts only/;

function invalidCredentialsMessage(name: string, message: string, context: ErrorContext): string {
  const part = refusedPart(name, message);
  if (part === 'clock') {
    return `${context.endpoint ? `The endpoint at ${context.endpoint}` : 'AWS'} refused the request because its signing time is more than 15 minutes from the server's clock (${name}: ${message.replace(/\s*This Lambda Parallel Lab endpoint accepts only.*$/s, '')}). Correct this machine's clock (for example enable NTP), then try again.`;
  }
  if (context.endpoint && BUILT_IN_ENDPOINT_REFUSAL.test(message)) {
    // The built-in endpoint generates its own key pair at each start; AWS and `aws configure` have nothing to do with it.
    const what =
      part === 'key id'
        ? 'does not know this access key id'
        : part === 'secret'
          ? 'knows the access key id but the signature does not match its secret access key'
          : `refused the request (${name}: ${message.replace(/\s*This Lambda Parallel Lab endpoint accepts only.*$/s, '')})`;
    return (
      `The endpoint at ${context.endpoint} is a Lambda Parallel Lab built-in endpoint and ${what}: the credentials it generated when it started were not used ` +
      `(AWS keys and an earlier start's keys do not work). Use --local instead of --endpoint (VS Code: the Local target), which reads them from the state file ` +
      '`lambda-lab endpoint` writes, or set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY to the accessKeyId and secretAccessKey it printed.'
    );
  }
  if (context.endpoint) {
    // A custom endpoint checks its own keys: AWS and `aws configure` have nothing to do with it.
    const what =
      part === 'key id'
        ? 'does not know the access key id'
        : part === 'secret'
          ? 'says the signature does not match the secret access key'
          : 'refused the signature';
    return (
      `The endpoint at ${context.endpoint} ${what} (${name}). Use the key pair that endpoint accepts, not your AWS keys ` +
      '(LocalStack and moto accept any; for a running `lambda-lab endpoint`, use --local, which reads the credentials it generated).'
    );
  }
  const what =
    part === 'key id'
      ? 'AWS does not know the access key id of'
      : part === 'secret'
        ? 'The secret access key does not match the access key id of'
        : 'AWS rejected the credentials of';
  const whose = context.profile
    ? profileLabel(context)
    : 'the default credentials (AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY if set, else the default profile)';
  const cause =
    part === 'key id' ? ' (deleted, deactivated, mistyped, or meant for another partition)' : part === 'secret' ? ' (mistyped or from another key)' : '';
  return `${what} ${whose}${cause} (${name}). ${refreshAdvice(context)}`;
}

/** Wraps any error from a call to the target into a TargetError with an explained message. */
export function toTargetError(error: unknown, context: ErrorContext = {}): TargetError {
  if (error instanceof TargetError) return error;
  return new TargetError(explainAwsError(error, context), classifyAwsError(error), { cause: error });
}
