// Where a running `lambda-lab endpoint` says how to reach it, so `lambda-lab deploy --local` (a
// different process) can use it. The file holds the endpoint's generated credentials, so it is
// written with mode 0600 in a 0700 folder and removed when the endpoint stops.
// Location: $LAMBDA_LAB_HOME/local-endpoint.json, default ~/.lambda-lab/local-endpoint.json.
import { mkdir, readFile, rename, rm, writeFile, chmod } from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { isProcessAlive } from '../os/processLiveness';

export interface EndpointState {
  endpoint: string;
  region: string;
  accessKeyId: string;
  secretAccessKey: string;
  cpuLimit: string;
  /** The process serving the endpoint; a state file whose process is gone is stale. */
  pid: number;
  startedAt: string;
}

type Env = Record<string, string | undefined>;

/** The state file exists but cannot be used: saying "not running" would send the user the wrong way. */
export class EndpointStateDamagedError extends Error {
  constructor(file: string, reason: string) {
    super(
      `The endpoint state file ${file} is damaged (${reason}). Stop any running \`lambda-lab endpoint\` (Ctrl+C), delete that file, then start \`lambda-lab endpoint\` again; it writes a fresh one.`,
    );
    this.name = 'EndpointStateDamagedError';
  }
}

export function endpointStateFilePath(env: Env = process.env): string {
  const home = env.LAMBDA_LAB_HOME || path.join(env.HOME || os.homedir(), '.lambda-lab');
  return path.join(home, 'local-endpoint.json');
}

export async function writeEndpointState(state: EndpointState, env: Env = process.env): Promise<string> {
  const file = endpointStateFilePath(env);
  await mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
  // Write then rename, so a reader never sees half a file.
  const temp = `${file}.${process.pid}.tmp`;
  await writeFile(temp, JSON.stringify(state, null, 2) + '\n', { mode: 0o600 });
  await chmod(temp, 0o600);
  await rename(temp, file);
  return file;
}

/** The running endpoint's state, or null when none is recorded or its process has exited; throws EndpointStateDamagedError for a damaged file. */
export async function readEndpointState(env: Env = process.env): Promise<EndpointState | null> {
  let text: string;
  try {
    text = await readFile(endpointStateFilePath(env), 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
  const file = endpointStateFilePath(env);
  let state: Partial<EndpointState>;
  try {
    state = JSON.parse(text) as Partial<EndpointState>;
  } catch {
    throw new EndpointStateDamagedError(file, 'it is not valid JSON');
  }
  if (
    !state ||
    typeof state !== 'object' ||
    typeof state.endpoint !== 'string' ||
    typeof state.accessKeyId !== 'string' ||
    typeof state.secretAccessKey !== 'string'
  ) {
    throw new EndpointStateDamagedError(file, 'it lacks the endpoint address or its credentials');
  }
  if (typeof state.pid !== 'number' || !isProcessAlive(state.pid)) return null;
  return {
    endpoint: state.endpoint,
    region: typeof state.region === 'string' ? state.region : 'us-east-1',
    accessKeyId: state.accessKeyId,
    secretAccessKey: state.secretAccessKey,
    cpuLimit: typeof state.cpuLimit === 'string' ? state.cpuLimit : 'none',
    pid: state.pid,
    startedAt: typeof state.startedAt === 'string' ? state.startedAt : '',
  };
}

/** Removes the state file if it still describes the given process (a newer endpoint may have replaced it). */
export async function removeEndpointState(pid: number = process.pid, env: Env = process.env): Promise<void> {
  const file = endpointStateFilePath(env);
  try {
    const state = JSON.parse(await readFile(file, 'utf8')) as Partial<EndpointState>;
    if (state.pid !== pid) return;
  } catch {
    return;
  }
  await rm(file, { force: true });
}
