// Activation time of the extension, measured OUTSIDE the real extension host: the production bundle
// (built in memory as `npm run package` builds it) is loaded in a fresh Node process with a minimal
// stand-in for the `vscode` module (every API call answers with a harmless object), and the time from
// require() to activate() returning is taken, over several fresh processes. What it leaves out: the
// real host's own work (extension scanning, the API's real objects, the status bar and tree view
// drawing). When the bundle exports activationTiming (the extension's own clock), that is printed too.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as esbuild from 'esbuild';
import { commandFor, median, measured, onCleanup, repoRoot, round, unavailable, type BenchOptions, type Measure } from './common';

/** Runs in the child: a vscode stand-in, then require + activate, timed; prints one JSON line. */
export const ACTIVATION_CHILD = String.raw`
const Module = require('node:module');
const anything = () => {
  const target = function () {};
  const proxy = new Proxy(target, {
    get(_t, key) {
      if (key === 'then') return undefined;
      if (key === Symbol.iterator) return function* () {};
      if (key === Symbol.toPrimitive) return () => '';
      if (key === 'dispose') return () => undefined;
      return proxy;
    },
    set() { return true; },
    apply() { return proxy; },
    construct() { return proxy; },
  });
  return proxy;
};
// The names the vscode module exports, from its type definitions (esbuild's interop copies a module's own keys).
const names = new Set();
for (const m of require('node:fs').readFileSync(process.argv[4], 'utf8').matchAll(/^\s+export (?:declare )?(?:class|namespace|enum|const|function|let) (\w+)/gm)) names.add(m[1]);
const vscode = new Proxy({}, {
  get(_t, key) { return key === 'then' ? undefined : anything(); },
  has(_t, key) { return names.has(key); },
  ownKeys() { return [...names]; },
  getOwnPropertyDescriptor(_t, key) { return names.has(key) ? { configurable: true, enumerable: true, writable: false, value: anything() } : undefined; },
});
const load = Module._load;
Module._load = function (request, ...rest) { return request === 'vscode' ? vscode : load.call(this, request, ...rest); };
const context = { subscriptions: [], extensionPath: process.argv[3], extensionUri: vscode, globalState: vscode, workspaceState: vscode,
  secrets: vscode, globalStorageUri: vscode, storageUri: undefined, logUri: vscode, extension: vscode, environmentVariableCollection: vscode,
  asAbsolutePath: (p) => require('node:path').join(process.argv[3], p) };
const started = performance.now();
const extension = require(process.argv[2]);
const required = performance.now();
const exported = extension.activate(context);
const activated = performance.now();
process.stdout.write(JSON.stringify({ requireMs: required - started, activateMs: activated - required, totalMs: activated - started,
  own: exported && exported.activationTiming ? exported.activationTiming : null, subscriptions: context.subscriptions.length }) + '\n');
process.exit(0);
`;

interface ChildResult {
  requireMs: number;
  activateMs: number;
  totalMs: number;
  own: { activateMs: number; loadAndActivateMs: number } | null;
  subscriptions: number;
}

export async function measureActivation(options: BenchOptions): Promise<Measure[]> {
  const command = commandFor('activation', options.quick);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lambda-lab-bench-activation-'));
  onCleanup(() => fs.rmSync(dir, { recursive: true, force: true }));
  const bundle = path.join(dir, 'extension.js');
  await esbuild.build({
    entryPoints: [path.join(repoRoot, 'src/extension.ts')],
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    minify: true,
    sourcemap: false,
    external: ['vscode'],
    outfile: bundle,
    logLevel: 'silent',
  });
  const vscodeTypes = path.join(repoRoot, 'node_modules/@types/vscode/index.d.ts');
  const childFile = path.join(dir, 'child.js');
  fs.writeFileSync(childFile, ACTIVATION_CHILD);
  const runs: ChildResult[] = [];
  const count = options.quick ? 5 : 11;
  for (let i = 0; i < count; i++) {
    const child = spawnSync(process.execPath, [childFile, bundle, repoRoot, vscodeTypes], { encoding: 'utf8', timeout: 60_000 });
    const line = child.stdout.trim().split('\n').pop() ?? '';
    if (child.status !== 0 || !line.startsWith('{')) {
      return [
        unavailable(
          'activationMs',
          'ms',
          'none',
          `activate() failed under the vscode stand-in (exit ${child.status}): ${(child.stderr || child.stdout).trim().split('\n').slice(-2).join(' ')}`,
          command,
        ),
      ];
    }
    runs.push(JSON.parse(line) as ChildResult);
  }
  const value = round(median(runs.map((r) => r.totalMs)), 1);
  const own = runs.every((r) => r.own !== null) ? runs.map((r) => r.own!) : null;
  return [
    measured('activationMs', value, 'ms', 'none (smaller is better)', null, command, [
      'MEASURED OUTSIDE THE REAL EXTENSION HOST: the production bundle required and activate() called in a fresh Node process ' +
        `with a stand-in for the vscode module; median of ${count} processes`,
      `require of the bundle ${median(runs.map((r) => r.requireMs)).toFixed(1)} ms + activate() ${median(runs.map((r) => r.activateMs)).toFixed(1)} ms ` +
        `= ${value} ms (all: ${runs.map((r) => r.totalMs.toFixed(0)).join(', ')}); ${runs[0].subscriptions} disposables registered`,
      own
        ? `the extension's own clock (activationTiming): activate ${median(own.map((o) => o.activateMs)).toFixed(1)} ms, ` +
          `with loading ${median(own.map((o) => o.loadAndActivateMs)).toFixed(1)} ms`
        : "this build does not export activationTiming (the extension's own clock in the real host)",
    ]),
  ];
}
