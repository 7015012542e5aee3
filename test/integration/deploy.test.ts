// Deploy and clean up through the real SDK over real HTTP, against two independent peers:
// moto_server (AWS's API as moto models it, incl. IAM) and the built-in local endpoint (which
// has Pending / InProgress states, so the SDK waiters really poll). Also the CLI as a user runs
// it, including bad inputs that must give one clear error and create nothing.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { CreateFunctionCommand, GetFunctionCommand, InvokeCommand, ListFunctionsCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { CreateRoleCommand, GetRoleCommand, IAMClient, ListAttachedRolePoliciesCommand } from '@aws-sdk/client-iam';
import { deployExperiment, listExperimentFunctions, type DeployResult, type FunctionPackage } from '../../src/deploy/deployer';
import { cleanupExperiment } from '../../src/deploy/cleanup';
import { packageFunction } from '../../src/deploy/packager';
import { deleteExperimentRole, ensureExecutionRole, LAMBDA_TRUST_POLICY, BUILT_IN_ENDPOINT_ROLE_ARN } from '../../src/aws/executionRole';
import { startLocalEndpoint, type LocalEndpointHandle } from '../../src/localEndpoint';
import { writeEndpointState } from '../../src/localEndpoint/endpointStateFile';
import type { Architecture } from '../../src/core/experimentConfig';
import { hostLambdaArchitecture } from '../../src/core/hostArchitecture';
import { freePort } from '../support/freePort';
import { motoUnavailableReason, startMoto, type MotoServer } from '../support/motoServer';

// The SDK's "upgrade Node" notice is noise in this process's test output (the CLI silences it itself).
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

const repoRoot = path.resolve(__dirname, '../../..');
const cliPath = path.join(repoRoot, 'out', 'src', 'cli.js');
const templateDir = path.join(repoRoot, 'lambda-template');
const DUMMY_CREDENTIALS = { accessKeyId: 'testing', secretAccessKey: 'testing' };
const SIZES = [128, 512, 1769];

interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** The CLI in a subprocess (async, so an endpoint served by this test process keeps answering). */
function runCli(args: string[], options: { cwd: string; env?: Record<string, string | undefined> }): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const env: Record<string, string | undefined> = {
      ...process.env,
      AWS_EC2_METADATA_DISABLED: 'true',
      ...options.env,
    };
    for (const key of Object.keys(env)) if (env[key] === undefined) delete env[key];
    const child: ChildProcess = spawn(process.execPath, [cliPath, ...args], {
      cwd: options.cwd,
      env: env as NodeJS.ProcessEnv,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (d) => (stdout += d));
    child.stderr!.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), 120_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

function actions(result: DeployResult): string[] {
  assert.deepEqual(
    result.failures.map((f) => f.message),
    [],
  );
  return result.functions.map((f) => `${f.memoryMB}:${f.action}`);
}

async function functionNames(client: LambdaClient): Promise<string[]> {
  const names: string[] = [];
  let marker: string | undefined;
  do {
    const page = await client.send(new ListFunctionsCommand({ Marker: marker }));
    names.push(...(page.Functions ?? []).map((f) => f.FunctionName!));
    marker = page.NextMarker;
  } while (marker);
  return names.sort();
}

