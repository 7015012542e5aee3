// Tells the Lambda Lab view that the functions on the target changed (Deploy, Clean Up), so it
// lists them again; run folders it watches itself.
import * as vscode from 'vscode';

const emitter = new vscode.EventEmitter<void>();
export const onExperimentsChanged = emitter.event;

export function notifyExperimentsChanged(): void {
  emitter.fire();
}
