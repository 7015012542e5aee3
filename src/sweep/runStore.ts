// Reads and writes one run's folder: run.json (metadata) and invocations.jsonl (one record a line).
// Each record is appended as soon as it arrives, as one whole line in one write call, so a crash
// or kill -9 loses at most the invocations in flight, and at worst leaves a torn last line that
// the next open detects, reports and cuts off.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { InvocationRecord } from '../core/invocationRecord';
import { INVOCATIONS_FILE, RUN_FILE, parseInvocationsJsonl, type RunMetadata } from '../core/runFiles';
import { recordKey } from '../core/sweepPlan';

export class RunStore {
  private readonly doneKeys = new Set<string>();

  private constructor(
    readonly runDir: string,
    private metadata: RunMetadata,
    private readonly records: InvocationRecord[],
    /** Problems found when the run was opened (torn last line, corrupt lines, duplicates). */
    readonly warnings: string[],
  ) {
    for (const record of records) this.doneKeys.add(recordKey(record));
  }

  /** Creates a new run folder; refuses to reuse one that already holds a run. */
  static create(runDir: string, metadata: RunMetadata): RunStore {
    fs.mkdirSync(runDir, { recursive: true });
    const runFile = path.join(runDir, RUN_FILE);
    if (fs.existsSync(runFile)) {
      throw new Error(`${runDir} already holds a run. Resume it with --resume ${runDir}, or choose another --out folder.`);
    }
    const store = new RunStore(runDir, metadata, [], []);
    fs.writeFileSync(path.join(runDir, INVOCATIONS_FILE), '', { flag: 'a' });
    store.writeMetadata();
    return store;
  }

  /** Opens an existing run for resuming or reading. Repairs a torn last line (with a warning). */
  static open(runDir: string, options: { repair?: boolean } = {}): RunStore {
    const runFile = path.join(runDir, RUN_FILE);
    if (!fs.existsSync(runFile)) {
      throw new Error(`No run found in ${runDir} (${RUN_FILE} is missing). Pass the folder of an earlier sweep, e.g. .lambda-lab/runs/<run-id>.`);
    }
    let metadata: RunMetadata;
    try {
      metadata = JSON.parse(fs.readFileSync(runFile, 'utf8')) as RunMetadata;
    } catch (error) {
      throw new Error(`${runFile} is not valid JSON (${error instanceof Error ? error.message : String(error)}); the run cannot be resumed.`);
    }
    const invocationsFile = path.join(runDir, INVOCATIONS_FILE);
    const text = fs.existsSync(invocationsFile) ? fs.readFileSync(invocationsFile, 'utf8') : '';
    const parsed = parseInvocationsJsonl(text, invocationsFile);
    if (options.repair !== false) {
      const size = Buffer.byteLength(text, 'utf8');
      // Cut a torn last line off, and end a complete last line with its newline, so that the
      // next append starts on a fresh line and the file stays valid JSONL.
      if (parsed.validLength < size) fs.truncateSync(invocationsFile, parsed.validLength);
      if (parsed.needsNewline) fs.appendFileSync(invocationsFile, '\n');
    }
    return new RunStore(runDir, metadata, parsed.records, parsed.warnings);
  }

  get meta(): RunMetadata {
    return this.metadata;
  }

  get invocations(): readonly InvocationRecord[] {
    return this.records;
  }

  has(key: string): boolean {
    return this.doneKeys.has(key);
  }

  /** Appends one record as one line; a key already stored is refused (no duplicates). */
  append(record: InvocationRecord): void {
    const key = recordKey(record);
    if (this.doneKeys.has(key)) throw new Error(`Internal error: invocation ${key} is already recorded in ${this.runDir}.`);
    fs.appendFileSync(path.join(this.runDir, INVOCATIONS_FILE), `${JSON.stringify(record)}\n`);
    this.doneKeys.add(key);
    this.records.push(record);
  }

  updateMetadata(change: Partial<RunMetadata>): void {
    this.metadata = { ...this.metadata, ...change, updatedAt: new Date().toISOString() };
    this.writeMetadata();
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
export function runsFolder(baseDir: string): string {
  return path.join(baseDir, '.lambda-lab', 'runs');
}
