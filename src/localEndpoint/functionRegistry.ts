// The endpoint's control plane: function configurations, their states and tags, as Lambda keeps
// them. Create leaves a function Pending for a moment before it becomes Active; an update sets
// LastUpdateStatus InProgress before Successful, and further updates meanwhile get 409, so the
// SDK waiters really poll. Invoke always runs the last *completed* revision.
// The shapes are in functionRecord.ts, names and ARNs in functionNames.ts, the response bodies in
// functionResponses.ts, the AWS-worded checks in functionValidation.ts.
import { randomUUID } from 'node:crypto';
import type { Architecture } from '../core/experimentConfig';
import { hostLambdaArchitecture } from '../core/hostArchitecture';
import { MEMORY_MIN_MB } from '../core/lambdaModel';
import { functionArn, functionNameOfArn, resolveFunctionName } from './functionNames';
import {
  lambdaTimestamp,
  recordOf,
  revisionOf,
  sha256Base64,
  type FunctionRevision,
  type LoadedFunction,
  type RegisteredFunction,
  type StoredFunctionRecord,
} from './functionRecord';
import { configurationOf, getFunctionResponse, listFunctionsPage } from './functionResponses';
import {
  decodeZip,
  NAME_PATTERN,
  ROLE_PATTERN,
  validateArchitectures,
  validateFunctionName,
  validateRole,
  validateSettings,
  validateTags,
  type ValidatedSettings,
} from './functionValidation';
import { LambdaApiError, notFound, updateInProgress } from './lambdaErrors';

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
  private readonly functions = new Map<string, RegisteredFunction>();
  /** Names being created right now (zip unpacking is async). */
  private readonly reserved = new Set<string>();

  constructor(private readonly options: RegistryOptions) {}

  private get hostArchitecture(): Architecture {
    return this.options.hostArchitecture ?? hostLambdaArchitecture();
  }

  arnFor(name: string): string {
    return functionArn(this.options, name);
  }

  /** Accepts a name, a full or partial ARN, optionally with the only qualifier we have, $LATEST. */
  resolveName(functionName: string): string {
    return resolveFunctionName(this.options, functionName);
  }

  async create(input: Record<string, unknown>): Promise<Record<string, unknown>> {
    const name = validateFunctionName(typeof input.FunctionName === 'string' ? this.resolveName(input.FunctionName) : '', input.FunctionName);
    const role = validateRole(input.Role);
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
    const fn = this.registered(
      {
        name,
        role,
        description: typeof input.Description === 'string' ? input.Description : '',
        ...settings,
        architectures,
        tags: validateTags(input.Tags),
        codeSha256: sha256Base64(zip),
        revisionId: randomUUID(),
        lastModified: lambdaTimestamp(),
      },
      zip,
      codeDir,
      'Pending',
    );
    this.functions.set(name, fn);
    this.persist(fn);
    this.schedule(fn, () => {
      fn.state = 'Active';
      fn.lastUpdateStatus = 'Successful';
      fn.active = revisionOf(fn);
    });
    return configurationOf(fn);
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
    const fn = this.registered({ ...record, ...settings, architectures, tags: validateTags(record.tags) }, zip, codeDir, 'Active');
    fn.active = revisionOf(fn);
    this.functions.set(fn.name, fn);
  }

  get(functionName: string): Record<string, unknown> {
    const fn = this.find(functionName);
    return getFunctionResponse(fn, this.options.codeUrl(fn.name, fn.codeSha256));
  }

  getConfiguration(functionName: string): Record<string, unknown> {
    return configurationOf(this.find(functionName));
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
    if (input.Role !== undefined) fn.role = validateRole(input.Role);
    if (typeof input.Description === 'string') fn.description = input.Description;
    Object.assign(fn, settings);
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
    return listFunctionsPage(this.functions, marker, maxItems);
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

  /** A new in-memory function from a validated record; Active ones still need their revision set. */
  private registered(
    record: StoredFunctionRecord & ValidatedSettings,
    zip: Uint8Array,
    codeDir: string,
    state: RegisteredFunction['state'],
  ): RegisteredFunction {
    return {
      ...recordOf(record),
      arn: this.arnFor(record.name),
      zip,
      codeDir,
      state,
      lastUpdateStatus: state === 'Active' ? 'Successful' : undefined,
      active: null,
      timer: undefined,
    };
  }

  private persist(fn: RegisteredFunction): void {
    this.options.persistence?.save(recordOf(fn), fn.zip);
  }

  private beginUpdate(fn: RegisteredFunction): Record<string, unknown> {
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
    return configurationOf(fn);
  }

  private schedule(fn: RegisteredFunction, complete: () => void): void {
    if (fn.timer) clearTimeout(fn.timer);
    fn.timer = setTimeout(() => {
      fn.timer = undefined;
      if (this.functions.get(fn.name) !== fn) return;
      complete();
      this.options.onTransitionComplete?.(fn.name);
    }, this.options.transitionMs());
    fn.timer.unref();
  }

  private find(functionName: string): RegisteredFunction {
    const name = this.resolveName(functionName);
    const fn = this.functions.get(name);
    if (!fn) throw notFound(this.arnFor(name));
    return fn;
  }

  private findUpdatable(functionName: string, revisionId: unknown): RegisteredFunction {
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

  private findByArn(resourceArn: string): RegisteredFunction {
    return this.find(functionNameOfArn(this.options, resourceArn));
  }
}
