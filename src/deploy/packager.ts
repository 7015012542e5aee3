// Turns the template folder into a Lambda deployment package: esbuild bundles every top-level
// .mjs (the handler and its worker file(s), which the handler loads by relative URL) with their
// dependencies, and fflate zips them deterministically (fixed timestamps, sorted entries), so the
// same code always gives the same CodeSha256 and an unchanged function need not be updated.
import * as esbuild from 'esbuild';
import { zipSync, type Zippable } from 'fflate';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import * as path from 'node:path';

export interface FunctionPackage {
  zip: Uint8Array;
  /** base64 SHA-256 of the zip, as Lambda reports CodeSha256. */
  codeSha256: string;
  sizeBytes: number;
  /** Files in the zip, sorted. */
  files: string[];
}

/** Top-level files that are tools for the developer, not part of the function. */
const NOT_ENTRY_POINTS = new Set(['run-local.mjs']);
/** DOS timestamps are local time; building the date from local parts gives the same bytes in every time zone. */
const FIXED_MTIME = new Date(1980, 0, 1, 0, 0, 0);

export class PackagingError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PackagingError';
  }
}

export async function packageFunction(templateDir: string): Promise<FunctionPackage> {
  const root = path.resolve(templateDir);
  const entries = (await readdir(root).catch(() => {
    throw new PackagingError(`The function folder ${root} does not exist or cannot be read.`);
  }))
    .filter((name) => name.endsWith('.mjs') && !NOT_ENTRY_POINTS.has(name))
    .sort();
  if (!entries.includes('index.mjs')) {
    throw new PackagingError(`${root} has no index.mjs; the packager expects the handler in index.mjs (handler "index.handler").`);
  }
  let result: esbuild.BuildResult<{ write: false; metafile: false }>;
  try {
    result = await esbuild.build({
      absWorkingDir: root,
      entryPoints: entries.map((name) => path.join(root, name)),
      outdir: path.join(root, '.lambda-lab-bundle'), // not written: write is false
      bundle: true,
      write: false,
      platform: 'node',
      format: 'esm',
      target: 'node20',
      outExtension: { '.js': '.mjs' },
      entryNames: '[name]',
      // bcryptjs from the template's own node_modules if installed, else from this extension's.
      nodePaths: [path.join(root, 'node_modules'), ...extensionNodeModules()],
      // CommonJS dependencies may call require() for Node built-ins inside an ESM bundle.
      banner: { js: "import { createRequire as __lambdaLabCreateRequire } from 'node:module';\nconst require = __lambdaLabCreateRequire(import.meta.url);" },
      legalComments: 'eof',
      sourcemap: false,
      logLevel: 'silent',
    });
  } catch (error) {
    const failure = error as esbuild.BuildFailure;
    const messages = failure.errors?.map((e) => `${e.location ? `${e.location.file}:${e.location.line}: ` : ''}${e.text}`).join('\n') ?? String(error);
    throw new PackagingError(`Bundling ${root} failed:\n${messages}\nInstall the function's dependencies (npm install in that folder) or fix the import.`);
  }
  const files: Zippable = {};
  for (const output of [...result.outputFiles].sort((a, b) => (a.path < b.path ? -1 : 1))) {
    files[path.basename(output.path)] = [output.contents, { mtime: FIXED_MTIME, os: 3, attrs: (0o100644 << 16) >>> 0 }];
  }
  const zip = zipSync(files, { level: 9, mtime: FIXED_MTIME });
  return {
    zip,
    codeSha256: createHash('sha256').update(zip).digest('base64'),
    sizeBytes: zip.length,
    files: Object.keys(files),
  };
}

/** node_modules folders of this extension / CLI install, found upward from this file. */
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
