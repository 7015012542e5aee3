// The endpoint's control plane: function configurations, their states and tags, as Lambda keeps
// them. Create leaves a function Pending for a moment before it becomes Active; an update sets
// LastUpdateStatus InProgress before Successful, and further updates meanwhile get 409, so the
// SDK waiters really poll. Invoke always runs the last *completed* revision.
import { createHash, randomUUID } from 'node:crypto';
import type { Architecture } from '../core/experimentConfig';
import { hostLambdaArchitecture } from '../core/hostArchitecture';
import { MEMORY_MIN_MB } from '../core/lambdaModel';
import { decodeZip, NAME_PATTERN, ROLE_PATTERN, validateArchitectures, validateSettings, validateTags } from './functionValidation';
import type { LoadedFunction, StoredFunctionRecord } from './functionStore';
import { invalidParameter, LambdaApiError, notFound, updateInProgress, validationError } from './lambdaErrors';

/** What Invoke runs: an immutable snapshot of code and configuration. */
export interface FunctionRevision {
  functionName: string;
  functionArn: string;
  revisionId: string;
  codeDir: string;
  handler: string;
  runtime: string;
  memorySize: number;
  timeout: number;
  environment: Record<string, string>;
  architecture: string;
}

interface StoredFunction {
  name: string;
  arn: string;
  role: string;
  description: string;
  runtime: string;
  handler: string;
  memorySize: number;
  timeout: number;
  environment: Record<string, string> | undefined;
  architectures: string[];
  tags: Record<string, string>;
  zip: Uint8Array;
  codeSha256: string;
  codeDir: string;
  revisionId: string;
  lastModified: string;
  state: 'Pending' | 'Active';
  lastUpdateStatus: 'InProgress' | 'Successful' | undefined;
  /** The revision Invoke uses; null until the function first becomes Active. */
  active: FunctionRevision | null;
  timer: NodeJS.Timeout | undefined;
}

export interface CodeStore {
  /** Validates and unpacks a zip; throws LambdaApiError for a bad package. Returns the folder. */
  unpack(functionName: string, zip: Uint8Array): Promise<string>;
  /** Called when nothing will run this code any more. */
  discard(codeDir: string): void;
}

export interface RegistryOptions {
  region: string;
  accountId: string;
  codeStore: CodeStore;
  /** How long Pending / InProgress last, ms (AWS: typically a second or more; tests want it short). */
  transitionMs: () => number;
  /** Told when a revision stops being the one Invoke uses (update or delete). */
  onRevisionRetired: (revision: FunctionRevision) => void;
  /** A URL from which GetFunction's Code.Location serves the zip. */
  codeUrl: (functionName: string, codeSha256: string) => string;
  /** The only architecture functions may declare: they run natively on this CPU. Default: the host's (tests override). */
  hostArchitecture?: Architecture;
  /** Told when a function's Pending or InProgress ends (tests wait on it instead of sleeping). */
  onTransitionComplete?: (functionName: string) => void;
  /** Told of every change, so functions outlive the endpoint (see functionStore.ts). */
  persistence?: { save(record: StoredFunctionRecord, zip: Uint8Array): void; remove(name: string): void };
  /** Accept both architectures (a target that runs no code natively, e.g. the study replay). */
  anyArchitecture?: boolean;
}

export class FunctionRegistry {
  private readonly functions = new Map<string, StoredFunction>();
  /** Names being created right now (zip unpacking is async). */
  private readonly reserved = new Set<string>();

  constructor(private readonly options: RegistryOptions) {}

  private get hostArchitecture(): Architecture {
    return this.options.hostArchitecture ?? hostLambdaArchitecture();
  }

  arnFor(name: string): string {
    return `arn:aws:lambda:${this.options.region}:${this.options.accountId}:function:${name}`;
  }

