// Reading a source tree's imports as text, for the tests that hold the layering (corePurity,
// layers): no compiler needed, and a failure names the file and the import.
import { readdirSync } from 'node:fs';
import path from 'node:path';

const repoRoot = path.resolve(__dirname, '../..', __dirname.includes(`${path.sep}out${path.sep}`) ? '..' : '.');

/** A folder of the repository (src, media…) as it is in the source tree, not in out/. */
export function sourceDir(...parts: string[]): string {
  return path.join(repoRoot, ...parts);
}

/** Every .ts file below a folder. */
export function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    return entry.isDirectory() ? sourceFiles(full) : entry.name.endsWith('.ts') ? [full] : [];
  });
}

/** Module names in import/export-from statements, dynamic import() and require(). */
export function importedModules(source: string): string[] {
  const pattern = /(?:\bfrom\s*|\bimport\s*\(\s*|\brequire\s*\(\s*|^\s*import\s+)['"]([^'"]+)['"]/gm;
  return [...source.matchAll(pattern)].map((match) => match[1]);
}
