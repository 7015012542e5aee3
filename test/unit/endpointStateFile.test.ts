import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync, existsSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { endpointStateFilePath, readEndpointState, removeEndpointState, writeEndpointState } from '../../src/localEndpoint/endpointStateFile';

const state = (pid: number) => ({
  endpoint: 'http://127.0.0.1:4321',
  region: 'us-east-1',
  accessKeyId: 'LLABKEY',
  secretAccessKey: 'LLABSECRET',
  cpuLimit: 'cgroup-v1',
  pid,
  startedAt: new Date(0).toISOString(),
});

test('the state file is private (0600), read back while its process lives, and removed by its owner', async () => {
  const home = mkdtempSync(path.join(os.tmpdir(), 'llab-state-'));
  const env = { LAMBDA_LAB_HOME: home };
  try {
    const file = await writeEndpointState(state(process.pid), env);
    assert.equal(file, endpointStateFilePath(env));
    assert.equal(statSync(file).mode & 0o777, 0o600);
    assert.deepEqual(await readEndpointState(env), state(process.pid));
    await removeEndpointState(process.pid + 1, env); // not ours: left alone
    assert.ok(existsSync(file));
    await removeEndpointState(process.pid, env);
    assert.equal(await readEndpointState(env), null);
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
});

test('a state file whose process has exited is ignored', async () => {
  const home = mkdtempSync(path.join(os.tmpdir(), 'llab-state-'));
  const env = { LAMBDA_LAB_HOME: home };
  try {
    await writeEndpointState(state(2 ** 22 + 12345), env); // above pid_max: no such process
    assert.equal(await readEndpointState(env), null);
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
});