async function getFunctionStatus(client: LambdaClient, name: string): Promise<number | string> {
  try {
    const response = await client.send(new GetFunctionCommand({ FunctionName: name }));
    return `${response.Configuration?.State}/${response.Configuration?.LastUpdateStatus}`;
  } catch (error) {
    return (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode ?? String(error);
  }
}

/** The same package with one more comment byte: a different CodeSha256. */
function changedPackage(pkg: FunctionPackage): FunctionPackage {
  const zip = new Uint8Array([...pkg.zip]);
  // Zip comment length is the last two bytes of the end-of-central-directory record (0 here): append a 1-byte comment.
  const withComment = new Uint8Array(zip.length + 1);
  withComment.set(zip);
  withComment[zip.length - 2] = 1;
  withComment[zip.length] = 0x20;
  const codeSha256 = require('node:crypto').createHash('sha256').update(withComment).digest('base64') as string;
  return { zip: withComment, codeSha256, sizeBytes: withComment.length };
}

let pkg: FunctionPackage;
before(async () => {
  pkg = await packageFunction(templateDir);
  assert.ok(fs.existsSync(cliPath), `${cliPath} missing: run "npx tsc -p ." first`);
});

/** The deploy → redeploy → change → list → cleanup cycle, run against each peer. */
function deployCycleTests(peerName: string, arch: Architecture, connect: () => { client: LambdaClient; role: () => string }) {
  it(`${peerName}: deploys 3 memory sizes, and a second deploy changes nothing`, async () => {
    const { client, role } = connect();
    const options = { client, experimentId: 'cycle', memorySizesMB: SIZES, architectures: [arch], role: role(), package: pkg, concurrency: 3 };
    const phases: string[] = [];
    const first = await deployExperiment({ ...options, onProgress: (e) => phases.push(`${e.memoryMB}:${e.phase}`) });
    assert.deepEqual(actions(first), ['128:created', '512:created', '1769:created']);
    assert.ok(phases.includes('512:waiting'), phases.join(' '));
    for (const mb of SIZES) {
      // Returned only once Active: on the local endpoint that means the waiter saw Pending go by.
      assert.match(String(await getFunctionStatus(client, `llab-cycle-${mb}-${arch}`)), /^Active\//, `${mb} MB`);
    }
    const second = await deployExperiment(options);
    assert.deepEqual(actions(second), ['128:unchanged', '512:unchanged', '1769:unchanged']);
  });

  it(`${peerName}: changed code and changed settings are updated, each waited to Successful`, async () => {
    const { client, role } = connect();
    const base = { client, experimentId: 'cycle', architectures: [arch], role: role(), concurrency: 3 };
    const codeChange = await deployExperiment({ ...base, memorySizesMB: SIZES, package: changedPackage(pkg) });
    assert.deepEqual(actions(codeChange), ['128:updated-code', '512:updated-code', '1769:updated-code']);
    const configChange = await deployExperiment({ ...base, memorySizesMB: SIZES, package: changedPackage(pkg), timeoutSeconds: 120 });
    assert.deepEqual(actions(configChange), ['128:updated-config', '512:updated-config', '1769:updated-config']);
    const both = await deployExperiment({ ...base, memorySizesMB: [512], package: pkg, timeoutSeconds: 60 });
    assert.deepEqual(actions(both), ['512:updated-code-and-config']);
    assert.equal(await getFunctionStatus(client, `llab-cycle-512-${arch}`), 'Active/Successful');
    // Back to the standard settings for the next tests.
    assert.deepEqual(actions(await deployExperiment({ ...base, memorySizesMB: SIZES, package: pkg })).length, 3);
  });

  it(`${peerName}: lists the experiment's functions by tag, not by name alone`, async () => {
    const { client, role } = connect();
    // A function with a matching name but no tags (not ours) must not be listed or deleted.
    await client.send(
      new CreateFunctionCommand({
        FunctionName: `llab-cycle-999-${arch}`,
        Runtime: 'nodejs22.x',
        Role: role(),
        Handler: 'index.handler',
        Code: { ZipFile: pkg.zip },
      }),
    );
    const listed = await listExperimentFunctions(client, 'cycle');
    assert.deepEqual(
      listed,
      SIZES.map((memoryMB) => ({ functionName: `llab-cycle-${memoryMB}-${arch}`, memoryMB, arch })),
    );
    assert.deepEqual(await listExperimentFunctions(client, 'other'), []);
  });

  it(`${peerName}: refuses to take over a same-named function that is not tagged as ours`, async () => {
    const { client, role } = connect();
    const result = await deployExperiment({ client, experimentId: 'cycle', memorySizesMB: [999], architectures: [arch], role: role(), package: pkg });
    assert.equal(result.functions.length, 0);
    assert.match(result.failures[0]?.message ?? '', /already exists but is not tagged as part of experiment "cycle"/);
  });

  it(`${peerName}: cleanup deletes every tagged function (then GetFunction is 404) and nothing else`, async () => {
    const { client } = connect();
    const deleted: string[] = [];
    const result = await cleanupExperiment({ client, experimentId: 'cycle', onDeleted: (n) => deleted.push(n) });
    assert.deepEqual(
      result.deletedFunctions,
      SIZES.map((mb) => `llab-cycle-${mb}-${arch}`),
    );
    assert.deepEqual([...deleted].sort(), [...result.deletedFunctions].sort());
    for (const name of result.deletedFunctions) assert.equal(await getFunctionStatus(client, name), 404, name);
    assert.notEqual(await getFunctionStatus(client, `llab-cycle-999-${arch}`), 404, 'the untagged function is left alone');
    assert.deepEqual((await cleanupExperiment({ client, experimentId: 'cycle' })).deletedFunctions, []);
  });
}

describe('deploy and cleanup against moto_server', { skip: motoUnavailableReason() ?? false }, () => {
  let moto: MotoServer;
  let client: LambdaClient;
  let iam: IAMClient;
  let roleArn = '';
  let scratch: string;

  before(async () => {
    moto = await startMoto();
    client = new LambdaClient({ region: 'us-east-1', endpoint: moto.endpoint, credentials: DUMMY_CREDENTIALS });
    iam = new IAMClient({ region: 'us-east-1', endpoint: moto.endpoint, credentials: DUMMY_CREDENTIALS });
    scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'llab-deploy-moto-'));
  });
  after(async () => {
    client?.destroy();
    iam?.destroy();
    await moto?.stop();
    if (scratch) fs.rmSync(scratch, { recursive: true, force: true });
  });

  it('creates a minimal execution role in IAM, reuses it, and deletes only roles it created', async () => {
    const created = await ensureExecutionRole(iam, 'roles');
    assert.equal(created.created, true);
    assert.match(created.roleArn, /:role\/lambda-parallel-lab-roles$/);
    const role = (await iam.send(new GetRoleCommand({ RoleName: 'lambda-parallel-lab-roles' }))).Role!;
    assert.deepEqual(JSON.parse(decodeURIComponent(role.AssumeRolePolicyDocument!)), JSON.parse(LAMBDA_TRUST_POLICY));
    const policies = await iam.send(new ListAttachedRolePoliciesCommand({ RoleName: 'lambda-parallel-lab-roles' }));
    assert.deepEqual(
      policies.AttachedPolicies?.map((p) => p.PolicyName),
      ['AWSLambdaBasicExecutionRole'],
    );
    const again = await ensureExecutionRole(iam, 'roles');
    assert.deepEqual(again, { ...created, created: false });
    roleArn = created.roleArn;

    // A role with our naming scheme that someone else made is neither used nor deleted.
    await iam.send(new CreateRoleCommand({ RoleName: 'lambda-parallel-lab-foreign', AssumeRolePolicyDocument: LAMBDA_TRUST_POLICY }));
    await assert.rejects(ensureExecutionRole(iam, 'foreign'), /already exists but was not created by Lambda Parallel Lab/);
    const refused = await deleteExperimentRole(iam, 'foreign');
    assert.equal(refused.deleted, false);
    assert.ok(await iam.send(new GetRoleCommand({ RoleName: 'lambda-parallel-lab-foreign' })));
  });

  deployCycleTests('moto', 'x86_64', () => ({ client, role: () => roleArn }));

  it('the role goes when cleanup is asked to delete it', async () => {
    const result = await cleanupExperiment({ client, iam, experimentId: 'roles', deleteRole: true });
    assert.deepEqual(result.role, { deleted: true, roleName: 'lambda-parallel-lab-roles' });
    await assert.rejects(iam.send(new GetRoleCommand({ RoleName: 'lambda-parallel-lab-roles' })), (e: Error) => e.name === 'NoSuchEntityException');
  });

  it('CLI: deploy --create-role twice (second run all unchanged), then cleanup --delete-role', async () => {
    const env = { AWS_ACCESS_KEY_ID: 'testing', AWS_SECRET_ACCESS_KEY: 'testing', AWS_PROFILE: undefined, AWS_REGION: 'us-east-1' };
    const args = [
      'deploy',
      '--experiment',
      'clirun',
      '--memory',
      '128,512,1769',
      '--endpoint',
      moto.endpoint,
      '--create-role',
      '--template',
      templateDir,
      '--json',
    ];
    const first = await runCli(args, { cwd: scratch, env });
    assert.equal(first.code, 0, first.stderr);
    const firstResult = JSON.parse(first.stdout);
    assert.equal(firstResult.roleCreated, true);
    assert.deepEqual(
      firstResult.functions.map((f: { action: string }) => f.action),
      ['created', 'created', 'created'],
    );
    const second = await runCli(args, { cwd: scratch, env });
    assert.equal(second.code, 0, second.stderr);
    assert.deepEqual(
      JSON.parse(second.stdout).functions.map((f: { action: string }) => f.action),
      ['unchanged', 'unchanged', 'unchanged'],
    );
    assert.match(second.stderr, /\[3\/3\] llab-clirun-\d+-x86_64: unchanged/);

    const cleanup = await runCli(['cleanup', '--experiment', 'clirun', '--endpoint', moto.endpoint, '--delete-role'], { cwd: scratch, env });
    assert.equal(cleanup.code, 0, cleanup.stderr);
    assert.match(cleanup.stdout, /deleted 3 functions: llab-clirun-128-x86_64, llab-clirun-512-x86_64, llab-clirun-1769-x86_64/);
    assert.match(cleanup.stdout, /Deleted role lambda-parallel-lab-clirun/);
    assert.equal(await getFunctionStatus(client, 'llab-clirun-128-x86_64'), 404);
    assert.deepEqual(fs.readdirSync(scratch), [], 'deploy and cleanup write no local files');
  });

  describe('bad inputs: one clear error through the CLI, nothing created, nothing written', () => {
    let awsDir: string;
    let baseEnv: Record<string, string | undefined>;
    let closedPort = 0;
    before(async () => {
      awsDir = fs.mkdtempSync(path.join(os.tmpdir(), 'llab-aws-files-'));
      fs.writeFileSync(path.join(awsDir, 'config'), '[profile dev]\nregion = eu-west-1\n');
      fs.writeFileSync(path.join(awsDir, 'credentials'), '[dev]\naws_access_key_id = AKIADEVEXAMPLE\naws_secret_access_key = devsecret\n');
      baseEnv = {
        AWS_CONFIG_FILE: path.join(awsDir, 'config'),
        AWS_SHARED_CREDENTIALS_FILE: path.join(awsDir, 'credentials'),
        AWS_ACCESS_KEY_ID: 'testing',
        AWS_SECRET_ACCESS_KEY: 'testing',
        AWS_PROFILE: undefined,
        AWS_REGION: 'us-east-1',
        LAMBDA_LAB_HOME: path.join(awsDir, 'lab-home'),
      };
      closedPort = await freePort();
    });
    after(() => fs.rmSync(awsDir, { recursive: true, force: true }));

    const cases: Array<{ name: string; args: () => string[]; env?: () => Record<string, string | undefined>; expect: RegExp[] }> = [
      {
        name: 'memory 100',
        args: () => ['--memory', '100,512', '--endpoint', moto.endpoint, '--create-role'],
        expect: [/100/, /128/, /10240|10,240/],
      },
      {
        name: 'an unknown profile',
        args: () => ['--memory', '512', '--profile', 'ghost', '--endpoint', moto.endpoint, '--create-role'],
        expect: [/AWS profile "ghost" was not found/, /Profiles found: dev/, /aws configure --profile ghost/],
      },
      {
        name: 'an unreachable endpoint',
        args: () => ['--memory', '512', '--endpoint', `http://127.0.0.1:${closedPort}`, '--create-role'],
        expect: [/Could not reach the Lambda endpoint at http:\/\/127\.0\.0\.1:\d+ \(ECONNREFUSED\): is it running\?/],
      },
      {
        name: 'a missing template folder',
        args: () => ['--memory', '512', '--endpoint', moto.endpoint, '--create-role', '--template', path.join(awsDir, 'no-such-folder')],
        expect: [/template folder .*no-such-folder does not exist/, /lambda-lab scaffold/],
      },
      {
        name: '--local with no endpoint running',
        args: () => ['--memory', '512', '--local'],
        expect: [/built-in local endpoint is not running/, /lambda-lab endpoint/],
      },
      {
        name: 'no execution role for an AWS-like endpoint',
        args: () => ['--memory', '512', '--endpoint', moto.endpoint],
        expect: [/--role <arn>/, /--create-role/],
      },
      {
        name: 'missing credentials for the chosen target',
        args: () => ['--memory', '512', '--endpoint', moto.endpoint, '--create-role'],
        env: () => ({
          AWS_ACCESS_KEY_ID: undefined,
          AWS_SECRET_ACCESS_KEY: undefined,
          AWS_CONFIG_FILE: path.join(awsDir, 'none'),
          AWS_SHARED_CREDENTIALS_FILE: path.join(awsDir, 'none'),
        }),
        expect: [/No AWS credentials could be loaded/, /aws configure/],
      },
    ];
    for (const c of cases) {
      it(c.name, async () => {
        const before = await functionNames(client);
        const cwd = fs.mkdtempSync(path.join(os.tmpdir(), 'llab-bad-'));
        try {
          const result = await runCli(['deploy', '--experiment', 'bad', '--template', templateDir, ...c.args()], { cwd, env: { ...baseEnv, ...c.env?.() } });
          assert.notEqual(result.code, 0, result.stdout);
          assert.equal(result.stdout, '');
          const errorLines = result.stderr.split('\n').filter((line) => line.startsWith('lambda-lab deploy: '));
          assert.equal(errorLines.length, 1, result.stderr);
          for (const pattern of c.expect) assert.match(errorLines[0], pattern);
          assert.doesNotMatch(result.stderr, /^\s+at /m, 'no stack trace');
          assert.doesNotMatch(result.stderr, /devsecret|AKIADEVEXAMPLE/, 'no credentials in messages');
          assert.deepEqual(fs.readdirSync(cwd), [], 'nothing written to the working directory');
          assert.deepEqual(await functionNames(client), before, 'no function created');
          await assert.rejects(
            iam.send(new GetRoleCommand({ RoleName: 'lambda-parallel-lab-bad' })),
            (e: Error) => e.name === 'NoSuchEntityException',
            'no role created',
          );
        } finally {
          fs.rmSync(cwd, { recursive: true, force: true });
        }
      });
    }
  });
});

