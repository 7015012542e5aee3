// Where the endpoint keeps its functions between runs, so a restart (of `lambda-lab endpoint`, or
// of the VS Code window that runs it) finds an experiment still deployed. One folder per function
// with function.json (configuration, tags, state; never credentials) and code.zip, each written
// to a temp file and renamed. A damaged entry is moved to damaged/ and reported, never fatal.
// A lock file names the endpoint using the store, so two endpoints cannot corrupt it.
import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { isProcessAlive } from '../os/processLiveness';
import { sha256Base64, type LoadedFunction, type StoredFunctionRecord } from './functionRecord';

type Env = Record<string, string | undefined>;

const STORE_FORMAT = 1;
const LOCK_FILE = 'endpoint.lock';
/** Stores held by endpoints of this process (the lock file's pid cannot tell them apart). */
const heldInThisProcess = new Set<string>();

/**
 * The per-user folder: $LAMBDA_LAB_ENDPOINT_STORE, else $LAMBDA_LAB_HOME/endpoint-store, else the
 * platform's place for application state (XDG state on Linux, Application Support on macOS,
 * %LOCALAPPDATA% on Windows).
 */
export function defaultEndpointStoreDir(env: Env = process.env, platform: NodeJS.Platform = process.platform): string {
  if (env.LAMBDA_LAB_ENDPOINT_STORE) return env.LAMBDA_LAB_ENDPOINT_STORE;
  if (env.LAMBDA_LAB_HOME) return path.join(env.LAMBDA_LAB_HOME, 'endpoint-store');
  const home = env.HOME || env.USERPROFILE || os.homedir();
  if (platform === 'win32') return path.join(env.LOCALAPPDATA || path.join(home, 'AppData', 'Local'), 'lambda-lab', 'endpoint');
  if (platform === 'darwin') return path.join(home, 'Library', 'Application Support', 'lambda-lab', 'endpoint');
  return path.join(env.XDG_STATE_HOME || path.join(home, '.local', 'state'), 'lambda-lab', 'endpoint');
}

export class StoreInUseError extends Error {
  constructor(
    readonly storeDir: string,
    readonly ownerPid: number,
  ) {
    super(
      `Another local endpoint (process ${ownerPid}) is using the function store ${storeDir}. Use that endpoint, or stop it first; ` +
        `to run a second endpoint, give it another store (lambda-lab endpoint --store FOLDER).`,
    );
    this.name = 'StoreInUseError';
  }
}

export class FunctionStore {
  /** Writes in order, per store, so a later state never loses to an earlier one. */
  private writes: Promise<void> = Promise.resolve();
  private readonly writtenCode = new Map<string, string>();

  private constructor(
    readonly dir: string,
    private readonly log: (line: string) => void,
  ) {}

