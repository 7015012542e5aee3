// Shared helpers for suite tests: the extension under test, the test workspace, open editors.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';

export const EXTENSION_ID = 'lambda-parallel-lab.lambda-parallel-lab';

export const CONTRIBUTED_COMMANDS = ['lambdaLab.scaffold', 'lambdaLab.deploy', 'lambdaLab.runSweep', 'lambdaLab.showResults', 'lambdaLab.cleanup'];

/** Activates the extension (idempotent) and returns it. */
export async function activateExtension(): Promise<vscode.Extension<unknown>> {
  const extension = vscode.extensions.getExtension(EXTENSION_ID);
  assert.ok(extension, `Extension ${EXTENSION_ID} is not installed in this extension host (check extensionDevelopmentPath).`);
  await extension.activate();
  return extension;
}

/** The first workspace folder's path; both launchers open a throw-away folder. */
export function workspaceDir(): string {
  const folder = vscode.workspace.workspaceFolders?.[0];
  assert.ok(folder, 'The test window has no workspace folder; the launcher must open one.');
  return folder.uri.fsPath;
}

/** Absolute paths of every file open in an editor tab, in any group. */
export function openTabPaths(): string[] {
  return vscode.window.tabGroups.all
    .flatMap((group) => group.tabs)
    .map((tab) => (tab.input instanceof vscode.TabInputText ? tab.input.uri.fsPath : `(${tab.label})`));
}

/** Every file and folder under `root`, relative and '/'-separated, sorted; `skip` names are not entered. */
export function listTree(root: string, skip: ReadonlySet<string> = new Set()): string[] {
  const found: string[] = [];
  const walk = (dir: string, prefix: string): void => {
    if (!fs.existsSync(dir)) return;
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      if (skip.has(entry.name)) continue;
      const relative = prefix ? `${prefix}/${entry.name}` : entry.name;
      if (entry.isDirectory()) {
        found.push(`${relative}/`);
        walk(path.join(dir, entry.name), relative);
      } else {
        found.push(relative);
      }
    }
  };
  walk(root, '');
  return found.sort();
}
