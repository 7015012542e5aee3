// Wires the local endpoint together: credentials, CPU limiter, function registry, environment
// pool, fault injector and HTTP server, plus the cleanup that stop() (and process exit) performs.
import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { CodeArchiveError, extractArchive } from './codeArchive';
import { CodeUrlSigner } from './codeUrls';
import { detectCpuLimiter } from './cpuLimiter';
import { EnvironmentPool } from './environmentPool';
import { FaultInjector } from './faultInjector';
import { FunctionRegistry } from './functionRegistry';
import { FunctionStore } from './functionStore';
import type { LocalEndpointHandle, LocalEndpointOptions } from './index';
import { LambdaApiServer } from './lambdaApiServer';
import { invalidParameter } from './lambdaErrors';
import { generateCredentials } from './requestAuth';
import { RUNTIME_BOOTSTRAP_SOURCE } from './runtimeBootstrap';
import { isProcessAlive } from '../os/processLiveness';

export const LOCAL_ACCOUNT_ID = '123456789012';
const WORK_DIR_PREFIX = 'lambda-lab-endpoint-';
/** Records which process owns a work folder, so a later start can remove folders of dead ones. */
const OWNER_FILE = 'owner.pid';

export async function startLocalEndpoint(options: LocalEndpointOptions = {}): Promise<LocalEndpointHandle> {
  const log = options.log ?? (() => {});
  const region = options.region ?? 'us-east-1';
  const faults = new FaultInjector(options.faults);
  const root = options.workDir
    ? path.join(options.workDir, `${WORK_DIR_PREFIX}${randomBytes(4).toString('hex')}`)
    : await mkdtemp(path.join(os.tmpdir(), WORK_DIR_PREFIX));
  await removeStaleWorkDirs(path.dirname(root));
  await mkdir(path.join(root, 'runtime'), { recursive: true });
  await writeFile(path.join(root, OWNER_FILE), String(process.pid));
  const bootstrapPath = path.join(root, 'runtime', 'bootstrap.cjs');
  await writeFile(bootstrapPath, RUNTIME_BOOTSTRAP_SOURCE);

  // Taken before anything else runs, so a second endpoint on the same store stops here with a clear message.
  let store: FunctionStore | undefined;
  if (options.storeDir) {
    try {
      store = await FunctionStore.open(options.storeDir, log);
    } catch (error) {
      await rm(root, { recursive: true, force: true });
      throw error;
    }
  }

  const limiter = await detectCpuLimiter(options.cpuLimit ?? 'auto', log, options.cfsPeriodUs);
  const credentials = generateCredentials();
  const codeUrls = new CodeUrlSigner();
  let endpoint = '';
  let codeCounter = 0;

  // The registry and the pool refer to each other: the registry's callbacks run only after both exist.
  // eslint-disable-next-line prefer-const
  let pool: EnvironmentPool;
  const registry = new FunctionRegistry({
    region,
    accountId: LOCAL_ACCOUNT_ID,
    transitionMs: () => options.stateTransitionMs ?? 100 + Math.random() * 200,
    codeUrl: (name, sha) => `${endpoint}${codeUrls.pathFor(name, sha)}`,
    onRevisionRetired: (revision) => pool.retireRevision(revision),
    persistence: store,
    codeStore: {
      unpack: async (functionName, zip) => {
        const dir = path.join(root, 'code', `${functionName}-${++codeCounter}`);
        try {
          await extractArchive(zip, dir);
        } catch (error) {
          await rm(dir, { recursive: true, force: true });
          if (error instanceof CodeArchiveError) throw invalidParameter(error.message);
          throw error;
        }
        return dir;
      },
      discard: (dir) => pool.discardWhenUnused(dir),
    },
  });
  pool = new EnvironmentPool({
    limiter,
    bootstrapPath,
    region,
    maxEnvironments: options.maxEnvironments ?? 32,
    idleTimeoutMs: options.idleTimeoutMs ?? 5 * 60_000,
    isCurrent: (revision) => registry.isCurrent(revision),
    log,
  });
  if (store) {
    const loaded = await store.loadAll();
    for (const entry of loaded) {
      await registry.restore(entry).catch((error: unknown) => store.setAside(entry.record.name, error instanceof Error ? error.message : String(error)));
    }
    if (loaded.length > 0) log(`restored ${loaded.length} function(s) from ${store.dir}`);
  }
  const cpuLimitLabel = limiter.method === 'none' ? `none (${limiter.detail})` : limiter.method;
  const server = new LambdaApiServer({
    credentials,
    registry,
    pool,
    faults,
    cpuLimitLabel,
    codeUrls,
    log,
    bodyLimits: options.bodyLimits,
    unverifiedBodyLimits: options.unverifiedBodyLimits,
  });

  let port: number;
  try {
    port = await server.listen(options.port ?? 0);
  } catch (error) {
    await limiter.close();
    await store?.close();
    await rm(root, { recursive: true, force: true });
    throw new Error(`The local Lambda endpoint could not listen on 127.0.0.1:${options.port ?? 0}: ${error instanceof Error ? error.message : String(error)}`, {
      cause: error,
    });
  }
  endpoint = `http://127.0.0.1:${port}`;
  log(
    `local Lambda endpoint listening on ${endpoint} (region ${region}, CPU limit: ${limiter.method}${limiter.method === 'none' ? ` — ${limiter.detail}` : ''})`,
  );

  // Last resort if the host process exits without stop(): environments already exit when their IPC
  // channel closes; remove our files so nothing is left behind.
  const onExit = () => rmSync(root, { recursive: true, force: true });
  process.once('exit', onExit);

  let stopping: Promise<void> | undefined;
  return {
    endpoint,
    region,
    accessKeyId: credentials.accessKeyId,
    secretAccessKey: credentials.secretAccessKey,
    cpuLimit: limiter.method,
    cpuLimitDetail: limiter.detail,
    cpuAffinity: limiter.affinity,
    hostCores: limiter.hostCores,
    stop: () => {
      stopping ??= (async () => {
        registry.close();
        await server.close();
        await store?.close();
        await pool.close();
        await limiter.close().catch((error: unknown) => log(`could not remove cgroups: ${String(error)}`));
        process.off('exit', onExit);
        await rm(root, { recursive: true, force: true });
        log('local Lambda endpoint stopped');
      })();
      return stopping;
    },
  };
}

/** Work folders left by endpoints whose process was killed (SIGKILL skips every cleanup). */
async function removeStaleWorkDirs(parent: string): Promise<void> {
  let names: string[];
  try {
    names = await readdir(parent);
  } catch {
    return;
  }
  for (const name of names) {
    if (!name.startsWith(WORK_DIR_PREFIX)) continue;
    const dir = path.join(parent, name);
    const owner = Number.parseInt(await readFile(path.join(dir, OWNER_FILE), 'utf8').catch(() => ''), 10);
    if (!Number.isInteger(owner) || owner <= 0 || isProcessAlive(owner)) continue; // unknown owner: leave it alone
    await rm(dir, { recursive: true, force: true }).catch(() => {});
  }
}
