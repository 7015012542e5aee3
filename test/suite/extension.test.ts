// The extension activates, contributes and registers its five commands, and every one of them is
// the real command: called with arguments it cannot use, each fails with its own specific message, before any prompt and without changing anything.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { CONTRIBUTED_COMMANDS, activateExtension, listTree, openTabPaths, workspaceDir } from './extensionUnderTest';
import { harnessBridge } from './harnessBridge';

interface ContributedCommand {
  command: string;
  title: string;
  category?: string;
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

  test('the five commands are the ones this suite checks below', () => {
    assert.deepEqual([...CONTRIBUTED_COMMANDS].sort(), Object.keys(unusableArguments).sort());
  });
});

/** Per command: arguments it cannot use, and the specific failure the real command gives for them. */
const unusableArguments: Record<string, { args: () => unknown; error: RegExp }> = {
  // A folder below a regular file cannot be created.
  'lambdaLab.scaffold': { args: () => ({ targetDir: path.join(probeFile(), 'function') }), error: /ENOTDIR|not a directory/ },
  'lambdaLab.deploy': {
    args: () => ({ templateDir: missingFolder() }),
    error: /The function folder .*llab-missing-.* does not exist\. Scaffold the experiment function first/,
  },
  'lambdaLab.cleanup': { args: () => ({ experimentId: 'Not An Id!', confirmed: true }), error: /experiment id .*Not An Id!.* is not allowed/ },
  // The built-in endpoint starts (the Local target), then the run to resume is not there.
  'lambdaLab.runSweep': { args: () => ({ target: { kind: 'local' }, resumeDir: missingFolder() }), error: /No run found in .*llab-missing-/ },
  // Show Results reports a missing run in an error notification and returns nothing.
  'lambdaLab.showResults': { args: () => ({ runDir: missingFolder() }), error: /llab-missing-\S* does not exist\. Run a sweep first/ },
};

let scratch: string | undefined;
function scratchDir(): string {
  scratch ??= fs.mkdtempSync(path.join(os.tmpdir(), 'llab-suite-commands-'));
  return scratch;
}
function probeFile(): string {
  const file = path.join(scratchDir(), 'a-file');
  fs.writeFileSync(file, 'not a folder');
  return file;
}
function missingFolder(): string {
  return path.join(scratchDir(), `llab-missing-${Math.random().toString(36).slice(2)}`);
}

suite('Every command is the real one', () => {
  suiteSetup(async () => {
    await activateExtension();
  });
  teardown(async () => {
    await vscode.commands.executeCommand('notifications.clearAll');
    await vscode.commands.executeCommand('notifications.hideList');
  });
  suiteTeardown(() => {
    if (scratch) fs.rmSync(scratch, { recursive: true, force: true });
  });

  for (const [id, probe] of Object.entries(unusableArguments)) {
    test(`${id} rejects unusable arguments with its own message and changes nothing`, async function () {
      this.timeout(120_000); // Run Sweep starts the built-in endpoint first
      const workspace = workspaceDir();
      const filesBefore = listTree(workspace);
      const tabsBefore = openTabPaths();
      const terminalsBefore = vscode.window.terminals.length;

      let outcome: { result?: unknown; error?: unknown };
      try {
        outcome = { result: await vscode.commands.executeCommand(id, probe.args()) };
      } catch (error) {
        outcome = { error };
      }
      if (id === 'lambdaLab.showResults') {
        assert.equal(outcome.error, undefined, `${id} threw ${String(outcome.error)}`);
        assert.equal(outcome.result, undefined, `${id} returned ${JSON.stringify(outcome.result)} for a missing run`);
        await assertNotified(probe.error);
      } else {
        assert.ok(outcome.error instanceof Error, `${id} did not fail: it returned ${JSON.stringify(outcome.result)}`);
        assert.match(outcome.error.message, probe.error);
      }

      assert.deepEqual(listTree(workspace), filesBefore, 'the workspace changed');
      assert.deepEqual(openTabPaths(), tabsBefore, 'editors were opened or closed');
      assert.equal(vscode.window.terminals.length, terminalsBefore, 'a terminal was opened');
    });
  }
});

/** In the real browser: the message reached the user (tests get no toasts, so look in the notification centre). */
async function assertNotified(message: RegExp): Promise<void> {
  const bridge = harnessBridge();
  if (!bridge) return;
  await vscode.commands.executeCommand('notifications.showList');
  const shown = await bridge.waitForFrame<string>(
    `(source) => { const text = document.querySelector('.notifications-center')?.innerText ?? ''; return new RegExp(source).test(text) ? text : ''; }`,
    { arg: message.source, timeoutMs: 10_000 },
  );
  assert.match(shown.value ?? '', message);
}