describe('deploy and cleanup against the built-in local endpoint', () => {
  let endpoint: LocalEndpointHandle;
  let client: LambdaClient;
  let scratch: string;

  before(async () => {
    // 1.5 s of Pending / InProgress: longer than the waiters' first poll, so they must poll again.
    endpoint = await startLocalEndpoint({ cpuLimit: 'none', stateTransitionMs: 1500 });
    client = new LambdaClient({
      region: endpoint.region,
      endpoint: endpoint.endpoint,
      credentials: { accessKeyId: endpoint.accessKeyId, secretAccessKey: endpoint.secretAccessKey },
    });
    scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'llab-deploy-local-'));
  });
  after(async () => {
    client?.destroy();
    await endpoint?.stop();
    if (scratch) fs.rmSync(scratch, { recursive: true, force: true });
  });

  deployCycleTests('local endpoint', hostLambdaArchitecture(), () => ({ client, role: () => BUILT_IN_ENDPOINT_ROLE_ARN }));

  it('a deployed function runs: the package and handler name are right', async () => {
    const arch = hostLambdaArchitecture();
    await deployExperiment({ client, experimentId: 'runs', memorySizesMB: [1769], architectures: [arch], role: BUILT_IN_ENDPOINT_ROLE_ARN, package: pkg });
    const response = await client.send(
      new InvokeCommand({ FunctionName: `llab-runs-1769-${arch}`, Payload: Buffer.from(JSON.stringify({ items: 2, workers: 1, cost: 4, strategy: 'pool' })) }),
    );
    assert.equal(response.FunctionError, undefined, Buffer.from(response.Payload ?? []).toString());
    const result = JSON.parse(Buffer.from(response.Payload!).toString());
    assert.equal(result.items, 2);
    assert.equal(result.memoryMB, 1769);
    await cleanupExperiment({ client, experimentId: 'runs' });
  });

  it('CLI: deploy --local finds the running endpoint through its state file; twice is a no-op; cleanup --local', async () => {
    const labHome = path.join(scratch, 'lab-home');
    await writeEndpointState(
      {
        endpoint: endpoint.endpoint,
        region: endpoint.region,
        accessKeyId: endpoint.accessKeyId,
        secretAccessKey: endpoint.secretAccessKey,
        cpuLimit: endpoint.cpuLimit,
        pid: process.pid,
        startedAt: new Date().toISOString(),
      },
      { LAMBDA_LAB_HOME: labHome },
    );
    const env = { LAMBDA_LAB_HOME: labHome, AWS_ACCESS_KEY_ID: undefined, AWS_SECRET_ACCESS_KEY: undefined, AWS_PROFILE: undefined };
    const cwd = path.join(scratch, 'work');
    fs.mkdirSync(cwd);
    const args = ['deploy', '--experiment', 'viastate', '--memory', '128,512,1769', '--local', '--template', templateDir, '--json'];
    const first = await runCli(args, { cwd, env });
    assert.equal(first.code, 0, first.stderr);
    assert.deepEqual(
      JSON.parse(first.stdout).functions.map((f: { action: string }) => f.action),
      ['created', 'created', 'created'],
    );
    assert.match(first.stderr, /Target: Local \(built-in\) at http:\/\/127\.0\.0\.1:\d+/);
    const host = hostLambdaArchitecture();
    assert.deepEqual(
      JSON.parse(first.stdout).functions.map((f: { functionName: string }) => f.functionName),
      [128, 512, 1769].map((mb) => `llab-viastate-${mb}-${host}`),
      "without --arch the built-in endpoint gets this machine's architecture",
    );
    const foreign = host === 'x86_64' ? 'arm64' : 'x86_64';
    const refused = await runCli(['deploy', '--experiment', 'foreignarch', '--memory', '512', '--arch', foreign, '--local', '--template', templateDir], {
      cwd,
      env,
    });
    assert.equal(refused.code, 1, refused.stderr);
    assert.match(
      refused.stderr,
      new RegExp(
        `lambda-lab deploy: Architecture ${foreign} cannot run here: the built-in endpoint runs functions on this machine's CPU \\(${host}\\); deploy with --arch ${host}, or use AWS to compare architectures\\.`,
      ),
    );
    assert.deepEqual(await listExperimentFunctions(client, 'foreignarch'), [], 'nothing deployed for a refused architecture');
    const second = await runCli(args, { cwd, env });
    assert.equal(second.code, 0, second.stderr);
    assert.deepEqual(
      JSON.parse(second.stdout).functions.map((f: { action: string }) => f.action),
      ['unchanged', 'unchanged', 'unchanged'],
    );
    assert.doesNotMatch(first.stderr + first.stdout + second.stderr + second.stdout, new RegExp(endpoint.secretAccessKey), 'the secret never appears');

    // --endpoint with the same URL borrows the state file's credentials too.
    const viaUrl = await runCli(['cleanup', '--experiment', 'viastate', '--endpoint', endpoint.endpoint], { cwd, env });
    assert.equal(viaUrl.code, 0, viaUrl.stderr);
    assert.match(viaUrl.stdout, /deleted 3 functions/);
    assert.deepEqual(fs.readdirSync(cwd), []);
  });
});

