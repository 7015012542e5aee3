import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { listAwsProfiles, parseIniSections, profilesFromTexts, sharedFilePaths } from '../../src/aws/awsProfiles';
import { chooseTarget, describeTarget, resolveTarget } from '../../src/aws/lambdaTarget';
import { TargetError } from '../../src/aws/credentialErrors';

const CONFIG = `
# comment
[default]
region = us-east-1

[profile dev]
sso_session = corp
sso_account_id = 111111111111
sso_role_name = Dev
region = eu-west-1

[sso-session corp]
sso_start_url = https://corp.awsapps.com/start
sso_region = eu-west-1

[profile proc]
credential_process = /usr/local/bin/get-creds
s3 =
  addressing_style = path

[profile  admin]
role_arn = arn:aws:iam::222222222222:role/Admin
source_profile = default

[services local]
lambda =
  endpoint_url = http://127.0.0.1:4566
`;

const CREDENTIALS = `
[default]
aws_access_key_id = AKIAEXAMPLE
aws_secret_access_key = secret-value

[ci]
aws_access_key_id = AKIACI
aws_secret_access_key = another-secret
region = ap-south-1
`;

test('INI sections and keys are read; indented sub-properties are skipped', () => {
  const sections = parseIniSections(CONFIG);
  assert.equal(sections.get('profile dev')?.region, 'eu-west-1');
  assert.equal(sections.get('profile proc')?.addressing_style, undefined);
  assert.ok(sections.has('profile admin'), 'spaces in headers are normalised');
});

test('profiles come from both files; sso-session and services sections are not profiles', () => {
  const profiles = profilesFromTexts(CONFIG, CREDENTIALS);
  assert.deepEqual(
    profiles.map((p) => p.name),
    ['default', 'admin', 'ci', 'dev', 'proc'],
  );
  const byName = Object.fromEntries(profiles.map((p) => [p.name, p]));
  assert.equal(byName.dev.kind, 'sso');
  assert.equal(byName.dev.region, 'eu-west-1');
  assert.equal(byName.proc.kind, 'credential-process');
  assert.equal(byName.admin.kind, 'assume-role');
  assert.equal(byName.ci.kind, 'static');
  assert.deepEqual(byName.default.foundIn, ['config', 'credentials']);
  assert.equal(byName.default.region, 'us-east-1');
});

test('profile info never carries secret values', () => {
  const text = JSON.stringify(profilesFromTexts(CONFIG, CREDENTIALS));
  assert.doesNotMatch(text, /secret-value|another-secret|AKIA/);
});

function tempAwsFiles(config: string, credentials: string) {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'llab-aws-'));
  const configFile = path.join(dir, 'config');
  const credentialsFile = path.join(dir, 'credentials');
  writeFileSync(configFile, config);
  writeFileSync(credentialsFile, credentials);
  return { dir, env: { AWS_CONFIG_FILE: configFile, AWS_SHARED_CREDENTIALS_FILE: credentialsFile, HOME: dir } };
}

