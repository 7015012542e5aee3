// The import graph's layers, held by a test: each top-level part of src/ (a folder, or a file at its
// root) imports only its own layer and the layers below; inside a layer the parts import each other
// without a cycle; only the VS Code side loads `vscode`, and nothing else imports the VS Code side
// (so the CLI never needs VS Code); the webview (media/) uses only core and the shared protocol.
// A failure names the importing file and what it imports.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { importedModules, sourceDir, sourceFiles } from '../support/sourceImports';

/** Lowest first. A part not listed here fails the test until it is given a layer. */
const LAYERS: ReadonlyArray<{ name: string; parts: readonly string[] }> = [
  { name: 'core (pure: no disk, processes, SDK or VS Code)', parts: ['core'] },
  { name: 'adapters (AWS SDK, OS, run files, scaffold, webview protocol)', parts: ['aws', 'os', 'runs', 'scaffold', 'shared'] },
  { name: 'services (deploy, local endpoint, sweep, own function, replay)', parts: ['deploy', 'localEndpoint', 'sweep', 'ownFunction', 'replay'] },
  { name: 'VS Code side (output log, results view, target, tree view, commands)', parts: ['outputLog', 'results', 'target', 'views', 'commands'] },
  { name: 'entry points', parts: ['cli', 'extension'] },
];
const VSCODE_SIDE = new Set(['outputLog', 'results', 'target', 'views', 'commands', 'extension']);
const WEBVIEW_MAY_IMPORT = new Set(['core', 'shared']);

const srcDir = sourceDir('src');

/** src/a/b.ts → a; src/cli.ts → cli. */
function partOf(file: string): string {
  const [first, ...rest] = path.relative(srcDir, file).split(path.sep);
  return rest.length === 0 ? first.replace(/\.ts$/, '') : first;
}

interface Edge {
  from: string;
  to: string;
  file: string;
}

/** Imports between parts (relative imports that land in another part of src/), and `vscode` imports as parts named 'vscode'. */
function edgesOf(files: ReadonlyArray<{ file: string; source: string }>): Edge[] {
  return files.flatMap(({ file, source }) =>
    importedModules(source).flatMap((name): Edge[] => {
      if (name === 'vscode') return [{ from: partOf(file), to: 'vscode', file }];
      if (!name.startsWith('.')) return [];
      const target = path.resolve(path.dirname(file), name);
      if (!target.startsWith(srcDir + path.sep)) return [];
      const to = partOf(`${target}.ts`);
      return to === partOf(file) ? [] : [{ from: partOf(file), to, file }];
    }),
  );
}

function layerOf(part: string): number {
  return LAYERS.findIndex((layer) => layer.parts.includes(part));
}

/** Every way the edges break the rules, worded for the person who has to fix it. */
function violations(edges: readonly Edge[]): string[] {
  const where = (edge: Edge) => path.relative(srcDir, edge.file);
  const found: string[] = [];
  for (const edge of edges) {
    if (edge.to === 'vscode') {
      if (!VSCODE_SIDE.has(edge.from)) found.push(`${where(edge)} imports vscode, but ${edge.from} is not on the VS Code side`);
      continue;
    }
    const [from, to] = [layerOf(edge.from), layerOf(edge.to)];
    if (from < 0) found.push(`${where(edge)}: ${edge.from} has no layer (add it to LAYERS)`);
    else if (to < 0) found.push(`${where(edge)} imports ${edge.to}, which has no layer (add it to LAYERS)`);
    else if (to > from) found.push(`${where(edge)} imports ${edge.to}, a higher layer (${LAYERS[to].name}) than ${edge.from}'s (${LAYERS[from].name})`);
    if (VSCODE_SIDE.has(edge.to) && !VSCODE_SIDE.has(edge.from)) found.push(`${where(edge)} imports ${edge.to} from the VS Code side`);
  }
  // A cycle between parts (possible only inside a layer, given the rule above).
  const next = new Map<string, Set<string>>();
  for (const edge of edges) if (edge.to !== 'vscode') next.set(edge.from, (next.get(edge.from) ?? new Set()).add(edge.to));
  const done = new Set<string>();
  const visit = (part: string, trail: string[]): void => {
    if (trail.includes(part)) {
      found.push(`cycle: ${[...trail.slice(trail.indexOf(part)), part].join(' → ')}`);
      return;
    }
    if (done.has(part)) return;
    for (const to of next.get(part) ?? []) visit(to, [...trail, part]);
    done.add(part);
  };
  for (const part of [...next.keys()].sort()) visit(part, []);
  return found;
}