  /** Accepts a name, a full or partial ARN, optionally with the only qualifier we have, $LATEST. */
  resolveName(functionName: string): string {
    let rest = decodeURIComponentSafe(functionName);
    // Full ARN (arn:aws:lambda:region:account:function:name) or partial (account:function:name).
    const arn = /^(?:arn:aws[a-zA-Z-]*:lambda:[a-z0-9-]+:)?\d{12}:function:(.*)$/.exec(rest);
    if (arn) rest = arn[1];
    const [name, qualifier] = rest.split(':');
    if (qualifier !== undefined && qualifier !== '$LATEST') {
      throw notFound(`${this.arnFor(name)}:${qualifier}`);
    }
    return name;
  }

  async create(input: Record<string, unknown>): Promise<Record<string, unknown>> {
    const name = typeof input.FunctionName === 'string' ? this.resolveName(input.FunctionName) : '';
    if (!NAME_PATTERN.test(name))
      throw validationError(input.FunctionName, 'functionName', 'Member must satisfy regular expression pattern: [a-zA-Z0-9-_]+ (1 to 64 characters)');
    if (typeof input.Role !== 'string' || !ROLE_PATTERN.test(input.Role)) {
      throw validationError(
        input.Role,
        'role',
        'Member must satisfy regular expression pattern: arn:(aws[a-zA-Z-]*)?:iam::\\d{12}:role/?[a-zA-Z_0-9+=,.@\\-_/]+',
      );
    }
    const settings = validateSettings({
      Runtime: input.Runtime ?? null,
      Handler: input.Handler ?? null,
      MemorySize: input.MemorySize ?? MEMORY_MIN_MB,
      Timeout: input.Timeout ?? 3,
      Environment: input.Environment,
    });
    const architectures = validateArchitectures(input.Architectures, this.hostArchitecture, this.options.anyArchitecture);
    const zip = decodeZip((input.Code as { ZipFile?: unknown } | undefined)?.ZipFile);
    if (this.functions.has(name) || this.reserved.has(name)) {
      throw new LambdaApiError(409, 'ResourceConflictException', `Function already exist: ${name}`);
    }
    this.reserved.add(name);
    let codeDir: string;
    try {
      codeDir = await this.options.codeStore.unpack(name, zip);
    } finally {
      this.reserved.delete(name);
    }
    const fn: StoredFunction = {
      name,
      arn: this.arnFor(name),
      role: input.Role,
      description: typeof input.Description === 'string' ? input.Description : '',
      runtime: settings.runtime!,
      handler: settings.handler!,
      memorySize: settings.memorySize!,
      timeout: settings.timeout!,
      environment: settings.environment,
      architectures,
      tags: validateTags(input.Tags),
      zip,
      codeSha256: sha256Base64(zip),
      codeDir,
      revisionId: randomUUID(),
      lastModified: lambdaTimestamp(),
      state: 'Pending',
      lastUpdateStatus: undefined,
      active: null,
      timer: undefined,
    };
    this.functions.set(name, fn);
    this.persist(fn);
    this.schedule(fn, () => {
      fn.state = 'Active';
      fn.lastUpdateStatus = 'Successful';
      fn.active = revisionOf(fn);
    });
    return this.configuration(fn);
  }

  /**
   * Brings back a function the store kept, Active with its last configuration (a transition that
   * was under way when the endpoint stopped has completed). Throws if it no longer validates.
   */
  async restore({ record, zip }: LoadedFunction): Promise<void> {
    if (!NAME_PATTERN.test(record.name) || this.functions.has(record.name)) throw new Error(`"${record.name}" is not a usable function name here`);
    if (!ROLE_PATTERN.test(record.role)) throw new Error('its role is not an IAM role ARN');
    const settings = validateSettings({
      Runtime: record.runtime,
      Handler: record.handler,
      MemorySize: record.memorySize,
      Timeout: record.timeout,
      Environment: record.environment ? { Variables: record.environment } : undefined,
    });
    const architectures = validateArchitectures(record.architectures, this.hostArchitecture);
    const codeDir = await this.options.codeStore.unpack(record.name, zip);
    const fn: StoredFunction = {
      name: record.name,
      arn: this.arnFor(record.name),
      role: record.role,
      description: record.description,
      runtime: settings.runtime!,
      handler: settings.handler!,
      memorySize: settings.memorySize!,
      timeout: settings.timeout!,
      environment: settings.environment,
      architectures,
      tags: validateTags(record.tags),
      zip,
      codeSha256: record.codeSha256,
      codeDir,
      revisionId: record.revisionId,
      lastModified: record.lastModified,
      state: 'Active',
      lastUpdateStatus: 'Successful',
      active: null,
      timer: undefined,
    };
    fn.active = revisionOf(fn);
    this.functions.set(fn.name, fn);
  }

