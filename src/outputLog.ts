// The "Lambda Lab" output channel, shared by every command. Lines pass through redactSecrets on
// the way in, so an access key or secret that slips into an error message never reaches the log.
import * as vscode from 'vscode';
import { redactSecrets } from './core/redactSecrets';

export { redactSecrets };

export interface OutputLog {
  info(line: string): void;
  warn(line: string): void;
  error(line: string): void;
  show(): void;
}

let channel: vscode.LogOutputChannel | undefined;

/** The channel itself, for code that wants an OutputChannel (prefer outputLog(), which redacts). */
export function outputChannel(): vscode.LogOutputChannel {
  channel ??= vscode.window.createOutputChannel('Lambda Lab', { log: true });
  return channel;
}

/** The shared log (created on first use; disposed with the extension via registerOutputLog). */
export function outputLog(): OutputLog {
  const c = outputChannel();
  return {
    info: (line) => c.info(redactSecrets(line)),
    warn: (line) => c.warn(redactSecrets(line)),
    error: (line) => c.error(redactSecrets(line)),
    show: () => c.show(true),
  };
}

export function registerOutputLog(context: vscode.ExtensionContext): OutputLog {
  const log = outputLog();
  context.subscriptions.push({
    dispose: () => {
      channel?.dispose();
      channel = undefined;
    },
  });
  return log;
}
