// The extension activates, contributes and registers its five commands, and the commands that are
// not built yet say so plainly and do nothing (issue 2: "No command may pretend to work").
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { CONTRIBUTED_COMMANDS, EXTENSION_ID, activateExtension, listTree, openTabPaths, workspaceDir } from './extensionUnderTest';
import { harnessBridge } from './harnessBridge';
// Compiled by tsc next to this suite (out/src/...); the extension itself runs from the bundle.
import { registerNotYetAvailable } from '../../src/commands/notYetAvailable';

const PLACEHOLDER_PROBE_ID = 'lambdaLab.test.placeholderProbe';

interface ContributedCommand {
  command: string;
  title: string;
  category?: string;
}

/**
 * The commands src/extension.ts still registers as placeholders. Read from the source so this
 * suite follows along as commands get built: each one leaves the list when it works, and then its
 * own tests take over. Calling a real command here would open prompts, so only placeholders are called.
 */
function notYetAvailableCommandIds(): string[] {
  const extension = vscode.extensions.getExtension(EXTENSION_ID);
  if (!extension) return [];
  const source = fs.readFileSync(path.join(extension.extensionPath, 'src/extension.ts'), 'utf8');
  const call = /registerNotYetAvailable\(\s*\w+\s*,\s*\[([^\]]*)\]/.exec(source);
  return call ? [...call[1]!.matchAll(/['"]([\w.]+)['"]/g)].map((match) => match[1]!) : [];
}

suite('Extension', () => {
  test('activates', async () => {
    const extension = await activateExtension();
    assert.equal(extension.isActive, true);
  });

  test('contributes the five workflow commands, all in the "Lambda Lab" category', async () => {
    const extension = await activateExtension();
    const contributed = (extension.packageJSON.contributes?.commands ?? []) as ContributedCommand[];
    const ids = contributed.map((c) => c.command);
    const missing = CONTRIBUTED_COMMANDS.filter((id) => !ids.includes(id));
    assert.deepEqual(missing, [], `not contributed: ${missing.join(', ')}`);
    for (const command of contributed) {
      assert.equal(command.category, 'Lambda Lab', `${command.command} has category ${command.category}`);
      assert.ok(command.title.trim().length > 0, `${command.command} has no title`);
    }
  });

  test('registers a handler for every contributed command', async () => {
    const extension = await activateExtension();
    const contributed = ((extension.packageJSON.contributes?.commands ?? []) as ContributedCommand[]).map((c) => c.command);
    const registered = new Set(await vscode.commands.getCommands(true));
    const missing = contributed.filter((id) => !registered.has(id));
    assert.deepEqual(missing, [], `contributed but not registered: ${missing.join(', ')}`);
  });

  test('Scaffold is a real command, and only contributed commands are placeholders', () => {
    const placeholders = notYetAvailableCommandIds();
    assert.ok(!placeholders.includes('lambdaLab.scaffold'), 'Scaffold must work in this version, not be a placeholder');
    for (const id of placeholders) assert.ok(CONTRIBUTED_COMMANDS.includes(id), `placeholder ${id} is not a contributed command`);
  });
});

suite('Commands that are not available yet', () => {
  suiteSetup(async () => {
    await activateExtension();
  });
  teardown(async () => {
    await vscode.commands.executeCommand('notifications.clearAll');
    await vscode.commands.executeCommand('notifications.hideList');
  });

  // The placeholder itself, under a command id of its own: stays covered once every real
  // command is built and the list in src/extension.ts is empty.
  test('the placeholder says it is not available and changes nothing', async () => {
    const context = { subscriptions: [] as vscode.Disposable[] } as unknown as vscode.ExtensionContext;
    registerNotYetAvailable(context, [PLACEHOLDER_PROBE_ID]);
    try {
      await assertNotAvailableAndHarmless(PLACEHOLDER_PROBE_ID);
    } finally {
      for (const disposable of context.subscriptions) disposable.dispose();
    }
  });

  for (const id of notYetAvailableCommandIds()) {
    test(`${id} says it is not available and changes nothing`, () => assertNotAvailableAndHarmless(id));
  }
});

async function assertNotAvailableAndHarmless(id: string): Promise<void> {
  const workspace = workspaceDir();
  const filesBefore = listTree(workspace);
  const tabsBefore = openTabPaths();
  const terminalsBefore = vscode.window.terminals.length;

  const result = (await vscode.commands.executeCommand(id)) as { available?: unknown; message?: unknown } | undefined;

  assert.equal(typeof result, 'object', `${id} returned ${JSON.stringify(result)}, not {available:false, message}`);
  assert.equal(result!.available, false);
  assert.equal(typeof result!.message, 'string');
  assert.match(result!.message as string, /not available yet/);
  assert.ok((result!.message as string).includes(id), 'the message names the command');
  assert.deepEqual(Object.keys(result!).sort(), ['available', 'message']);

  assert.deepEqual(listTree(workspace), filesBefore, 'the workspace changed');
  assert.deepEqual(openTabPaths(), tabsBefore, 'editors were opened or closed');
  assert.equal(vscode.window.terminals.length, terminalsBefore, 'a terminal was opened');

  // In the real browser: the message reached the user. (VS Code shows no toasts while
  // extension tests run, so look in the notification centre.)
  const bridge = harnessBridge();
  if (bridge) {
    await vscode.commands.executeCommand('notifications.showList');
    const shown = await bridge.waitForFrame<string>(
      `(id) => { const text = document.querySelector('.notifications-center')?.innerText ?? ''; return text.includes(id) ? text : ''; }`,
      { arg: id, timeoutMs: 10_000 },
    );
    assert.match(shown.value ?? '', /not available yet/);
  }
}
