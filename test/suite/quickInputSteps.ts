// Driving VS Code's quick input (command palette, QuickPick, InputBox) the way a user does: typing
// and pressing keys through the harness bridge. Shared by the suite tests that go through the UI.
import type { HarnessBridge } from './harnessBridge';

export const QUICK_INPUT = '.quick-input-widget';

/** The steps, bound to a bridge that the test's `before` hook sets (read when a step runs). */
export function quickInputSteps(bridgeOf: () => HarnessBridge) {
  /** Waits for a QuickPick row, an input box's prompt or a title showing `text`. */
  async function waitForStep(text: string): Promise<void> {
    await bridgeOf().waitForSelector(`${QUICK_INPUT} .monaco-list-row, ${QUICK_INPUT} .quick-input-message, ${QUICK_INPUT} .quick-input-title`, {
      text,
      timeoutMs: 60_000,
    });
  }
  return {
    waitForStep,
    /** Runs a palette command by typing its title and pressing Enter. */
    async runFromPalette(title: string): Promise<void> {
      const bridge = bridgeOf();
      await bridge.press('F1');
      await bridge.waitForSelector(`${QUICK_INPUT} .quick-input-box input`);
      await bridge.type(title);
      await bridge.waitForSelector(`${QUICK_INPUT} .monaco-list-row`, { text: title.replace(/^Lambda Lab: /, '') });
      await bridge.press('Enter');
    },
    /** Replaces an input box's value and accepts it. */
    async answer(prompt: string, value: string): Promise<void> {
      await waitForStep(prompt);
      const bridge = bridgeOf();
      await bridge.press('Control+A');
      await bridge.type(value);
      await bridge.press('Enter');
    },
  };
}