describe('the import graph keeps its layers', () => {
  const fakeFile = (part: string) => path.join(srcDir, part, 'x.ts');

  it('finds what it checks (the check can fail)', () => {
    const edges = edgesOf([
      { file: fakeFile('core'), source: `import { a } from '../sweep/a';\nimport * as vscode from 'vscode';` },
      { file: fakeFile('localEndpoint'), source: `import { b } from '../commands/b';` },
      { file: fakeFile('deploy'), source: `import { c } from '../sweep/c';` },
      { file: fakeFile('sweep'), source: `import { d } from '../deploy/d';\nimport { e } from './e';\nimport { f } from 'node:fs';` },
      { file: fakeFile('newPart'), source: `import { g } from '../core/g';` },
    ]);
    assert.deepEqual(violations(edges), [
      "core/x.ts imports sweep, a higher layer (services (deploy, local endpoint, sweep, own function, replay)) than core's (core (pure: no disk, processes, SDK or VS Code))",
      'core/x.ts imports vscode, but core is not on the VS Code side',
      "localEndpoint/x.ts imports commands, a higher layer (VS Code side (output log, results view, target, tree view, commands)) than localEndpoint's (services (deploy, local endpoint, sweep, own function, replay))",
      'localEndpoint/x.ts imports commands from the VS Code side',
      'newPart/x.ts: newPart has no layer (add it to LAYERS)',
      'cycle: sweep → deploy → sweep',
    ]);
  });

  it('every part of src/ imports only its own layer and those below, without cycles; only the VS Code side loads vscode', () => {
    const files = sourceFiles(srcDir).map((file) => ({ file, source: readFileSync(file, 'utf8') }));
    const edges = edgesOf(files);
    const parts = new Set(files.map(({ file }) => partOf(file)));
    assert.deepEqual(
      [...parts].filter((part) => layerOf(part) < 0),
      [],
      'parts of src/ with no layer',
    );
    assert.ok(edges.length > 100, `expected the imports between parts (found ${edges.length})`);
    assert.deepEqual(violations(edges), []);
    // The graph, for the record: each part and the parts it imports, layer by layer.
    const lines = LAYERS.map((layer, index) => {
      const uses = layer.parts.map((part) => {
        const to = [...new Set(edges.filter((e) => e.from === part).map((e) => e.to))].sort();
        return `${part}${to.length ? ` → ${to.join(', ')}` : ''}`;
      });
      return `${index} ${layer.name}: ${uses.join('; ')}`;
    });
    process.stdout.write(`\n${lines.join('\n')}\n\n`);
  });

  it('the webview (media/) imports from src/ only core and the shared protocol', () => {
    const offences = sourceFiles(sourceDir('media')).flatMap((file) =>
      importedModules(readFileSync(file, 'utf8'))
        .filter((name) => name.startsWith('.'))
        .map((name) => path.resolve(path.dirname(file), name))
        .filter((target) => target.startsWith(srcDir + path.sep) && !WEBVIEW_MAY_IMPORT.has(partOf(`${target}.ts`)))
        .map((target) => `${path.relative(sourceDir(), file)} imports ${path.relative(sourceDir(), target)}`),
    );
    assert.deepEqual(offences, []);
  });
});
