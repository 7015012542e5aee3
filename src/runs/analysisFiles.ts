// Reads what analysis was given — run folders, CSV/JSONL files, folders of them — into
// (path, text) pairs for the pure loader in core/analysis/analysisInput.ts. Used by
// `lambda-lab analyze`/`export` and the results view alike, so both see the same files.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, extname, join } from 'node:path';
import { analyseInputFiles, type AnalysisInput, type InputFile, type PreparsedInvocations } from '../core/analysis/analysisInput';
import { INVOCATIONS_FILE, RUN_FILE } from '../core/runFiles';
import { hasRecordedInvocations, isRunFolder, scanRunFolders } from './runFolders';

const ANALYSABLE = ['.csv', '.jsonl'];

function readInput(path: string, named: boolean): InputFile {
  try {
    return { path, text: readFileSync(path, 'utf8'), named };
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return { path, text: null, readError: code === 'ENOENT' ? 'not found' : code === 'EISDIR' ? 'a folder, not a file' : String(error), named };
  }
}

function readRunFolder(dir: string): InputFile[] {
  // A missing run.json is passed on as unreadable: the loader warns that region and items are unknown.
  const files = [readInput(join(dir, RUN_FILE), true)];
  if (hasRecordedInvocations(dir)) files.push(readInput(join(dir, INVOCATIONS_FILE), true));
  return files;
}

/** A run folder's files with its invocations already parsed (the results view following a run), as `readAnalysisFiles` names them. */
export function runFolderFiles(dir: string, invocations: PreparsedInvocations): InputFile[] {
  return [readInput(join(dir, RUN_FILE), true), { path: join(dir, INVOCATIONS_FILE), text: null, named: true, invocations }];
}

/** The files behind `paths`: a run folder's files, files named, and analysable files and runs one level inside folders. */
export function readAnalysisFiles(paths: readonly string[]): InputFile[] {
  const files: InputFile[] = [];
  for (const path of paths) {
    let isDirectory: boolean;
    try {
      isDirectory = statSync(path).isDirectory();
    } catch {
      throw new Error(`${path}: no such file or directory.`);
    }
    if (!isDirectory) {
      // run.json named alone stands for its run.
      if (basename(path) === RUN_FILE) files.push(...readRunFolder(dirname(path)));
      else files.push(readInput(path, true));
      continue;
    }
    if (isRunFolder(path)) {
      files.push(...readRunFolder(path));
      continue;
    }
    const runs = scanRunFolders(path);
    const loose = readdirSync(path, { withFileTypes: true })
      .filter((entry) => entry.isFile() && ANALYSABLE.includes(extname(entry.name).toLowerCase()))
      .map((entry) => entry.name)
      .sort();
    if (runs.length === 0 && loose.length === 0) throw new Error(`${path}: no run (invocations.jsonl), CSV or .jsonl files found in this folder.`);
    for (const run of runs) files.push(...readRunFolder(run.dir));
    for (const name of loose) files.push(readInput(join(path, name), false));
  }
  return files;
}

/** Reads and classifies what `lambda-lab analyze` or the results view's Import was given. */
export function loadAnalysisInput(paths: readonly string[]): AnalysisInput {
  if (paths.length === 0) throw new Error('nothing to analyse: pass a run directory, CSV files, or a folder of CSV files.');
  return analyseInputFiles(readAnalysisFiles(paths));
}
