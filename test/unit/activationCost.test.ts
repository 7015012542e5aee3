// What activation loads: the AWS SDK, the built-in endpoint and the results view must wait until
// a command needs them. Runs the compiled extension in plain Node with a minimal stand-in for the
// `vscode` module (VS Code's API cannot be loaded outside its extension host; the code-server suite
// covers the real host) and then looks at which modules Node has loaded.
import test from 'node:test';
import assert from 'node:assert/strict';
import Module from 'node:module';
import * as path from 'node:path';

const repoRoot = path.resolve(__dirname, '../../..');

function fakeVscode(registered: Map<string, (...args: unknown[]) => unknown>, executed: unknown[][]) {
  const disposable = { dispose() {} };
  class EventEmitter {
    event = () => disposable;
    fire() {}
    dispose() {}
  }
  return {
    EventEmitter,
    StatusBarAlignment: { Left: 1, Right: 2 },
    ConfigurationTarget: { Global: 1, Workspace: 2 },
    commands: {
      registerCommand(id: string, handler: (...args: unknown[]) => unknown) {
        registered.set(id, handler);
        return { dispose: () => registered.delete(id) };
      },
      executeCommand: async (id: string, ...args: unknown[]) => {
        executed.push([id, ...args]);
      },
    },
    window: {
      createStatusBarItem: () => ({ show() {}, hide() {}, dispose() {} }),
      createTreeView: () => ({ onDidChangeVisibility: () => disposable, onDidChangeSelection: () => disposable, dispose() {} }),
      registerTreeDataProvider: () => disposable,
      registerWebviewPanelSerializer: () => disposable,
      createOutputChannel: () => ({ info() {}, warn() {}, error() {}, appendLine() {}, dispose() {} }),
    },
    workspace: {
      onDidChangeConfiguration: () => disposable,
      getConfiguration: () => ({ get: () => undefined, inspect: () => undefined }),
      workspaceFolders: undefined,
    },
  };
}

test('activation loads neither the AWS SDK nor the built-in endpoint nor the results view; commands load them on first use', async () => {
  const registered = new Map<string, (...args: unknown[]) => unknown>();
  const executed: unknown[][] = [];
  const vscode = fakeVscode(registered, executed);
  const moduleInternals = Module as unknown as { _load: (request: string, ...rest: unknown[]) => unknown };
  const originalLoad = moduleInternals._load;
  moduleInternals._load = function (request: string, ...rest: unknown[]) {
    return request === 'vscode' ? vscode : originalLoad.call(this, request, ...rest);
  };
  try {
    const extension = require(path.join(repoRoot, 'out/src/extension.js')) as { activate(context: unknown): void };
    extension.activate({ subscriptions: [], extensionPath: repoRoot, globalState: { get: () => undefined, update: async () => undefined } });
    const loaded = () => Object.keys(require.cache);
    const sdk = (files: string[]) => files.filter((file) => file.includes(`${path.sep}@aws-sdk${path.sep}`));
    const ours = (files: string[], folder: string) => files.filter((file) => file.includes(`${path.sep}out${path.sep}src${path.sep}${folder}${path.sep}`));
    assert.deepEqual(sdk(loaded()), [], 'the AWS SDK loads at activation');
    assert.deepEqual(ours(loaded(), 'localEndpoint'), [], 'the built-in endpoint loads at activation');
    assert.deepEqual(ours(loaded(), 'sweep'), [], 'the sweep engine loads at activation');
    assert.deepEqual(ours(loaded(), 'results'), [], 'the results view loads at activation');
    for (const id of ['lambdaLab.scaffold', 'lambdaLab.deploy', 'lambdaLab.runSweep', 'lambdaLab.showResults', 'lambdaLab.cleanup', 'lambdaLab.selectTarget']) {
      assert.ok(registered.has(id), `${id} is registered at activation`);
    }

    // First use of a stand-in loads its module, which registers the real command in its place,
    // and the call is passed on to it.
    const standIn = registered.get('lambdaLab.cleanup')!;
    await standIn({ experiment: 'demo' });
    assert.notEqual(registered.get('lambdaLab.cleanup'), standIn, 'the real Clean Up command replaced the stand-in');
    assert.deepEqual(executed, [['lambdaLab.cleanup', { experiment: 'demo' }]]);
    assert.ok(sdk(loaded()).length > 0, 'Clean Up needs the SDK: its first use loads it');
  } finally {
    moduleInternals._load = originalLoad;
  }
});
