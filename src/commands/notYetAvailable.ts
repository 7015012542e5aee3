import * as vscode from 'vscode';

/** Registers commands that are contributed but not built yet: they tell the user so and do nothing. */
export function registerNotYetAvailable(context: vscode.ExtensionContext, commandIds: string[]): void {
  for (const id of commandIds) {
    context.subscriptions.push(
      vscode.commands.registerCommand(id, async () => {
        const message = `Lambda Lab: "${id}" is not available yet in this version of Lambda Parallel Lab.`;
        void vscode.window.showWarningMessage(message);
        return { available: false, message };
      }),
    );
  }
}