test('AWS_CONFIG_FILE and AWS_SHARED_CREDENTIALS_FILE are honoured; missing files mean no profiles', async () => {
  const { dir, env } = tempAwsFiles(CONFIG, CREDENTIALS);
  try {
    assert.equal(sharedFilePaths(env).configFile, env.AWS_CONFIG_FILE);
    assert.equal((await listAwsProfiles(env)).length, 5);
    assert.deepEqual(await listAwsProfiles({ HOME: dir, AWS_CONFIG_FILE: path.join(dir, 'none'), AWS_SHARED_CREDENTIALS_FILE: path.join(dir, 'none2') }), []);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('target: profile region from the config file; flags win over AWS_PROFILE and AWS_REGION', async () => {
  const { dir, env } = tempAwsFiles(CONFIG, CREDENTIALS);
  try {
    assert.deepEqual(await chooseTarget({ profile: 'dev' }, env), { kind: 'aws', profile: 'dev', region: 'eu-west-1' });
    assert.deepEqual(await chooseTarget({}, { ...env, AWS_PROFILE: 'ci' }), { kind: 'aws', profile: 'ci', region: 'ap-south-1' });
    assert.deepEqual(await chooseTarget({ profile: 'dev', region: 'us-west-2' }, { ...env, AWS_PROFILE: 'ci', AWS_REGION: 'sa-east-1' }), {
      kind: 'aws',
      profile: 'dev',
      region: 'us-west-2',
    });
    assert.deepEqual(await chooseTarget({}, { ...env, AWS_DEFAULT_REGION: 'ca-central-1' }), { kind: 'aws', region: 'ca-central-1' });
    assert.deepEqual(await chooseTarget({}, env), { kind: 'aws', region: 'us-east-1' }, "no profile: [default]'s region");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('target: an unknown profile is refused, listing the profiles that exist and what to run', async () => {
  const { dir, env } = tempAwsFiles(CONFIG, CREDENTIALS);
  try {
    await assert.rejects(chooseTarget({ profile: 'ghost' }, env), (error: unknown) => {
      assert.ok(error instanceof TargetError);
      assert.equal(error.problem, 'unknown-profile');
      assert.match(error.message, /"ghost" was not found/);
      assert.match(error.message, /dev/);
      assert.match(error.message, /aws configure --profile ghost/);
      return true;
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('target: AWS_ENDPOINT_URL_LAMBDA makes a custom endpoint; --local ignores it; no region for AWS is an error', async () => {
  const { dir, env } = tempAwsFiles('', '');
  try {
    assert.deepEqual(await chooseTarget({}, { ...env, AWS_ENDPOINT_URL_LAMBDA: 'http://127.0.0.1:4566/' }), {
      kind: 'endpoint',
      url: 'http://127.0.0.1:4566',
      region: 'us-east-1',
    });
    assert.deepEqual(await chooseTarget({ kind: 'local' }, { ...env, AWS_ENDPOINT_URL_LAMBDA: 'http://x:1' }), { kind: 'local' });
    await assert.rejects(chooseTarget({}, env), /No AWS region/);
    await assert.rejects(chooseTarget({ endpoint: 'ftp://x' }, env), /http/);
    await assert.rejects(chooseTarget({ kind: 'endpoint' }, env), /needs a URL/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('resolving local without a running endpoint says how to start one; with one, uses its credentials', async () => {
  await assert.rejects(resolveTarget({ kind: 'local' }, { localEndpoint: null }), /lambda-lab endpoint/);
  const resolved = await resolveTarget(
    { kind: 'local' },
    {
      localEndpoint: { endpoint: 'http://127.0.0.1:1234', region: 'us-east-1', accessKeyId: 'LOCALKEY', secretAccessKey: 'LOCALSECRET', cpuLimit: 'cgroup-v1' },
    },
  );
  assert.equal(resolved.endpoint, 'http://127.0.0.1:1234');
  assert.equal(resolved.builtInEndpoint, true);
  assert.doesNotMatch(resolved.label, /LOCALKEY|LOCALSECRET/);
  // A custom endpoint that is the running built-in one borrows its credentials when none are set.
  const viaUrl = await resolveTarget(
    { kind: 'endpoint', url: 'http://localhost:1234', region: 'us-east-1' },
    { localEndpoint: { endpoint: 'http://127.0.0.1:1234', region: 'us-east-1', accessKeyId: 'LOCALKEY', secretAccessKey: 'LOCALSECRET' }, env: {} },
  );
  assert.equal(viaUrl.builtInEndpoint, true);
  assert.deepEqual(viaUrl.credentials, { accessKeyId: 'LOCALKEY', secretAccessKey: 'LOCALSECRET' });
});

test('labels name the profile and region, never more', () => {
  assert.equal(describeTarget({ kind: 'aws', profile: 'dev', region: 'eu-west-1' }), 'AWS profile "dev" (eu-west-1)');
  assert.equal(describeTarget({ kind: 'endpoint', url: 'http://127.0.0.1:5000', region: 'us-east-1' }), 'Endpoint http://127.0.0.1:5000 (us-east-1)');
});