describe('credential problems through the CLI name the profile and what to run (no network needed)', () => {
  let home: string;
  before(() => {
    home = fs.mkdtempSync(path.join(os.tmpdir(), 'llab-creds-'));
    fs.mkdirSync(path.join(home, '.aws'));
    fs.writeFileSync(
      path.join(home, '.aws', 'config'),
      [
        '[profile corp]',
        'sso_session = corp',
        'sso_account_id = 111111111111',
        'sso_role_name = Dev',
        'region = eu-west-1',
        '[sso-session corp]',
        'sso_start_url = https://corp.awsapps.com/start',
        'sso_region = eu-west-1',
        '[profile legacy]',
        'sso_start_url = https://corp.awsapps.com/start',
        'sso_region = eu-west-1',
        'sso_account_id = 111111111111',
        'sso_role_name = Dev',
        'region = eu-west-1',
        '[profile proc]',
        'credential_process = /bin/false',
        'region = eu-west-1',
        '',
      ].join('\n'),
    );
    fs.writeFileSync(path.join(home, '.aws', 'credentials'), '');
  });
  after(() => fs.rmSync(home, { recursive: true, force: true }));

  const cases = [
    { profile: 'corp', expect: /^lambda-lab deploy: The SSO login of profile "corp" has expired \(or was never made\)\. Run `aws sso login --profile corp`/ },
    { profile: 'legacy', expect: /^lambda-lab deploy: The SSO login of profile "legacy" has expired .*`aws sso login --profile legacy`/ },
    { profile: 'proc', expect: /^lambda-lab deploy: No AWS credentials could be loaded for profile "proc"\. Check the credential_process command/ },
  ];
  for (const c of cases) {
    it(`profile "${c.profile}"`, async () => {
      const cwd = path.join(home, `work-${c.profile}`);
      fs.mkdirSync(cwd);
      const result = await runCli(
        ['deploy', '--experiment', 'creds', '--memory', '512', '--profile', c.profile, '--role', 'arn:aws:iam::123456789012:role/x', '--template', templateDir],
        {
          cwd,
          env: {
            HOME: home,
            AWS_CONFIG_FILE: undefined,
            AWS_SHARED_CREDENTIALS_FILE: undefined,
            AWS_ACCESS_KEY_ID: undefined,
            AWS_SECRET_ACCESS_KEY: undefined,
            AWS_PROFILE: undefined,
          },
        },
      );
      assert.equal(result.code, 1);
      assert.equal(result.stderr.trim().split('\n').length, 1, result.stderr);
      assert.match(result.stderr, c.expect);
      assert.deepEqual(fs.readdirSync(cwd), []);
    });
  }
});

