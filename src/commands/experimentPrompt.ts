// Asks for an experiment id, remembering the last one used in this workspace.
import * as vscode from 'vscode';
import { validateExperimentId } from '../core/experimentValidation';

/** workspaceState key holding the last deployed experiment id (Run Sweep and Clean Up default to it). */
export const LAST_EXPERIMENT_KEY = 'lambdaLab.lastExperimentId';

export async function askExperimentId(context: vscode.ExtensionContext, action: string): Promise<string | undefined> {
  const text = await vscode.window.showInputBox({
    title: `${action}: experiment id`,
    prompt: 'Lowercase letters, digits and dashes; used in function names and tags',
    value: context.workspaceState.get<string>(LAST_EXPERIMENT_KEY) ?? 'demo',
    validateInput: (input) => {
      try {
        validateExperimentId(input.trim());
        return undefined;
      } catch (error) {
        return (error as Error).message;
      }
    },
  });
  return text === undefined ? undefined : validateExperimentId(text.trim());
}
