// Driving VS Code's quick input (command palette, QuickPick, InputBox) the way a user does: typing
// and pressing keys through the harness bridge. Shared by the suite tests that go through the UI.
import type { HarnessBridge } from './harnessBridge';

export const QUICK_INPUT = '.quick-input-widget';

/** The steps, bound to a bridge that the test's `before` hook sets (read when a step runs). */
export function quickInputSteps(bridgeOf: () => HarnessBridge) {
  const STEP = `${QUICK_INPUT} .monaco-list-row, ${QUICK_INPUT} .quick-input-message, ${QUICK_INPUT} .quick-input-title`;
  /** Waits for a QuickPick row, an input box's prompt or a title showing `text`. */
  async function waitForStep(text: string, timeoutMs = 60_000): Promise<void> {
    await bridgeOf().waitForSelector(STEP, { text, timeoutMs });
  }
  return {
    waitForStep,
    /**
     * Right-clicks `row`, clicks the menu's `item` and waits for the step it opens. A click that
     * lands while the tree view redraws the whole tree reaches no node (VS Code forgets every row
     * until the view lists its root again; Clean Up then says to choose it again); like a user, the
     * test then closes the menu and clicks again (at most 3 times, each retry written to the run
     * log). The view redraws the whole tree only when experiments come or go, so no retry is expected.
     */
    async contextMenuToStep(row: string, item: string, step: string): Promise<void> {
      const bridge = bridgeOf();
      for (let attempt = 1; ; attempt++) {
        await bridge.click(row, { button: 'right' });
        await bridge.click(`.monaco-menu .action-label:has-text(${JSON.stringify(item)})`, { timeoutMs: 10_000 });
        try {
          await waitForStep(step, 20_000);
          return;
        } catch (error) {
          if (attempt >= 3) throw error;
          await bridge.log(`  "${item}" from the context menu opened no "${step}" within 20 s (attempt ${attempt}): closing, clicking again`);
          await bridge.press('Escape');
        }
      }
    },
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
