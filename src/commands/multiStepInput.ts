// QuickPick and InputBox steps of a multi-step flow: each shows "step n of m" and a Back button
// from the second step on. A step resolves with the answer, or rejects with BACK (Back button) or
// CANCELLED (Escape, focus lost with nothing entered).
import * as vscode from 'vscode';

export const BACK = Symbol('back');
export const CANCELLED = Symbol('cancelled');

export interface StepPosition {
  title: string;
  step: number;
  totalSteps: number;
}

export function pickStep<T extends vscode.QuickPickItem>(position: StepPosition, items: readonly T[], placeholder: string, active?: T): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const pick = vscode.window.createQuickPick<T>();
    Object.assign(pick, { title: position.title, step: position.step, totalSteps: position.totalSteps, placeholder, items, ignoreFocusOut: true });
    if (active) pick.activeItems = [active];
    pick.buttons = position.step > 1 ? [vscode.QuickInputButtons.Back] : [];
    let settled = false;
    const finish = (action: () => void) => {
      if (settled) return;
      settled = true;
      action();
      pick.dispose();
    };
    pick.onDidTriggerButton((button) => button === vscode.QuickInputButtons.Back && finish(() => reject(BACK)));
    pick.onDidAccept(() => {
      const chosen = pick.selectedItems[0] ?? pick.activeItems[0];
      if (chosen) finish(() => resolve(chosen));
    });
    pick.onDidHide(() => finish(() => reject(CANCELLED)));
    pick.show();
  });
}

export function inputStep(position: StepPosition, prompt: string, value: string, validate: (text: string) => string | undefined): Promise<string> {
  return new Promise<string>((resolve, reject) => {
    const input = vscode.window.createInputBox();
    Object.assign(input, { title: position.title, step: position.step, totalSteps: position.totalSteps, prompt, value, ignoreFocusOut: true });
    input.buttons = position.step > 1 ? [vscode.QuickInputButtons.Back] : [];
    let settled = false;
    const finish = (action: () => void) => {
      if (settled) return;
      settled = true;
      action();
      input.dispose();
    };
    input.onDidTriggerButton((button) => button === vscode.QuickInputButtons.Back && finish(() => reject(BACK)));
    input.onDidChangeValue((text) => (input.validationMessage = validate(text)));
    input.onDidAccept(() => {
      const problem = validate(input.value);
      input.validationMessage = problem;
      if (!problem) finish(() => resolve(input.value));
    });
    input.onDidHide(() => finish(() => reject(CANCELLED)));
    input.show();
  });
}
