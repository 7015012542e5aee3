// The target flags shared by `lambda-lab deploy`, `cleanup` (and any command that talks to Lambda):
// --local | --endpoint <url>, --profile <name>, --region <name>.
import { chooseTarget, createLambdaClient, errorContextOf, resolveTarget, verifyCredentials, type ResolvedTarget } from '../aws/lambdaTarget';
import { TargetError, toTargetError } from '../aws/credentialErrors';
import { endpointStateFilePath, readEndpointState } from '../localEndpoint/endpointStateFile';
import { ListFunctionsCommand } from '@aws-sdk/client-lambda';

export const targetFlagOptions = {
  local: { type: 'boolean' },
  endpoint: { type: 'string' },
  profile: { type: 'string' },
  region: { type: 'string' },
} as const;

export const targetFlagsHelp = `Target (default: AWS with AWS_PROFILE / AWS_REGION, or AWS_ENDPOINT_URL_LAMBDA if set):
  --local              The built-in endpoint started by \`lambda-lab endpoint\` (found through
                       its state file, ${endpointStateFilePath().replace(process.env.HOME ?? '\u0000', '~')}).
  --endpoint <url>     Any Lambda-compatible endpoint (LocalStack, moto, a running
                       \`lambda-lab endpoint\`). Credentials: --profile, AWS_ACCESS_KEY_ID /
                       AWS_SECRET_ACCESS_KEY, or the built-in endpoint's state file.
  --profile <name>     AWS profile from ~/.aws/config or ~/.aws/credentials (SSO,
                       credential_process and assume-role profiles work).
  --region <name>      AWS region (default: AWS_REGION, AWS_DEFAULT_REGION, the profile's).`;

export interface TargetFlagValues {
  local?: boolean;
  endpoint?: string;
  profile?: string;
  region?: string;
}

/** Resolves the flags to a target whose credentials have been loaded once (fails early and clearly). */
export async function resolveCliTarget(values: TargetFlagValues): Promise<ResolvedTarget> {
  if (values.local && values.endpoint) {
    throw new TargetError('Use either --local or --endpoint <url>, not both.', 'other');
  }
  const target = await chooseTarget({
    kind: values.local ? 'local' : values.endpoint ? 'endpoint' : undefined,
    endpoint: values.endpoint,
    profile: values.profile,
    region: values.region,
  });
  const state = target.kind === 'aws' ? null : await readEndpointState();
  const resolved = await resolveTarget(target, { localEndpoint: state });
  await verifyCredentials(resolved);
  return resolved;
}

/**
 * One cheap call (ListFunctions, 1 item) so that an unreachable endpoint or rejected credentials
 * give one clear message instead of one failure per function.
 */
export async function checkLambdaReachable(resolved: ResolvedTarget): Promise<void> {
  const client = createLambdaClient(resolved, { maxAttempts: 2 });
  try {
    await client.send(new ListFunctionsCommand({ MaxItems: 1 }));
  } catch (error) {
    throw toTargetError(error, errorContextOf(resolved));
  } finally {
    client.destroy();
  }
}

/**
 * Resolves the target flags, checks Lambda answers to these credentials, lets `checkTarget` refuse
 * flags that do not fit the target and says which target is used, then runs `work`. Any failure, here or in `work`,
 * becomes one line on stderr phrased for the target (credentials, reachability…), and exit code 1.
 */
export async function runAgainstTarget(
  command: string,
  values: TargetFlagValues,
  work: (resolved: ResolvedTarget) => Promise<number>,
  checkTarget?: (resolved: ResolvedTarget) => void,
): Promise<number> {
  let resolved: ResolvedTarget | undefined;
  try {
    resolved = await resolveCliTarget(values);
    // Reachability and credentials first: an endpoint that refuses the keys may be a built-in one
    // whose state file was not found, and then a flag check (such as the execution role) would
    // blame the wrong thing.
    await checkLambdaReachable(resolved);
    checkTarget?.(resolved);
    process.stderr.write(`Target: ${resolved.label}\n`);
    return await work(resolved);
  } catch (error) {
    const message = resolved ? toTargetError(error, errorContextOf(resolved)).message : toTargetError(error).message;
    process.stderr.write(`lambda-lab ${command}: ${message}\n`);
    return 1;
  }
}
