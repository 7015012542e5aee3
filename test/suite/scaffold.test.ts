// Lambda Lab: Scaffold Experiment Function, run for real in the extension host against a folder in
// the test workspace: the template's files arrive byte for byte, nothing else is added (nothing is
// installed), existing files are never overwritten without `overwrite`, and the handler is opened.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { activateExtension, listTree, openTabPaths, workspaceDir } from './extensionUnderTest';
import { harnessBridge } from './harnessBridge';

interface ScaffoldResult {
  targetDir: string;
  files: string[];
  conflicts?: string[];
}

/** Files the template ships, relative and '/'-separated; a developer's node_modules is not part of it. */
function templateFiles(templateDir: string): string[] {
  return listTree(templateDir, new Set(['node_modules', '.DS_Store'])).filter((entry) => !entry.endsWith('/'));
}

suite('Scaffold command', () => {
  let templateDir: string;
  let targetName: string;
  let targetDir: string;

  suiteSetup(async () => {
    const extension = await activateExtension();
    templateDir = path.join(extension.extensionPath, 'lambda-template');
    assert.ok(fs.existsSync(path.join(templateDir, 'index.mjs')), `${templateDir}/index.mjs is missing`);
  });

  setup(() => {
    targetName = `scaffold-test-${process.pid}-${Date.now()}`;
    targetDir = path.join(workspaceDir(), targetName);
  });

  teardown(async () => {
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    await vscode.commands.executeCommand('notifications.clearAll');
    fs.rmSync(targetDir, { recursive: true, force: true });
  });

  test('copies exactly the template into a new workspace folder and opens the handler', async () => {
    const expected = templateFiles(templateDir);
    assert.ok(expected.includes('index.mjs') && expected.includes('package.json'), `unexpected template listing: ${expected.join(', ')}`);

    const result = (await vscode.commands.executeCommand('lambdaLab.scaffold', { targetDir: targetName })) as ScaffoldResult;

    assert.equal(result.targetDir, targetDir, 'a relative targetDir resolves against the first workspace folder');
    assert.deepEqual([...result.files].sort(), expected);
    // Nothing but the template: no node_modules, no lock file (it installs nothing).
    assert.deepEqual(
      listTree(targetDir).filter((entry) => !entry.endsWith('/')),
      expected,
    );
    for (const file of expected) {
      assert.ok(fs.readFileSync(path.join(targetDir, file)).equals(fs.readFileSync(path.join(templateDir, file))), `${file} differs from the template`);
    }

    const handler = path.join(targetDir, 'index.mjs');
    assert.ok(openTabPaths().includes(handler), `index.mjs is not open; open tabs: ${openTabPaths().join(', ')}`);
    assert.equal(vscode.window.activeTextEditor?.document.uri.fsPath, handler);

    const bridge = harnessBridge();
    if (bridge) {
      // The real workbench in Chromium shows the handler's tab.
      const tab = await bridge.waitForFrame<string>(
        `() => [...document.querySelectorAll('.tabs-container .tab')].map((t) => t.getAttribute('aria-label') ?? t.textContent ?? '').find((label) => label.includes('index.mjs')) ?? ''`,
        { timeoutMs: 10_000 },
      );
      assert.ok(tab.value);
      await bridge.screenshot('scaffold-handler-open');
    }
  });

  test('refuses to overwrite existing files unless told to', async () => {
    await vscode.commands.executeCommand('lambdaLab.scaffold', { targetDir: targetName });
    const edited = path.join(targetDir, 'index.mjs');
    const userEdit = '// the user changed this file\n';
    fs.writeFileSync(edited, userEdit);
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');

    const second = (await vscode.commands.executeCommand('lambdaLab.scaffold', { targetDir: targetName })) as ScaffoldResult;

    assert.deepEqual(second.files, [], 'nothing may be written when files exist');
    assert.deepEqual([...(second.conflicts ?? [])].sort(), templateFiles(templateDir), 'every existing template file is reported');
    assert.equal(fs.readFileSync(edited, 'utf8'), userEdit, "the user's file was overwritten");

    const forced = (await vscode.commands.executeCommand('lambdaLab.scaffold', { targetDir: targetName, overwrite: true })) as ScaffoldResult;

    assert.deepEqual([...forced.files].sort(), templateFiles(templateDir));
    assert.ok(fs.readFileSync(edited).equals(fs.readFileSync(path.join(templateDir, 'index.mjs'))), 'overwrite: true restores the template');
  });

  test('accepts an absolute target folder', async () => {
    const result = (await vscode.commands.executeCommand('lambdaLab.scaffold', { targetDir })) as ScaffoldResult;
    assert.equal(result.targetDir, targetDir);
    assert.ok(fs.existsSync(path.join(targetDir, 'run-local.mjs')));
  });
});
