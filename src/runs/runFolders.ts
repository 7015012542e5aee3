// The one scanner of run folders (`.lambda-lab/runs/<run-id>/`): Show Results lists them, Run Sweep
// offers to resume unfinished ones, and analysis finds runs nested in a folder it was given.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { INVOCATIONS_FILE, RUN_FILE, type RunMetadata } from '../core/runFiles';

export interface RunFolder {
  dir: string;
  /** The folder's name (run.json's runId when readable, which is the same for our runs). */
  runId: string;
  /** run.json as a JSON object, or null when missing or unreadable. */
  meta: RunMetadata | null;
  hasInvocations: boolean;
}

/** A folder is a run when it holds invocations.jsonl or run.json. */
export function isRunFolder(dir: string): boolean {
  return existsSync(join(dir, INVOCATIONS_FILE)) || existsSync(join(dir, RUN_FILE));
}

export function hasRecordedInvocations(dir: string): boolean {
  return existsSync(join(dir, INVOCATIONS_FILE));
}

function readMeta(dir: string): RunMetadata | null {
  try {
    const value: unknown = JSON.parse(readFileSync(join(dir, RUN_FILE), 'utf8'));
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as RunMetadata) : null;
  } catch {
    return null; // missing or torn: the run is still listed, by folder name
  }
}

/** The run folders directly inside `parent`, in name order; [] when `parent` does not exist. */
export function scanRunFolders(parent: string): RunFolder[] {
  let names: string[];
  try {
    names = readdirSync(parent).sort();
  } catch {
    return [];
  }
  const runs: RunFolder[] = [];
  for (const name of names) {
    const dir = join(parent, name);
    try {
      if (!statSync(dir).isDirectory() || !isRunFolder(dir)) continue;
    } catch {
      continue; // vanished while scanning
    }
    const meta = readMeta(dir);
    runs.push({ dir, runId: name, meta, hasInvocations: hasRecordedInvocations(dir) });
  }
  return runs;
}

/** Where a workspace keeps its runs: `<folder>/.lambda-lab/runs`. */
export function runsFolder(baseDir: string): string {
  return join(baseDir, '.lambda-lab', 'runs');
}
