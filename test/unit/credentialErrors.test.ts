import { test } from 'node:test';
import assert from 'node:assert/strict';
import { classifyAwsError, explainAwsError, toTargetError, TargetError } from '../../src/aws/credentialErrors';
import { redactSecrets } from '../../src/core/redactSecrets';

function named(name: string, message: string, extra: Record<string, unknown> = {}): Error {
  const error = new Error(message);
  error.name = name;
  return Object.assign(error, extra);
}

test('an expired SSO session names the profile and says to run aws sso login', () => {
  const error = named(
    'CredentialsProviderError',
    'The SSO session associated with this profile has expired. To refresh this SSO session run aws sso login with the corresponding profile.',
  );
  assert.equal(classifyAwsError(error), 'expired-credentials');
  const message = explainAwsError(error, { profile: 'dev', profileKind: 'sso' });
  assert.match(message, /profile "dev"/);
  assert.match(message, /aws sso login --profile dev/);
});

test('an expired SSO token from the token provider is also "expired"', () => {
  const error = named('TokenProviderError', "Token is expired. To refresh this SSO session run 'aws sso login' with the corresponding profile.");
  assert.equal(classifyAwsError(error), 'expired-credentials');
});

test('ExpiredTokenException from the service for static keys says to configure new keys', () => {
  const message = explainAwsError(named('ExpiredTokenException', 'The security token included in the request is expired'), {
    profile: 'ci',
    profileKind: 'static',
  });
  assert.match(message, /profile "ci" have expired/);
  assert.match(message, /aws configure --profile ci/);
});

test('no credentials at all: names the default chain and what to set', () => {
  const message = explainAwsError(named('CredentialsProviderError', 'Could not load credentials from any providers'));
  assert.match(message, /No AWS credentials/);
  assert.match(message, /aws configure/);
  assert.match(message, /AWS_ACCESS_KEY_ID/);
});

test('a failing credential_process points at the command, not at aws configure', () => {
  const message = explainAwsError(named('CredentialsProviderError', 'Could not load credentials from any providers'), {
    profile: 'proc',
    profileKind: 'credential-process',
  });
  assert.match(message, /credential_process/);
  assert.match(message, /profile "proc"/);
});

test('an unknown profile reported by the SDK is classified as such', () => {
  const error = named('CredentialsProviderError', 'Could not resolve credentials using profile: [ghost] in configuration/credentials file(s).');
  assert.equal(classifyAwsError(error), 'unknown-profile');
  assert.match(explainAwsError(error, { profile: 'ghost' }), /"ghost" was not found.*aws configure --profile ghost/);
});

test('invalid keys are told apart from expired ones', () => {
  assert.equal(classifyAwsError(named('UnrecognizedClientException', 'The security token included in the request is invalid.')), 'invalid-credentials');
  assert.equal(classifyAwsError(named('InvalidSignatureException', 'Signature mismatch')), 'invalid-credentials');
});

test('ECONNREFUSED (also nested in an AggregateError) says the endpoint is not reachable, with its URL', () => {
  const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:9'), { code: 'ECONNREFUSED' });
  assert.equal(classifyAwsError(refused), 'unreachable-endpoint');
  assert.match(
    explainAwsError(refused, { endpoint: 'http://127.0.0.1:9' }),
    /^Could not reach the Lambda endpoint at http:\/\/127\.0\.0\.1:9 \(ECONNREFUSED\): is it running\?/,
  );
  const aggregate = new AggregateError([refused, Object.assign(new Error('x'), { code: 'ECONNREFUSED' })], '');
  assert.equal(classifyAwsError(aggregate), 'unreachable-endpoint');
});

test('access denied keeps the service message and suggests another profile', () => {
  const message = explainAwsError(named('AccessDeniedException', 'User: arn:aws:iam::1:user/x is not authorized to perform: lambda:CreateFunction'), {
    profile: 'ro',
  });
  assert.match(message, /not allowed/);
  assert.match(message, /lambda:CreateFunction/);
});

test('other errors keep their name and message; TargetError passes through unchanged', () => {
  assert.equal(explainAwsError(named('ServiceException', 'boom', { $metadata: { httpStatusCode: 500 } })), 'ServiceException: boom');
  assert.equal(explainAwsError(named('PackagingError', 'Bundling failed')), 'Bundling failed');
  const original = new TargetError('already explained', 'other');
  assert.equal(toTargetError(original), original);
  assert.equal(toTargetError(named('ServiceException', 'boom')).problem, 'other');
});

