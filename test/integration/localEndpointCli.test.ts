// `lambda-lab endpoint` as a user runs it: one JSON line, serves until SIGTERM, then leaves
// no processes, state file or temp files behind.
import test from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as readline from 'node:readline';
import { InvokeCommand } from '@aws-sdk/client-lambda';
import { clientFor, createActiveFunction, zipOf } from '../support/localEndpointFixture';

const repoRoot = path.resolve(__dirname, '../../..');
const cli = path.join(repoRoot, 'out/src/cli.js');

test('endpoint --help and bad flags', () => {
  const help = spawnSync(process.execPath, [cli, 'endpoint', '--help'], { encoding: 'utf8' });
  assert.equal(help.status, 0);
  assert.match(help.stdout, /Usage: lambda-lab endpoint/);
  const bad = spawnSync(process.execPath, [cli, 'endpoint', '--throttle-rate', '2'], { encoding: 'utf8' });
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /--throttle-rate must be a number from 0 to 1/);
});

test('endpoint prints one JSON line, serves, and cleans up on SIGTERM', async () => {
  const scratch = mkdtempSync(path.join(os.tmpdir(), 'endpoint-cli-'));
  const tmp = path.join(scratch, 'tmp');
  const home = path.join(scratch, 'home');
  require('node:fs').mkdirSync(tmp);
  const child = spawn(process.execPath, [cli, 'endpoint'], {
    env: { ...process.env, TMPDIR: tmp, LAMBDA_LAB_HOME: home },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  try {
    const firstLine = await new Promise<string>((resolve, reject) => {
      const lines = readline.createInterface({ input: child.stdout });
      lines.once('line', resolve);
      child.once('exit', () => reject(new Error(`endpoint exited early: ${stderr}`)));
    });
    const info = JSON.parse(firstLine) as Record<string, string>;
    for (const key of ['endpoint', 'region', 'accessKeyId', 'secretAccessKey', 'cpuLimit']) assert.equal(typeof info[key], 'string', key);
    assert.match(info.endpoint, /^http:\/\/127\.0\.0\.1:\d+$/);
    assert.ok(existsSync(path.join(home, 'local-endpoint.json')), 'state file for other lambda-lab commands');
    assert.ok(!stderr.includes(info.secretAccessKey), 'the secret is not logged');

    const client = clientFor(info as never);
    await createActiveFunction(client, { FunctionName: 'cli-fn', zip: zipOf({ 'index.mjs': 'export const handler = async () => process.pid;' }) });
    const response = await client.send(new InvokeCommand({ FunctionName: 'cli-fn', Payload: '{}' }));
    const environmentPid = Number(Buffer.from(response.Payload!).toString());
    assert.ok(environmentPid > 0);
    client.destroy();

    child.kill('SIGTERM');
    assert.equal(await exited, 0);
    assert.throws(() => process.kill(environmentPid, 0), 'the execution environment is gone');
    assert.equal(existsSync(path.join(home, 'local-endpoint.json')), false, 'state file removed');
    assert.deepEqual(readdirSync(tmp), [], 'temp files removed');
    if (info.cpuLimit.startsWith('cgroup-v1')) {
      assert.deepEqual(
        readdirSync('/sys/fs/cgroup/cpu').filter((name) => name.startsWith(`lambda-lab-${child.pid}-`)),
        [],
        'cgroups removed',
      );
    }
  } finally {
    // On a failed assertion: let the endpoint clean up (SIGTERM), then make sure the group is gone.
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 5000))]);
    }
    try {
      process.kill(-child.pid!, 'SIGKILL');
    } catch {
      // already gone
    }
    rmSync(scratch, { recursive: true, force: true });
  }
});

/** The pid of a process that has exited (so no live process has it, barring reuse within the test). */
function deadPid(): number {
  const child = spawnSync(process.execPath, ['-e', '0']);
  assert.equal(child.status, 0);
  return child.pid!;
}

test('at start, folders of endpoints that died are removed (only those with our owner file); SIGHUP cleans up too', async () => {
  const fs = require('node:fs') as typeof import('node:fs');
  const scratch = mkdtempSync(path.join(os.tmpdir(), 'endpoint-cli-'));
  const tmp = path.join(scratch, 'tmp');
  const home = path.join(scratch, 'home');
  fs.mkdirSync(tmp);
  // What a SIGKILLed endpoint leaves: its folder with code and the owner file naming a dead pid.
  const dead = path.join(tmp, 'lambda-lab-endpoint-dead01');
  fs.mkdirSync(path.join(dead, 'code', 'fn-1'), { recursive: true });
  fs.writeFileSync(path.join(dead, 'code', 'fn-1', 'index.mjs'), 'export const handler = async () => 1;');
  fs.writeFileSync(path.join(dead, 'owner.pid'), String(deadPid()));
  // A running endpoint's folder (this test process is alive), one without our marker, and a stranger's.
  const live = path.join(tmp, 'lambda-lab-endpoint-live01');
  fs.mkdirSync(live);
  fs.writeFileSync(path.join(live, 'owner.pid'), String(process.pid));
  const unmarked = path.join(tmp, 'lambda-lab-endpoint-nomark');
  fs.mkdirSync(unmarked);
  const stranger = path.join(tmp, 'something-else');
  fs.mkdirSync(stranger);
  fs.writeFileSync(path.join(stranger, 'owner.pid'), String(deadPid()));

  const child = spawn(process.execPath, [cli, 'endpoint', '--cpu-limit', 'none'], {
    env: { ...process.env, TMPDIR: tmp, LAMBDA_LAB_HOME: home },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  try {
    await new Promise<string>((resolve, reject) => {
      readline.createInterface({ input: child.stdout }).once('line', resolve);
      child.once('exit', () => reject(new Error(`endpoint exited early: ${stderr}`)));
    });
    assert.equal(existsSync(dead), false, "the dead endpoint's folder is removed at start");
    for (const kept of [live, unmarked, stranger]) assert.ok(existsSync(kept), `${path.basename(kept)} is left alone`);
    const own = readdirSync(tmp).filter(
      (name) => name.startsWith('lambda-lab-endpoint-') && !['lambda-lab-endpoint-live01', 'lambda-lab-endpoint-nomark'].includes(name),
    );
    assert.equal(own.length, 1, `the endpoint's own folder: ${own.join(', ')}`);
    assert.equal(fs.readFileSync(path.join(tmp, own[0], 'owner.pid'), 'utf8'), String(child.pid), 'it names its owner');

    child.kill('SIGHUP'); // the terminal closed
    assert.equal(await exited, 0, stderr);
    assert.equal(existsSync(path.join(tmp, own[0])), false, 'own folder removed on SIGHUP');
    assert.equal(existsSync(path.join(home, 'local-endpoint.json')), false, 'state file removed on SIGHUP');
  } finally {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 5000))]);
    }
    try {
      process.kill(-child.pid!, 'SIGKILL');
    } catch {
      // already gone
    }
    rmSync(scratch, { recursive: true, force: true });
  }
});
