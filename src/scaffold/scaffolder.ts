// Copies the template function into a user's folder. Plain Node fs, no VS Code: the CLI and the
// command share it. It never installs anything and never overwrites without `force`.
import * as fs from 'node:fs/promises';
import * as path from 'node:path';

/** Folders and files that belong to a local checkout, not to the template. */
const SKIPPED_NAMES = new Set(['node_modules', '.DS_Store']);

export interface ScaffoldOptions {
  templateDir: string;
  targetDir: string;
  /** Overwrite files that already exist in the target. */
  force?: boolean;
}

export interface ScaffoldResult {
  targetDir: string;
  /** Paths written, relative to targetDir, '/'-separated, sorted. */
  files: string[];
}

/** Raised when the target already has some of the template's files and `force` was not given. */
export class ScaffoldConflictError extends Error {
  constructor(
    readonly targetDir: string,
    readonly conflicts: string[],
  ) {
    super(
      `${targetDir} already has ${conflicts.length === 1 ? 'a file' : 'files'} the template would overwrite: ${conflicts.join(', ')}. ` +
        'Choose another folder, or overwrite them (--force on the command line).',
    );
    this.name = 'ScaffoldConflictError';
  }
}

/** The template's files, relative and '/'-separated, without node_modules. */
export async function listTemplateFiles(templateDir: string): Promise<string[]> {
  let stat;
  try {
    stat = await fs.stat(templateDir);
  } catch {
    throw new Error(`The template folder ${templateDir} does not exist. Reinstall Lambda Parallel Lab, or pass the right folder.`);
  }
  if (!stat.isDirectory()) throw new Error(`The template path ${templateDir} is not a folder.`);
  const files: string[] = [];
  const walk = async (dir: string, prefix: string): Promise<void> => {
    const entries = await fs.readdir(dir, { withFileTypes: true });
    for (const entry of entries) {
      if (SKIPPED_NAMES.has(entry.name)) continue;
      const relative = prefix ? `${prefix}/${entry.name}` : entry.name;
      if (entry.isDirectory()) await walk(path.join(dir, entry.name), relative);
      else if (entry.isFile()) files.push(relative);
    }
  };
  await walk(templateDir, '');
  if (files.length === 0) throw new Error(`The template folder ${templateDir} is empty.`);
  return files.sort();
}

async function exists(file: string): Promise<boolean> {
  try {
    await fs.lstat(file);
    return true;
  } catch {
    return false;
  }
}

/** Target files that already exist (relative paths). */
export async function findConflicts(templateDir: string, targetDir: string): Promise<string[]> {
  const files = await listTemplateFiles(templateDir);
  const found = await Promise.all(files.map(async (file) => ((await exists(path.join(targetDir, file))) ? file : null)));
  return found.filter((file): file is string => file !== null);
}

export async function scaffoldTemplate(options: ScaffoldOptions): Promise<ScaffoldResult> {
  // path.resolve('') is the current folder: an empty name must not quietly scaffold there.
  if (options.targetDir.trim() === '')
    throw new Error('The folder name is empty. Name the folder to put the function in, e.g. lambda-parallel-lab (or . for the current folder).');
  const templateDir = path.resolve(options.templateDir);
  const targetDir = path.resolve(options.targetDir);
  if (targetDir === templateDir || targetDir.startsWith(templateDir + path.sep)) {
    throw new Error(`Cannot scaffold into the template folder itself (${targetDir}). Choose a folder outside ${templateDir}.`);
  }
  if ((await exists(targetDir)) && !(await fs.stat(targetDir)).isDirectory()) {
    throw new Error(`${targetDir} is a file, not a folder. Choose a folder to put the function in.`);
  }
  const files = await listTemplateFiles(templateDir);
  if (!options.force) {
    const conflicts = await findConflicts(templateDir, targetDir);
    if (conflicts.length > 0) throw new ScaffoldConflictError(targetDir, conflicts);
  }
  for (const file of files) {
    const destination = path.join(targetDir, file);
    try {
      await makeFolders(path.dirname(destination));
      await fs.copyFile(path.join(templateDir, file), destination);
    } catch (error) {
      throw new Error(
        `Cannot write ${destination} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}). Choose a folder you can write to, e.g. one in your home folder.`,
        { cause: error },
      );
    }
  }
  return { targetDir, files };
}

/**
 * mkdir -p, one level at a time from the nearest existing folder. Node's own recursive mkdir never
 * returns for some paths (e.g. under /proc, where mkdir says ENOENT for a parent that exists).
 */
async function makeFolders(dir: string): Promise<void> {
  const missing: string[] = [];
  let current = path.resolve(dir);
  while (!(await exists(current))) {
    missing.unshift(current);
    const parent = path.dirname(current);
    if (parent === current) break;
    current = parent;
  }
  for (const folder of missing) {
    try {
      await fs.mkdir(folder);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
  }
}

/**
 * The template folder shipped with the product: `lambda-template/` next to the folder holding the
 * running bundle (dist/ -> repo or extension root). Walks up a few levels so compiled-but-unbundled
 * code (out/src/cli/) finds it too.
 */
export async function findTemplateDir(startDir: string): Promise<string> {
  let dir = path.resolve(startDir);
  for (let level = 0; level < 5; level++) {
    const candidate = path.join(dir, 'lambda-template');
    if (await exists(path.join(candidate, 'index.mjs'))) return candidate;
    const parent = path.dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  throw new Error(`Could not find the lambda-template folder near ${startDir}. Reinstall Lambda Parallel Lab.`);
}

/** What the user types next, for the folder they scaffolded into. */
export function nextStepCommand(targetDir: string): string {
  const quoted = /^[\w@%+=:,./-]+$/.test(targetDir) ? targetDir : `"${targetDir.replace(/(["\\$`])/g, '\\$1')}"`;
  return `cd ${quoted} && npm install && node run-local.mjs --workers 2`;
}