describe('`lambda-lab endpoint` in one process, `deploy --local` / `cleanup --local` in others', () => {
  it('finds the endpoint through its 0600 state file; the file goes when the endpoint stops', async () => {
    const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'llab-endpoint-cli-'));
    const labHome = path.join(scratch, 'lab-home');
    const env: NodeJS.ProcessEnv = { ...process.env, LAMBDA_LAB_HOME: labHome };
    const server = spawn(process.execPath, [cliPath, 'endpoint'], { detached: true, env, stdio: ['ignore', 'pipe', 'pipe'] });
    const killGroup = () => {
      try {
        process.kill(-server.pid!, 'SIGKILL');
      } catch {
        // gone
      }
    };
    process.once('exit', killGroup);
    try {
      const firstLine = await new Promise<string>((resolve, reject) => {
        let out = '';
        const timer = setTimeout(() => reject(new Error(`lambda-lab endpoint printed nothing in 60 s: ${out}`)), 60_000);
        server.stdout!.on('data', (chunk) => {
          out += chunk;
          if (out.includes('\n')) {
            clearTimeout(timer);
            resolve(out.split('\n')[0]);
          }
        });
        server.once('exit', (code) => reject(new Error(`lambda-lab endpoint exited with ${code}`)));
      });
      const printed = JSON.parse(firstLine) as { endpoint: string; secretAccessKey: string };
      const stateFile = path.join(labHome, 'local-endpoint.json');
      // endpointCli prints its line just before it writes the state file: wait for the file.
      for (let waited = 0; !fs.existsSync(stateFile) && waited < 10_000; waited += 50) await new Promise((r) => setTimeout(r, 50));
      assert.equal(fs.statSync(stateFile).mode & 0o777, 0o600);

      const cliEnv = { LAMBDA_LAB_HOME: labHome, AWS_ACCESS_KEY_ID: undefined, AWS_SECRET_ACCESS_KEY: undefined, AWS_PROFILE: undefined };
      const cwd = path.join(scratch, 'work');
      fs.mkdirSync(cwd);
      const args = ['deploy', '--experiment', 'twoproc', '--memory', '512,1769', '--local', '--template', templateDir, '--json'];
      const first = await runCli(args, { cwd, env: cliEnv });
      assert.equal(first.code, 0, first.stderr);
      assert.deepEqual(
        JSON.parse(first.stdout).functions.map((f: { action: string }) => f.action),
        ['created', 'created'],
      );
      assert.ok(first.stderr.includes(`Target: Local (built-in) at ${printed.endpoint}`), first.stderr);
      const second = await runCli(args, { cwd, env: cliEnv });
      assert.deepEqual(
        JSON.parse(second.stdout).functions.map((f: { action: string }) => f.action),
        ['unchanged', 'unchanged'],
      );
      const cleanup = await runCli(['cleanup', '--experiment', 'twoproc', '--local'], { cwd, env: cliEnv });
      assert.equal(cleanup.code, 0, cleanup.stderr);
      assert.match(cleanup.stdout, /deleted 2 functions/);
      assert.doesNotMatch(first.stderr + first.stdout + cleanup.stderr + cleanup.stdout, new RegExp(printed.secretAccessKey));

      const exited = new Promise<void>((resolve) => server.once('exit', () => resolve()));
      process.kill(-server.pid!, 'SIGTERM');
      await exited;
      assert.equal(fs.existsSync(stateFile), false, 'the endpoint removes its state file when it stops');
    } finally {
      killGroup();
      process.removeListener('exit', killGroup);
      fs.rmSync(scratch, { recursive: true, force: true });
    }
  });
});
