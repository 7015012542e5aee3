import * as vscode from 'vscode';
import { registerNotYetAvailable } from './commands/notYetAvailable';

export function activate(context: vscode.ExtensionContext): void {
  // Commands not built yet say so plainly instead of pretending to work.
  registerNotYetAvailable(context, ['lambdaLab.scaffold', 'lambdaLab.deploy', 'lambdaLab.runSweep', 'lambdaLab.showResults', 'lambdaLab.cleanup']);
}

export function deactivate(): void {}