test('messages never contain credential values', () => {
  const error = named('UnrecognizedClientException', 'The security token included in the request is invalid.', {
    accessKeyId: 'AKIAEXAMPLEKEY',
    secretAccessKey: 'wJalrSECRET',
  });
  const message = explainAwsError(error, { profile: 'dev' });
  assert.doesNotMatch(message, /AKIAEXAMPLEKEY|wJalrSECRET/);
});

test('log lines are redacted: access key ids and secret assignments are masked', () => {
  const line = 'key AKIAABCDEFGHIJKLMNOP secretAccessKey: "wJalrXUtnFEMI/K7MDENG" aws_session_token=FwoGZXIvYXdzEJr and {"sessionToken":"abc123"}';
  const redacted = redactSecrets(line);
  assert.doesNotMatch(redacted, /ABCDEFGHIJKLMNOP|wJalrXUtnFEMI|FwoGZXIvYXdzEJr|abc123/);
  assert.match(redacted, /AKIA\*\*\*\*/);
  assert.equal(
    redactSecrets('Deployed llab-demo-128-x86_64 to AWS profile "dev" (eu-west-1)'),
    'Deployed llab-demo-128-x86_64 to AWS profile "dev" (eu-west-1)',
  );
});

test('a wrong key id or secret against a custom endpoint says which was refused, not "aws configure"', () => {
  const keyId = explainAwsError(
    Object.assign(new Error('The security token included in the request is invalid.'), {
      name: 'UnrecognizedClientException',
      $metadata: { httpStatusCode: 403 },
    }),
    { endpoint: 'http://127.0.0.1:4567' },
  );
  assert.match(keyId, /endpoint at http:\/\/127\.0\.0\.1:4567 does not know the access key id \(UnrecognizedClientException\)/);
  assert.match(keyId, /use --local/);
  const secret = explainAwsError(
    Object.assign(new Error('The request signature we calculated does not match the signature you provided.'), {
      name: 'InvalidSignatureException',
      $metadata: { httpStatusCode: 403 },
    }),
    { endpoint: 'http://127.0.0.1:4567' },
  );
  assert.match(secret, /says the signature does not match the secret access key/);
  for (const message of [keyId, secret]) assert.doesNotMatch(message, /aws configure|execution role/);
});

test("the built-in endpoint's refusals say its generated credentials were not used and how to get them", () => {
  const refusal = (name: string, text: string) =>
    explainAwsError(
      Object.assign(new Error(`${text} This Lambda Parallel Lab endpoint accepts only the credentials it generated when it started.`), {
        name,
        $metadata: { httpStatusCode: 403 },
      }),
      { endpoint: 'http://127.0.0.1:4567' },
    );
  const keyId = refusal('UnrecognizedClientException', 'The security token included in the request is invalid.');
  assert.match(
    keyId,
    /is a Lambda Parallel Lab built-in endpoint and does not know this access key id: the credentials it generated when it started were not used/,
  );
  const secret = refusal('InvalidSignatureException', 'The request signature we calculated does not match the signature you provided.');
  assert.match(secret, /knows the access key id but the signature does not match its secret access key/);
  const other = refusal('InvalidSignatureException', 'The request lists host in SignedHeaders but does not carry it.');
  assert.match(other, /refused the request \(InvalidSignatureException: The request lists host in SignedHeaders/);
  for (const message of [keyId, secret, other]) {
    assert.match(
      message,
      /Use --local instead of --endpoint \(VS Code: the Local target\).*AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY to the accessKeyId and secretAccessKey it printed/,
    );
    assert.doesNotMatch(message, /aws configure|execution role/);
  }
});

test('a signature refused for the clock says to fix the clock, not that the credentials expired', () => {
  const error = named('InvalidSignatureException', "Signature expired: 20260101T000000Z is more than 15 minutes away from the server's time.");
  assert.equal(classifyAwsError(error), 'invalid-credentials');
  const message = explainAwsError(error, { endpoint: 'http://127.0.0.1:4567' });
  assert.match(message, /signing time is more than 15 minutes from the server's clock.*Correct this machine's clock/);
  assert.doesNotMatch(message, /have expired|aws configure/);
});

test('AWS refusing a key id or a secret says which, and where the keys came from', () => {
  const keyId = explainAwsError(named('UnrecognizedClientException', 'The security token included in the request is invalid.'));
  assert.match(
    keyId,
    /AWS does not know the access key id of the default credentials \(AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY if set, else the default profile\)/,
  );
  assert.match(keyId, /aws configure/);
  const secret = explainAwsError(named('SignatureDoesNotMatch', 'The request signature we calculated does not match the signature you provided.'), {
    profile: 'dev',
    profileKind: 'static',
  });
  assert.match(secret, /The secret access key does not match the access key id of profile "dev"/);
  assert.match(secret, /aws configure --profile dev/);
});