  get(functionName: string): Record<string, unknown> {
    const fn = this.find(functionName);
    const result: Record<string, unknown> = {
      Configuration: this.configuration(fn),
      Code: { RepositoryType: 'S3', Location: this.options.codeUrl(fn.name, fn.codeSha256) },
    };
    if (Object.keys(fn.tags).length > 0) result.Tags = { ...fn.tags };
    return result;
  }

  getConfiguration(functionName: string): Record<string, unknown> {
    return this.configuration(this.find(functionName));
  }

  /** The zip behind a Code.Location URL, or null. */
  codeFor(name: string, codeSha256: string): Uint8Array | null {
    const fn = this.functions.get(name);
    return fn && fn.codeSha256 === codeSha256 ? fn.zip : null;
  }

  async updateCode(functionName: string, input: Record<string, unknown>): Promise<Record<string, unknown>> {
    const fn = this.findUpdatable(functionName, input.RevisionId);
    const architectures =
      input.Architectures === undefined ? fn.architectures : validateArchitectures(input.Architectures, this.hostArchitecture, this.options.anyArchitecture);
    const zip = decodeZip(input.ZipFile);
    fn.lastUpdateStatus = 'InProgress'; // claim the update before the async unpack, as AWS does
    let codeDir: string;
    try {
      codeDir = await this.options.codeStore.unpack(fn.name, zip);
    } catch (error) {
      fn.lastUpdateStatus = 'Successful';
      throw error;
    }
    if (this.functions.get(fn.name) !== fn) {
      this.options.codeStore.discard(codeDir);
      throw notFound(fn.arn);
    }
    const previousDir = fn.codeDir;
    Object.assign(fn, { zip, codeSha256: sha256Base64(zip), codeDir, architectures });
    if (previousDir !== fn.active?.codeDir) this.options.codeStore.discard(previousDir);
    return this.beginUpdate(fn); // persists
  }

  updateConfiguration(functionName: string, input: Record<string, unknown>): Record<string, unknown> {
    const fn = this.findUpdatable(functionName, input.RevisionId);
    const settings = validateSettings({
      Runtime: input.Runtime ?? fn.runtime,
      Handler: input.Handler ?? fn.handler,
      MemorySize: input.MemorySize ?? fn.memorySize,
      Timeout: input.Timeout ?? fn.timeout,
      Environment: input.Environment === undefined ? (fn.environment ? { Variables: fn.environment } : undefined) : input.Environment,
    });
    if (input.Role !== undefined) {
      if (typeof input.Role !== 'string' || !ROLE_PATTERN.test(input.Role))
        throw validationError(
          input.Role,
          'role',
          'Member must satisfy regular expression pattern: arn:(aws[a-zA-Z-]*)?:iam::\\d{12}:role/?[a-zA-Z_0-9+=,.@\\-_/]+',
        );
      fn.role = input.Role;
    }
    if (typeof input.Description === 'string') fn.description = input.Description;
    Object.assign(fn, {
      runtime: settings.runtime,
      handler: settings.handler,
      memorySize: settings.memorySize,
      timeout: settings.timeout,
      environment: settings.environment,
    });
    return this.beginUpdate(fn); // persists
  }

