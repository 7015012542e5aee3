// Status bar item showing where experiments run; clicking it switches the target (QuickPick).
import * as vscode from 'vscode';
import type { TargetChoice } from '../aws/lambdaTarget';
import type { LocalEndpointService } from './localEndpointService';
import { pickTarget } from './targetPicker';
import { longTargetLabel, readTargetChoice, saveTargetChoice, shortTargetLabel } from './targetSettings';

export const SELECT_TARGET_COMMAND = 'lambdaLab.selectTarget';

export class TargetStatusBarItem implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem('lambdaLab.target', vscode.StatusBarAlignment.Left, 50);
  private readonly disposables: vscode.Disposable[] = [];

  constructor(private readonly localEndpoints: LocalEndpointService) {
    this.item.name = 'Lambda Lab target';
    this.item.command = SELECT_TARGET_COMMAND;
    this.disposables.push(
      this.item,
      vscode.workspace.onDidChangeConfiguration((event) => {
        if (event.affectsConfiguration('lambdaLab')) this.refresh();
      }),
      localEndpoints.onDidChange(() => this.refresh()),
    );
    this.refresh();
    this.item.show();
  }

  refresh(): void {
    const choice = readTargetChoice();
    const icon = choice.kind === 'local' ? '$(server-process)' : choice.kind === 'endpoint' ? '$(link)' : '$(cloud)';
    this.item.text = `${icon} Lambda: ${shortTargetLabel(choice)}`;
    const running = this.localEndpoints.running;
    const localState =
      choice.kind === 'local' ? (running ? `\n\nRunning at ${running.endpoint} (CPU limit: ${running.cpuLimit})` : '\n\nStarts when a command needs it') : '';
    this.item.tooltip = `Lambda Lab target: ${longTargetLabel(choice)}${localState}\n\nClick to change`;
  }

  dispose(): void {
    for (const d of this.disposables) d.dispose();
  }
}

/** Registers the status bar item and the command it runs. */
export function registerTargetStatusBarItem(context: vscode.ExtensionContext, localEndpoints: LocalEndpointService): TargetStatusBarItem {
  const item = new TargetStatusBarItem(localEndpoints);
  context.subscriptions.push(
    item,
    vscode.commands.registerCommand(SELECT_TARGET_COMMAND, async (choice?: TargetChoice) => {
      const picked = choice ?? (await pickTarget());
      if (!picked) return undefined;
      await saveTargetChoice(picked);
      item.refresh();
      return picked;
    }),
  );
  return item;
}