  /** Opens (creating) the store and takes its lock; throws StoreInUseError when a live endpoint holds it. */
  static async open(dir: string, log: (line: string) => void): Promise<FunctionStore> {
    dir = path.resolve(dir);
    if (heldInThisProcess.has(dir)) throw new StoreInUseError(dir, process.pid);
    await mkdir(path.join(dir, 'functions'), { recursive: true, mode: 0o700 });
    const lock = path.join(dir, LOCK_FILE);
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        await writeFile(lock, String(process.pid), { flag: 'wx', mode: 0o600 });
        heldInThisProcess.add(dir);
        return new FunctionStore(dir, log);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      }
      const owner = Number.parseInt(await readFile(lock, 'utf8').catch(() => ''), 10);
      if (Number.isInteger(owner) && owner > 0 && owner !== process.pid && isProcessAlive(owner)) throw new StoreInUseError(dir, owner);
      // Left by an endpoint that was killed (or by this process's own earlier run): take it over.
      await rm(lock, { force: true });
    }
    throw new StoreInUseError(dir, 0);
  }

  /** Every function that reads back whole; damaged ones are set aside and reported. */
  async loadAll(): Promise<LoadedFunction[]> {
    const loaded: LoadedFunction[] = [];
    const names = await readdir(path.join(this.dir, 'functions')).catch(() => [] as string[]);
    for (const name of names.sort()) {
      if (name.includes('.tmp')) continue;
      try {
        const entry = await this.readEntry(name);
        this.writtenCode.set(name, entry.record.codeSha256);
        loaded.push(entry);
      } catch (error) {
        await this.setAside(name, error instanceof Error ? error.message : String(error));
      }
    }
    return loaded;
  }

  /** Moves an entry that cannot be used to damaged/, and says so with what to do. */
  async setAside(name: string, reason: string): Promise<void> {
    const damagedDir = path.join(this.dir, 'damaged');
    const target = path.join(damagedDir, `${name}-${new Date().toISOString().replace(/[:.]/g, '-')}`);
    try {
      await mkdir(damagedDir, { recursive: true, mode: 0o700 });
      await rename(path.join(this.dir, 'functions', name), target);
      this.log(
        `warning: the stored function "${name}" is damaged (${reason}); it was moved to ${target} and not loaded. Deploy it again; delete that folder once you no longer need it.`,
      );
    } catch (error) {
      this.log(
        `warning: the stored function "${name}" is damaged (${reason}) and could not be moved aside (${error instanceof Error ? error.message : String(error)}); it is skipped.`,
      );
    }
  }

  /** Records a function's configuration, and its code when that changed. */
  save(record: StoredFunctionRecord, zip: Uint8Array): void {
    const codeChanged = this.writtenCode.get(record.name) !== record.codeSha256;
    this.writtenCode.set(record.name, record.codeSha256);
    this.enqueue(`save ${record.name}`, async () => {
      const folder = path.join(this.dir, 'functions', record.name);
      await mkdir(folder, { recursive: true, mode: 0o700 });
      if (codeChanged) await atomicWrite(path.join(folder, 'code.zip'), zip);
      await atomicWrite(path.join(folder, 'function.json'), JSON.stringify({ format: STORE_FORMAT, ...record }, null, 2) + '\n');
    });
  }

  remove(name: string): void {
    this.writtenCode.delete(name);
    this.enqueue(`remove ${name}`, () => rm(path.join(this.dir, 'functions', name), { recursive: true, force: true }));
  }

  /** Finishes pending writes and releases the lock. */
  async close(): Promise<void> {
    await this.writes;
    const lock = path.join(this.dir, LOCK_FILE);
    const owner = Number.parseInt(await readFile(lock, 'utf8').catch(() => ''), 10);
    if (owner === process.pid) await rm(lock, { force: true });
    heldInThisProcess.delete(this.dir);
  }

  private enqueue(what: string, write: () => Promise<unknown>): void {
    this.writes = this.writes.then(write).then(
      () => undefined,
      (error: unknown) => this.log(`warning: could not ${what} in the function store ${this.dir}: ${error instanceof Error ? error.message : String(error)}`),
    );
  }

  private async readEntry(name: string): Promise<LoadedFunction> {
    const folder = path.join(this.dir, 'functions', name);
    let parsed: unknown;
    try {
      parsed = JSON.parse(await readFile(path.join(folder, 'function.json'), 'utf8'));
    } catch (error) {
      throw new Error(`function.json cannot be read: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
    }
    const record = checkRecord(parsed, name);
    const zip = new Uint8Array(
      await readFile(path.join(folder, 'code.zip')).catch(() => {
        throw new Error('code.zip is missing');
      }),
    );
    if (sha256Base64(zip) !== record.codeSha256) throw new Error('code.zip does not match its recorded CodeSha256');
    return { record, zip };
  }
}

function checkRecord(value: unknown, folderName: string): StoredFunctionRecord {
  const record = value as Partial<StoredFunctionRecord> & { format?: unknown };
  if (!record || typeof record !== 'object') throw new Error('function.json is not an object');
  if (record.format !== STORE_FORMAT) throw new Error(`function.json has format ${String(record.format)}, expected ${STORE_FORMAT}`);
  const strings = ['name', 'role', 'description', 'runtime', 'handler', 'codeSha256', 'revisionId', 'lastModified'] as const;
  for (const key of strings) if (typeof record[key] !== 'string') throw new Error(`function.json lacks ${key}`);
  if (record.name !== folderName) throw new Error(`function.json names "${record.name}", not its folder's name`);
  if (typeof record.memorySize !== 'number' || typeof record.timeout !== 'number') throw new Error('function.json lacks memorySize or timeout');
  if (!Array.isArray(record.architectures) || typeof record.tags !== 'object' || record.tags === null)
    throw new Error('function.json lacks architectures or tags');
  return record as StoredFunctionRecord;
}

async function atomicWrite(file: string, data: string | Uint8Array): Promise<void> {
  const temp = `${file}.${process.pid}.tmp`;
  await writeFile(temp, data, { mode: 0o600 });
  await rename(temp, file);
}
