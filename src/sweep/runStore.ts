// Reads and writes one run's folder: run.json (metadata) and invocations.jsonl (one record a line).
// Each record is appended as soon as it arrives, as one whole line in one write call, so a crash
// or kill -9 loses at most the invocations in flight, and at worst leaves a torn last line that
// the next open detects, reports and cuts off.
// A store that writes holds the run folder's lock (run.lock, see runLock.ts) until close(), so two
// processes never sweep the same run at once.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { InvocationRecord } from '../core/invocationRecord';
import { INVOCATIONS_FILE, RUN_FILE, parseInvocationsJsonl, supersedes, type RunMetadata } from '../core/runFiles';
import { recordKey } from '../core/sweepPlan';
import { acquireRunLock, type LockEnvironment, type RunLock } from './runLock';

export interface OpenRunOptions {
  /** Read only: no lock taken, nothing repaired, append and updateMetadata refused. */
  readOnly?: boolean;
  /** For tests: how the lock sees processes. */
  lockEnvironment?: LockEnvironment;
}

export class RunStore {
  /** The record that counts for each key (a later attempt replaces an error record). */
  private readonly byKey = new Map<string, InvocationRecord>();
  /** invocations.jsonl opened for appending on the first append, closed by close(). */
  private fd: number | null = null;

  private constructor(
    readonly runDir: string,
    private metadata: RunMetadata,
    private records: InvocationRecord[],
    /** Error records replaced by a later attempt; still billed, so cost totals count them. */
    private readonly supersededRecords: InvocationRecord[],
    /** Problems found when the run was opened (torn last line, corrupt lines, duplicates). */
    readonly warnings: string[],
    private lock: RunLock | null,
    private readonly readOnly: boolean,
  ) {
    for (const record of records) this.byKey.set(recordKey(record), record);
  }

  /** Creates a new run folder, locked until close(); refuses to reuse one that already holds a run. */
  static create(runDir: string, metadata: RunMetadata, options: Pick<OpenRunOptions, 'lockEnvironment'> = {}): RunStore {
    fs.mkdirSync(runDir, { recursive: true });
    const lock = acquireRunLock(runDir, options.lockEnvironment);
    try {
      const runFile = path.join(runDir, RUN_FILE);
      if (fs.existsSync(runFile)) {
        throw new Error(`${runDir} already holds a run. Resume it with --resume ${runDir}, or choose another --out folder.`);
      }
      const store = new RunStore(runDir, metadata, [], [], [], lock, false);
      fs.writeFileSync(path.join(runDir, INVOCATIONS_FILE), '', { flag: 'a' });
      store.writeMetadata();
      return store;
    } catch (error) {
      lock.release();
      throw error;
    }
  }

  /**
   * Opens an existing run for resuming (locked until close(); fails with RunLockedError while
   * another process sweeps it) or, with readOnly, for reading. Resuming repairs a torn last line
   * (with a warning).
   */
  static open(runDir: string, options: OpenRunOptions = {}): RunStore {
    const runFile = path.join(runDir, RUN_FILE);
    if (!fs.existsSync(runFile)) {
      throw new Error(`No run found in ${runDir} (${RUN_FILE} is missing). Pass the folder of an earlier sweep, e.g. .lambda-lab/runs/<run-id>.`);
    }
    const readOnly = options.readOnly === true;
    const lock = readOnly ? null : acquireRunLock(runDir, options.lockEnvironment);
    try {
      let metadata: RunMetadata;
      try {
        metadata = JSON.parse(fs.readFileSync(runFile, 'utf8')) as RunMetadata;
      } catch (error) {
        throw new Error(`${runFile} is not valid JSON (${error instanceof Error ? error.message : String(error)}); the run cannot be resumed.`, {
          cause: error,
        });
      }
      const invocationsFile = path.join(runDir, INVOCATIONS_FILE);
      // Bytes, not text: the cut below is a byte offset into the file as it is.
      const bytes = fs.existsSync(invocationsFile) ? fs.readFileSync(invocationsFile) : new Uint8Array(0);
      const parsed = parseInvocationsJsonl(bytes, invocationsFile);
      if (!readOnly) {
        const size = bytes.length;
        // Cut a torn last line off, and end a complete last line with its newline, so that the
        // next append starts on a fresh line and the file stays valid JSONL.
        if (parsed.validLength < size) fs.truncateSync(invocationsFile, parsed.validLength);
        if (parsed.needsNewline) fs.appendFileSync(invocationsFile, '\n');
      }
      return new RunStore(runDir, metadata, parsed.records, parsed.superseded, parsed.warnings, lock, readOnly);
    } catch (error) {
      lock?.release();
      throw error;
    }
  }

