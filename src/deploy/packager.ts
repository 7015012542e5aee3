// Turns a function folder into a Lambda deployment package without a bundler: the function's own
// files plus its production dependencies under node_modules/, zipped deterministically (sorted
// entries, fixed timestamps, fixed 0644 modes, forward-slash relative names), so the same code
// gives the same CodeSha256 on every OS and an unchanged function need not be updated.
// Nothing here is native code, so Deploy works on every platform VS Code runs on.
import { zipSync, type Zippable } from 'fflate';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readdir, readFile, realpath, stat } from 'node:fs/promises';
import * as path from 'node:path';

export interface FunctionPackage {
  zip: Uint8Array;
  /** base64 SHA-256 of the zip, as Lambda reports CodeSha256. */
  codeSha256: string;
  sizeBytes: number;
  /** Files in the zip (forward-slash paths), sorted. */
  files: string[];
}

/** Files in the function folder that are tools or notes for the developer, not part of the function. */
const NOT_PACKAGED = new Set(['run-local.mjs', 'package-lock.json', 'README.md', 'lambda-lab.json']);
/** DOS timestamps are local time; building the date from local parts gives the same bytes in every time zone. */
const FIXED_MTIME = new Date(1980, 0, 1, 0, 0, 0);
/** Regular file, rw-r--r--: readable by the Lambda runtime's user whatever the mode on the developer's disk. */
const FILE_ATTRS = (0o100644 << 16) >>> 0;
/** A deployment package above this is refused by Lambda (direct upload limit). */
export const MAX_ZIP_BYTES = 50 * 1024 * 1024;

export class PackagingError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PackagingError';
  }
}

export interface PackageOptions {
  /**
   * node_modules folders searched for a dependency the function folder has not installed, in
   * order. Default: the ones shipped with this extension / CLI (they carry bcryptjs, which the
   * scaffolded function uses), so a freshly scaffolded folder deploys without npm install.
   */
  fallbackNodeModules?: string[];
}

export async function packageFunction(functionDir: string, options: PackageOptions = {}): Promise<FunctionPackage> {
  const root = path.resolve(functionDir);
  const rootStat = await stat(root).catch(() => undefined);
  if (!rootStat?.isDirectory()) throw new PackagingError(`The function folder ${root} does not exist or cannot be read.`);
  if (!existsSync(path.join(root, 'index.mjs'))) {
    throw new PackagingError(`${root} has no index.mjs; the packager expects the handler in index.mjs (handler "index.handler").`);
  }
  const files: Zippable = {};
  const add = (name: string, content: Uint8Array): void => {
    checkZipEntryName(name);
    files[name] = [content, { mtime: FIXED_MTIME, os: 3, attrs: FILE_ATTRS }];
  };

  for (const relative of await listFiles(root, (name, isDir) => !name.startsWith('.') && (isDir ? name !== 'node_modules' : !NOT_PACKAGED.has(name)))) {
    add(relative, await readFile(path.join(root, ...relative.split('/'))));
  }

  const fallbacks = options.fallbackNodeModules ?? extensionNodeModules();
  const included = new Set<string>();
  const pending = (await dependenciesOf(root)).map((name) => ({ name, from: root, requiredBy: 'the function' }));
  while (pending.length > 0) {
    const { name, from, requiredBy } = pending.shift()!;
    if (included.has(name)) continue;
    const packageDir = findPackage(name, from, root, fallbacks);
    if (packageDir === undefined) {
      throw new PackagingError(
        `${requiredBy === 'the function' ? 'The function' : `The package "${requiredBy}"`} depends on "${name}", which is not installed in ` +
          `${path.join(root, 'node_modules')} and is not one this extension ships (bcryptjs). ` +
          `Install it in the function folder (run npm install there: ${root}), then deploy again.`,
      );
    }
    included.add(name);
    for (const relative of await listFiles(packageDir, (entry, isDir) => !(isDir && entry === 'node_modules'))) {
      add(`node_modules/${name}/${relative}`, await readFile(path.join(packageDir, ...relative.split('/'))));
    }
    for (const dependency of await dependenciesOf(packageDir)) pending.push({ name: dependency, from: packageDir, requiredBy: name });
  }

  const sortedFiles: Zippable = {};
  for (const name of Object.keys(files).sort()) sortedFiles[name] = files[name];
  const zip = zipSync(sortedFiles, { level: 9, mtime: FIXED_MTIME });
  if (zip.length > MAX_ZIP_BYTES) {
    throw new PackagingError(
      `The package for ${root} is ${(zip.length / 1024 / 1024).toFixed(1)} MB; Lambda accepts at most 50 MB uploaded directly. Remove large files from the folder.`,
    );
  }
  return {
    zip,
    codeSha256: createHash('sha256').update(zip).digest('base64'),
    sizeBytes: zip.length,
    files: Object.keys(sortedFiles),
  };
}

