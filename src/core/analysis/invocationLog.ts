// Reads a run directory `.lambda-lab/runs/<run-id>/` (run.json + invocations.jsonl) for analysis.
// Corrupt lines are reported with file and line and skipped; a torn last line (the sweep was
// killed mid-write) is ignored with a warning — the parsing rules live in ../runFiles.ts.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { InvocationRecord } from '../invocationRecord';
import { INVOCATIONS_FILE, parseInvocationsJsonl, RUN_FILE, type RunMetadata } from '../runFiles';

export interface RunLog {
  dir: string;
  /** null when run.json is missing or unreadable (a warning says which). */
  meta: RunMetadata | null;
  records: InvocationRecord[];
  warnings: string[];
}

export function isRunDirectory(dir: string): boolean {
  return existsSync(join(dir, INVOCATIONS_FILE));
}

export function readRunMetadata(dir: string, warnings: string[]): RunMetadata | null {
  const file = join(dir, RUN_FILE);
  if (!existsSync(file)) {
    warnings.push(`${file}: not found; region and items per invocation are unknown (us-east-1 prices are used).`);
    return null;
  }
  try {
    const value: unknown = JSON.parse(readFileSync(file, 'utf8'));
    if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new Error('not a JSON object');
    return value as RunMetadata;
  } catch (error) {
    warnings.push(`${file}: cannot be read as run metadata (${error instanceof Error ? error.message : String(error)}); it is ignored.`);
    return null;
  }
}

export function readInvocationsFile(file: string, warnings: string[]): InvocationRecord[] {
  const parsed = parseInvocationsJsonl(readFileSync(file, 'utf8'), file);
  warnings.push(...parsed.warnings);
  return parsed.records;
}

export function readRunLog(dir: string): RunLog {
  const warnings: string[] = [];
  const file = join(dir, INVOCATIONS_FILE);
  if (!existsSync(file)) {
    throw new Error(`${dir} is not a run directory: it has no ${INVOCATIONS_FILE}. Pass a folder under .lambda-lab/runs/, CSV files, or a folder of CSVs.`);
  }
  const meta = readRunMetadata(dir, warnings);
  const records = readInvocationsFile(file, warnings);
  return { dir, meta, records, warnings };
}