  /** Releases the run folder's lock; the store can no longer write. Safe to call more than once. */
  close(): void {
    if (this.fd !== null) {
      try {
        fs.closeSync(this.fd);
      } catch {
        // already closed: nothing was left unwritten (every append is written before it returns)
      }
      this.fd = null;
    }
    this.lock?.release();
    this.lock = null;
  }

  get locked(): boolean {
    return this.lock !== null;
  }

  get meta(): RunMetadata {
    return this.metadata;
  }

  get invocations(): readonly InvocationRecord[] {
    return this.records;
  }

  /** Error records replaced by a later attempt (not in `invocations`). */
  get supersededInvocations(): readonly InvocationRecord[] {
    return this.supersededRecords;
  }

  has(key: string): boolean {
    return this.byKey.has(key);
  }

  /** The record that counts for this key, if any. */
  recordFor(key: string): InvocationRecord | undefined {
    return this.byKey.get(key);
  }

  /**
   * Appends one record as one line. A key already stored is refused (no duplicates), unless the
   * stored record is an error: then this is a new attempt that supersedes it (the old line stays
   * in the file; readers prefer the later record, see supersedes in src/core/runFiles.ts).
   * `key` is recordKey(record), for a caller that has it already.
   */
  append(record: InvocationRecord, key: string = recordKey(record)): void {
    this.checkWritable();
    const earlier = this.byKey.get(key);
    if (earlier && !supersedes(record, earlier)) throw new Error(`Internal error: invocation ${key} is already recorded in ${this.runDir}.`);
    this.writeLine(`${JSON.stringify(record)}\n`);
    if (earlier) {
      this.records = this.records.filter((r) => r !== earlier);
      this.supersededRecords.push(earlier);
    }
    this.byKey.set(key, record);
    this.records.push(record);
  }

  updateMetadata(change: Partial<RunMetadata>): void {
    this.checkWritable();
    this.metadata = { ...this.metadata, ...change, updatedAt: new Date().toISOString() };
    this.writeMetadata();
  }

  /**
   * Written before append returns, to a descriptor kept open in append mode (opening and closing the
   * file for each record cost more than the write). The data is in the kernel once writeSync returns,
   * so a crash or kill -9 of this process cannot lose it; a partial write (e.g. disk full) continues
   * with the rest, and a failure leaves at most a torn last line, which the next open cuts off.
   */
  private writeLine(line: string): void {
    if (this.fd === null) this.fd = fs.openSync(path.join(this.runDir, INVOCATIONS_FILE), 'a');
    // The string is written as it is (no copy into a Buffer first); only a partial write, which a
    // regular file gives at most when the disk fills, goes on from the bytes not yet written.
    const written = fs.writeSync(this.fd, line);
    if (written === Buffer.byteLength(line, 'utf8')) return;
    const bytes = Buffer.from(line, 'utf8');
    let offset = written;
    while (offset < bytes.length) offset += fs.writeSync(this.fd, bytes, offset, bytes.length - offset);
  }

  private checkWritable(): void {
    if (this.readOnly) throw new Error(`Internal error: ${this.runDir} was opened read-only.`);
    if (!this.lock) throw new Error(`Internal error: ${this.runDir} was closed (its lock released); it can no longer be written.`);
  }

  /** Written to a temp file and renamed, so run.json is never half-written. */
  private writeMetadata(): void {
    const runFile = path.join(this.runDir, RUN_FILE);
    const temp = `${runFile}.${process.pid}.tmp`;
    fs.writeFileSync(temp, `${JSON.stringify(this.metadata, null, 2)}\n`);
    fs.renameSync(temp, runFile);
  }
}

/** Default folder for runs: `<base>/.lambda-lab/runs`. */
export { runsFolder } from '../runs/runFolders';
