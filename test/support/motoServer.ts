// moto_server for tests: started in its own process group on a free port, stopped (the whole group)
// on stop() and when the test process exits, with the IAM role Lambda needs already created.
import { CreateRoleCommand, IAMClient } from '@aws-sdk/client-iam';
import { spawn, spawnSync } from 'node:child_process';
import { freePort } from './freePort';

export const MOTO_CREDENTIALS = { accessKeyId: 'testing', secretAccessKey: 'testing' };
export const MOTO_ROLE_NAME = 'lambda-lab-test';

export interface MotoServer {
  endpoint: string;
  roleArn: string;
  stop(): Promise<void>;
}

/** Why moto cannot run here, or null when moto_server is on PATH. */
export function motoUnavailableReason(): string | null {
  const probe = spawnSync('moto_server', ['--help'], { stdio: 'ignore', timeout: 30_000 });
  if (probe.error)
    return `moto_server is not on PATH (${(probe.error as NodeJS.ErrnoException).code}); install it with "pip install 'moto[server]'" to run the moto tests`;
  return probe.status === 0 ? null : `moto_server --help exited with ${probe.status}`;
}

export async function startMoto(): Promise<MotoServer> {
  const port = await freePort();
  const child = spawn('moto_server', ['-H', '127.0.0.1', '-p', String(port)], {
    stdio: 'ignore',
    detached: true,
    // moto only knows AWS managed policies (AWSLambdaBasicExecutionRole) when asked to load them.
    env: { ...process.env, MOTO_IAM_LOAD_MANAGED_POLICIES: 'true' },
  });
  const killGroup = (): void => {
    try {
      process.kill(-child.pid!, 'SIGKILL');
    } catch {
      child.kill('SIGKILL');
    }
  };
  process.once('exit', killGroup);
  const stop = async (): Promise<void> => {
    process.removeListener('exit', killGroup);
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    killGroup();
    await exited;
  };
  const endpoint = `http://127.0.0.1:${port}`;
  try {
    const deadline = Date.now() + 30_000;
    for (;;) {
      try {
        const response = await fetch(`${endpoint}/moto-api/`);
        if (response.status < 500) break;
      } catch {
        // not up yet
      }
      if (child.exitCode !== null) throw new Error(`moto_server exited with ${child.exitCode} before answering on ${endpoint}`);
      if (Date.now() > deadline) throw new Error(`moto_server did not answer on ${endpoint} within 30 s`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    const iam = new IAMClient({ endpoint, region: 'us-east-1', credentials: MOTO_CREDENTIALS });
    const role = await iam.send(
      new CreateRoleCommand({
        RoleName: MOTO_ROLE_NAME,
        AssumeRolePolicyDocument: JSON.stringify({
          Version: '2012-10-17',
          Statement: [{ Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' }],
        }),
      }),
    );
    return { endpoint, roleArn: role.Role!.Arn!, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
