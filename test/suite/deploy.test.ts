// Lambda Lab: Deploy Experiment and Clean Up Experiment in a real extension host, against the
// built-in endpoint the extension starts itself. Argument objects replace only the pickers.
import * as assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { activateExtension, workspaceDir } from './extensionUnderTest';

interface DeployResult {
  experimentId: string;
  target: string;
  functions: Array<{ functionName: string; memoryMB: number; arch: string; action: string }>;
  failures: Array<{ functionName: string; message: string }>;
}

interface CleanupResult {
  deletedFunctions: string[];
  failures: unknown[];
}

suite('Deploy and Clean Up', () => {
  let templateDir: string;
  const arch = process.arch === 'arm64' ? 'arm64' : 'x86_64';

  suiteSetup(async () => {
    await activateExtension();
    templateDir = path.join(workspaceDir(), 'deploy-fn');
    if (!fs.existsSync(path.join(templateDir, 'index.mjs'))) {
      await vscode.commands.executeCommand('lambdaLab.scaffold', { targetDir: templateDir });
    }
  });

  test('deploys 3 memory sizes to the built-in endpoint; a second deploy changes nothing; clean up deletes them', async function () {
    this.timeout(180_000);
    const args = { experimentId: 'vsdeploy', target: { kind: 'local' }, memorySizesMB: '128,512,1769', architectures: [arch], templateDir };
    const first = (await vscode.commands.executeCommand('lambdaLab.deploy', args)) as DeployResult;
    assert.deepEqual(first.failures, []);
    assert.match(first.target, /^Local \(built-in\) at http:\/\/127\.0\.0\.1:\d+$/);
    assert.deepEqual(
      first.functions.map((f) => `${f.functionName}:${f.action}`),
      [128, 512, 1769].map((mb) => `llab-vsdeploy-${mb}-${arch}:created`),
    );
    const second = (await vscode.commands.executeCommand('lambdaLab.deploy', args)) as DeployResult;
    assert.deepEqual(
      second.functions.map((f) => f.action),
      ['unchanged', 'unchanged', 'unchanged'],
    );

    const cleaned = (await vscode.commands.executeCommand('lambdaLab.cleanup', {
      experimentId: 'vsdeploy',
      target: { kind: 'local' },
      confirmed: true,
    })) as CleanupResult;
    assert.deepEqual(
      cleaned.deletedFunctions,
      [128, 512, 1769].map((mb) => `llab-vsdeploy-${mb}-${arch}`),
    );
    const again = (await vscode.commands.executeCommand('lambdaLab.cleanup', {
      experimentId: 'vsdeploy',
      target: { kind: 'local' },
      confirmed: true,
    })) as CleanupResult;
    assert.deepEqual(again.deletedFunctions, []);
    await vscode.commands.executeCommand('notifications.clearAll');
  });

  test('memory 100 is refused with the allowed range, before anything is deployed', async () => {
    await assert.rejects(
      Promise.resolve(
        vscode.commands.executeCommand('lambdaLab.deploy', {
          experimentId: 'vsbad',
          target: { kind: 'local' },
          memorySizesMB: [100],
          architectures: [arch],
          templateDir,
        }),
      ),
      /100.*128|128.*100/s,
    );
    await vscode.commands.executeCommand('notifications.clearAll');
  });

  test('a missing function folder says how to make one', async () => {
    await assert.rejects(
      Promise.resolve(
        vscode.commands.executeCommand('lambdaLab.deploy', {
          experimentId: 'vsbad',
          target: { kind: 'local' },
          memorySizesMB: [512],
          architectures: [arch],
          templateDir: path.join(workspaceDir(), 'no-such-folder'),
        }),
      ),
      /does not exist.*[Ss]caffold/s,
    );
    await vscode.commands.executeCommand('notifications.clearAll');
  });

  test('Select Target saves the choice in the settings the other commands read', async () => {
    const config = () => vscode.workspace.getConfiguration('lambdaLab');
    const before = {
      target: config().inspect('target')?.globalValue,
      endpoint: config().inspect('endpoint')?.globalValue,
      region: config().inspect('region')?.globalValue,
    };
    try {
      await vscode.commands.executeCommand('lambdaLab.selectTarget', { kind: 'endpoint', endpoint: 'http://127.0.0.1:4566', region: 'eu-west-1' });
      assert.equal(config().get('target'), 'endpoint');
      assert.equal(config().get('endpoint'), 'http://127.0.0.1:4566');
      assert.equal(config().get('region'), 'eu-west-1');
      await vscode.commands.executeCommand('lambdaLab.selectTarget', { kind: 'local' });
      assert.equal(config().get('target'), 'local');
    } finally {
      await config().update('target', before.target, vscode.ConfigurationTarget.Global);
      await config().update('endpoint', before.endpoint, vscode.ConfigurationTarget.Global);
      await config().update('region', before.region, vscode.ConfigurationTarget.Global);
    }
  });

  test('against moto: creates the role through IAM, deploys, and Clean Up deletes functions and role', async function () {
    if (spawnSync('sh', ['-c', 'command -v moto_server']).status !== 0) {
      console.log('skipped: moto_server is not on PATH in the extension host');
      this.skip();
    }
    this.timeout(180_000);
    const port = await new Promise<number>((resolve) => {
      const server = net.createServer().listen(0, '127.0.0.1', () => {
        const p = (server.address() as net.AddressInfo).port;
        server.close(() => resolve(p));
      });
    });
    const moto = spawn('moto_server', ['-H', '127.0.0.1', '-p', String(port)], {
      detached: true,
      stdio: 'ignore',
      env: { ...process.env, MOTO_IAM_LOAD_MANAGED_POLICIES: 'true' },
    });
    const config = () => vscode.workspace.getConfiguration('lambdaLab');
    const saved = ['target', 'endpoint', 'region', 'profile'].map((key) => [key, config().inspect(key)?.globalValue] as const);
    const savedEnv = { id: process.env.AWS_ACCESS_KEY_ID, secret: process.env.AWS_SECRET_ACCESS_KEY };
    try {
      const url = `http://127.0.0.1:${port}`;
      for (let i = 0; ; i++) {
        const up = await fetch(`${url}/moto-api/`).then(
          () => true,
          () => false,
        );
        if (up) break;
        if (i > 150) throw new Error('moto_server did not start');
        await new Promise((r) => setTimeout(r, 200));
      }
      // The default credential chain reads these at call time, as it would for a user's shell.
      process.env.AWS_ACCESS_KEY_ID = 'testing';
      process.env.AWS_SECRET_ACCESS_KEY = 'testing';
      const target = { kind: 'endpoint', endpoint: url, region: 'us-east-1' };
      const deployed = (await vscode.commands.executeCommand('lambdaLab.deploy', {
        experimentId: 'vsmoto',
        target,
        memorySizesMB: 'vcpu-steps',
        architectures: ['arm64'],
        createRole: true,
        templateDir,
      })) as DeployResult & { roleArn: string; roleCreated: boolean };
      assert.deepEqual(deployed.failures, []);
      assert.equal(deployed.roleCreated, true);
      assert.match(deployed.roleArn, /:role\/lambda-parallel-lab-vsmoto$/);
      assert.deepEqual(
        deployed.functions.map((f) => f.memoryMB),
        [1769, 3538, 5307, 7076, 8845, 10240],
      );
      assert.equal(config().get('target'), 'endpoint', 'the deploy target becomes the current target');

      const cleaned = (await vscode.commands.executeCommand('lambdaLab.cleanup', {
        experimentId: 'vsmoto',
        deleteRole: true,
        confirmed: true,
      })) as CleanupResult & {
        role: { deleted: boolean; roleName: string };
      };
      assert.equal(cleaned.deletedFunctions.length, 6);
      assert.deepEqual(cleaned.role, { deleted: true, roleName: 'lambda-parallel-lab-vsmoto' });
    } finally {
      for (const [key, value] of saved) await config().update(key, value, vscode.ConfigurationTarget.Global);
      if (savedEnv.id === undefined) delete process.env.AWS_ACCESS_KEY_ID;
      else process.env.AWS_ACCESS_KEY_ID = savedEnv.id;
      if (savedEnv.secret === undefined) delete process.env.AWS_SECRET_ACCESS_KEY;
      else process.env.AWS_SECRET_ACCESS_KEY = savedEnv.secret;
      try {
        process.kill(-moto.pid!, 'SIGKILL');
      } catch {
        // already gone
      }
      await vscode.commands.executeCommand('notifications.clearAll');
    }
  });
});