  delete(functionName: string): void {
    const fn = this.find(functionName);
    if (fn.timer) clearTimeout(fn.timer);
    this.functions.delete(fn.name);
    this.options.persistence?.remove(fn.name);
    // Both code folders go (the one Invoke ran and a newer one still being activated), once unused.
    if (fn.active) {
      this.options.onRevisionRetired(fn.active);
      if (fn.active.codeDir !== fn.codeDir) this.options.codeStore.discard(fn.active.codeDir);
    }
    this.options.codeStore.discard(fn.codeDir);
  }

  list(marker: string | undefined, maxItems: number | undefined): Record<string, unknown> {
    const pageSize = Math.min(Math.max(1, maxItems ?? 50), 50);
    const names = [...this.functions.keys()].sort();
    let start = 0;
    if (marker) {
      const after = Buffer.from(marker, 'base64url').toString('utf8');
      start = names.findIndex((name) => name > after);
      if (start < 0) start = names.length;
    }
    const page = names.slice(start, start + pageSize);
    const result: Record<string, unknown> = { Functions: page.map((name) => this.configuration(this.functions.get(name)!)) };
    if (start + pageSize < names.length) result.NextMarker = Buffer.from(page[page.length - 1], 'utf8').toString('base64url');
    return result;
  }

  tag(resourceArn: string, tags: unknown): void {
    const fn = this.findByArn(resourceArn);
    Object.assign(fn.tags, validateTags(tags));
    this.persist(fn);
  }

  untag(resourceArn: string, keys: string[]): void {
    const fn = this.findByArn(resourceArn);
    for (const key of keys) delete fn.tags[key];
    this.persist(fn);
  }

  listTags(resourceArn: string): Record<string, unknown> {
    return { Tags: { ...this.findByArn(resourceArn).tags } };
  }

  /** The revision an Invoke should run; 409 while the function is still being created. */
  revisionForInvoke(functionName: string): FunctionRevision {
    const fn = this.find(functionName);
    if (!fn.active) {
      throw new LambdaApiError(
        409,
        'ResourceConflictException',
        `The operation cannot be performed at this time. The function is currently in the following state: ${fn.state}`,
        {},
        { State: fn.state, Reason: 'Creating' },
      );
    }
    return fn.active;
  }

  isCurrent(revision: FunctionRevision): boolean {
    return this.functions.get(revision.functionName)?.active === revision;
  }

  /** Stops pending state timers (endpoint shutdown). */
  close(): void {
    for (const fn of this.functions.values()) if (fn.timer) clearTimeout(fn.timer);
    this.functions.clear();
  }

  private persist(fn: StoredFunction): void {
    this.options.persistence?.save(
      {
        name: fn.name,
        role: fn.role,
        description: fn.description,
        runtime: fn.runtime,
        handler: fn.handler,
        memorySize: fn.memorySize,
        timeout: fn.timeout,
        environment: fn.environment,
        architectures: fn.architectures,
        tags: { ...fn.tags },
        codeSha256: fn.codeSha256,
        revisionId: fn.revisionId,
        lastModified: fn.lastModified,
      },
      fn.zip,
    );
  }

  private beginUpdate(fn: StoredFunction): Record<string, unknown> {
    fn.revisionId = randomUUID();
    fn.lastModified = lambdaTimestamp();
    fn.lastUpdateStatus = 'InProgress';
    this.persist(fn);
    this.schedule(fn, () => {
      const previous = fn.active;
      fn.lastUpdateStatus = 'Successful';
      fn.active = revisionOf(fn);
      if (previous) {
        this.options.onRevisionRetired(previous);
        if (previous.codeDir !== fn.codeDir) this.options.codeStore.discard(previous.codeDir);
      }
    });
    return this.configuration(fn);
  }