/** Lambda unpacks on Linux: names must be relative, forward-slash, and stay inside the code root. */
export function checkZipEntryName(name: string): void {
  if (
    name === '' ||
    name.startsWith('/') ||
    name.includes('\\') ||
    /^[A-Za-z]:/.test(name) ||
    name.split('/').some((part) => part === '..' || part === '.' || part === '')
  ) {
    throw new PackagingError(`Refusing to put "${name}" into the package: entries must be relative forward-slash paths inside the function folder.`);
  }
}

async function dependenciesOf(packageDir: string): Promise<string[]> {
  let text: string;
  try {
    text = await readFile(path.join(packageDir, 'package.json'), 'utf8');
  } catch {
    return [];
  }
  try {
    const manifest = JSON.parse(text) as { dependencies?: Record<string, string> };
    return Object.keys(manifest.dependencies ?? {}).sort();
  } catch (error) {
    throw new PackagingError(`${path.join(packageDir, 'package.json')} is not valid JSON (${(error as Error).message}). Fix it, then deploy again.`);
  }
}

/** Node's lookup: node_modules next to the requiring package and upward to the function folder, then the fallbacks. */
function findPackage(name: string, from: string, root: string, fallbacks: string[]): string | undefined {
  const candidates: string[] = [];
  for (let dir = from; ; dir = path.dirname(dir)) {
    candidates.push(path.join(dir, 'node_modules'));
    if (dir === root || path.dirname(dir) === dir || path.relative(root, dir).startsWith('..')) break;
  }
  candidates.push(...fallbacks);
  for (const modules of candidates) {
    const dir = path.join(modules, ...name.split('/'));
    if (existsSync(path.join(dir, 'package.json'))) return dir;
  }
  return undefined;
}

/** Files under dir (following symlinks, each real folder once), relative with forward slashes, sorted. */
async function listFiles(dir: string, keep: (name: string, isDirectory: boolean) => boolean): Promise<string[]> {
  const out: string[] = [];
  const seen = new Set<string>();
  async function walk(current: string, prefix: string): Promise<void> {
    const real = await realpath(current);
    if (seen.has(real)) return;
    seen.add(real);
    for (const name of (await readdir(current)).sort()) {
      const full = path.join(current, name);
      const info = await stat(full).catch(() => undefined);
      if (!info) continue; // a dangling symlink is nothing the function can load
      if (info.isDirectory()) {
        if (keep(name, true)) await walk(full, `${prefix}${name}/`);
      } else if (info.isFile() && keep(name, false)) {
        out.push(`${prefix}${name}`);
      }
    }
  }
  await walk(dir, '');
  return out;
}

/** node_modules folders of this extension / CLI install that carry bcryptjs, found upward from this file. */
function extensionNodeModules(): string[] {
  const found: string[] = [];
  let dir = __dirname;
  for (;;) {
    const candidate = path.join(dir, 'node_modules');
    if (existsSync(path.join(candidate, 'bcryptjs'))) found.push(candidate);
    const parent = path.dirname(dir);
    if (parent === dir) return found;
    dir = parent;
  }
}
