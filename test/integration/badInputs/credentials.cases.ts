// Credentials the built-in endpoint refuses: the user's AWS keys, or its key id with a wrong secret.
// Each must say the endpoint's generated credentials were not used and how to get them, never
// "Functions need an execution role" nor "run aws configure".
import type { BadInputCase } from '../../support/badInputTable';

const NOT_THE_GENERATED_KEY_ID =
  /is a Lambda Parallel Lab built-in endpoint and does not know this access key id: the credentials it generated when it started were not used.*Use --local instead of --endpoint/;
const NOT_THE_GENERATED_SECRET =
  /is a Lambda Parallel Lab built-in endpoint and knows the access key id but the signature does not match its secret access key: the credentials it generated when it started were not used/;
const MISLEADING = /execution role|aws configure|have expired/;

/** AWS-looking keys of the user, not the endpoint's; no endpoint state file in the row's LAMBDA_LAB_HOME. */
const awsKeys = { AWS_ACCESS_KEY_ID: 'AKIAIOSFODNN7EXAMPLE', AWS_SECRET_ACCESS_KEY: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY', LAMBDA_LAB_HOME: '{dir}' };
const wrongSecret = { AWS_ACCESS_KEY_ID: '{endpointKeyId}', AWS_SECRET_ACCESS_KEY: 'not-the-generated-secret', LAMBDA_LAB_HOME: '{dir}' };

export const cases: BadInputCase[] = [
  {
    name: 'deploy --endpoint <built-in endpoint> with AWS keys says the generated credentials were not used (not "execution role")',
    args: ['deploy', '--experiment', 'creds', '--memory', '512', '--endpoint', '{endpoint}'],
    needsEndpoint: true,
    env: awsKeys,
    exitCode: 1,
    message: NOT_THE_GENERATED_KEY_ID,
    absent: MISLEADING,
  },
  {
    name: 'deploy --endpoint <built-in endpoint> with its key id but a wrong secret says the secret does not match',
    args: ['deploy', '--experiment', 'creds', '--memory', '512', '--endpoint', '{endpoint}', '--create-role'],
    needsEndpoint: true,
    env: wrongSecret,
    exitCode: 1,
    message: NOT_THE_GENERATED_SECRET,
    absent: MISLEADING,
  },
  {
    name: 'sweep --endpoint <built-in endpoint> with AWS keys',
    args: ['sweep', '--experiment', 'creds', '--threads', '1', '--reps', '1', '--endpoint', '{endpoint}', '--out', '{dir}/runs'],
    needsEndpoint: true,
    env: awsKeys,
    exitCode: 1,
    message: NOT_THE_GENERATED_KEY_ID,
    absent: MISLEADING,
  },
  {
    name: 'sweep --endpoint <built-in endpoint> with a wrong secret',
    args: ['sweep', '--experiment', 'creds', '--threads', '1', '--reps', '1', '--endpoint', '{endpoint}', '--out', '{dir}/runs'],
    needsEndpoint: true,
    env: wrongSecret,
    exitCode: 1,
    message: NOT_THE_GENERATED_SECRET,
    absent: MISLEADING,
  },
  {
    name: 'cleanup --endpoint <built-in endpoint> with AWS keys',
    args: ['cleanup', '--experiment', 'creds', '--endpoint', '{endpoint}'],
    needsEndpoint: true,
    env: awsKeys,
    exitCode: 1,
    message: NOT_THE_GENERATED_KEY_ID,
    absent: MISLEADING,
  },
];