  private schedule(fn: StoredFunction, complete: () => void): void {
    if (fn.timer) clearTimeout(fn.timer);
    fn.timer = setTimeout(() => {
      fn.timer = undefined;
      if (this.functions.get(fn.name) !== fn) return;
      complete();
      this.options.onTransitionComplete?.(fn.name);
    }, this.options.transitionMs());
    fn.timer.unref();
  }

  private find(functionName: string): StoredFunction {
    const name = this.resolveName(functionName);
    const fn = this.functions.get(name);
    if (!fn) throw notFound(this.arnFor(name));
    return fn;
  }

  private findUpdatable(functionName: string, revisionId: unknown): StoredFunction {
    const fn = this.find(functionName);
    if (fn.state === 'Pending') {
      throw new LambdaApiError(
        409,
        'ResourceConflictException',
        `The operation cannot be performed at this time. The function is currently in the following state: Pending`,
      );
    }
    if (fn.lastUpdateStatus === 'InProgress') throw updateInProgress(fn.arn);
    if (typeof revisionId === 'string' && revisionId !== fn.revisionId) {
      throw new LambdaApiError(
        412,
        'PreconditionFailedException',
        'The Revision Id provided does not match the latest Revision Id. Call the GetFunction/GetAlias API to retrieve the latest Revision Id',
      );
    }
    return fn;
  }

  private findByArn(resourceArn: string): StoredFunction {
    const arn = decodeURIComponentSafe(resourceArn);
    const match = /^arn:aws[a-zA-Z-]*:lambda:([a-z0-9-]+):(\d{12}):function:([a-zA-Z0-9-_]+)$/.exec(arn);
    if (!match) throw invalidParameter(`The resource you requested does not exist or the ARN is not a Lambda function ARN: ${arn}`);
    if (match[1] !== this.options.region || match[2] !== this.options.accountId) throw notFound(arn);
    return this.find(match[3]);
  }

  private configuration(fn: StoredFunction): Record<string, unknown> {
    const config: Record<string, unknown> = {
      FunctionName: fn.name,
      FunctionArn: fn.arn,
      Runtime: fn.runtime,
      Role: fn.role,
      Handler: fn.handler,
      CodeSize: fn.zip.length,
      Description: fn.description,
      Timeout: fn.timeout,
      MemorySize: fn.memorySize,
      LastModified: fn.lastModified,
      CodeSha256: fn.codeSha256,
      Version: '$LATEST',
      TracingConfig: { Mode: 'PassThrough' },
      RevisionId: fn.revisionId,
      State: fn.state,
      PackageType: 'Zip',
      Architectures: [...fn.architectures],
      EphemeralStorage: { Size: 512 },
      LoggingConfig: { LogFormat: 'Text', LogGroup: `/aws/lambda/${fn.name}` },
    };
    if (fn.environment) config.Environment = { Variables: { ...fn.environment } };
    if (fn.state === 'Pending') {
      config.StateReason = 'The function is being created.';
      config.StateReasonCode = 'Creating';
    }
    if (fn.lastUpdateStatus) config.LastUpdateStatus = fn.lastUpdateStatus;
    if (fn.lastUpdateStatus === 'InProgress') config.LastUpdateStatusReason = 'The function is being updated.';
    return config;
  }
}

function revisionOf(fn: StoredFunction): FunctionRevision {
  return {
    functionName: fn.name,
    functionArn: fn.arn,
    revisionId: fn.revisionId,
    codeDir: fn.codeDir,
    handler: fn.handler,
    runtime: fn.runtime,
    memorySize: fn.memorySize,
    timeout: fn.timeout,
    environment: { ...(fn.environment ?? {}) },
    architecture: fn.architectures[0],
  };
}

export function sha256Base64(data: Uint8Array): string {
  return createHash('sha256').update(data).digest('base64');
}

/** Lambda's LastModified format: 2024-01-01T12:00:00.000+0000 */
function lambdaTimestamp(): string {
  return new Date().toISOString().replace('Z', '+0000');
}

function decodeURIComponentSafe(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}
