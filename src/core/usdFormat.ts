// The one way dollar amounts are written, for the CLI, VS Code messages and the results page.
// Pure and DOM-free: the webview bundle imports it too.

export interface UsdFormat {
  /**
   * 'total' (default) for sums people pay: cents ('$1.23'), two significant digits below a cent.
   * 'perInvocation' for one invocation's cost (millionths of a dollar): four decimals from a
   * cent up, three significant digits below, so neighbouring configurations stay distinguishable.
   */
  scale?: 'total' | 'perInvocation';
  /** Text for a missing or non-finite amount (default an en dash). */
  missing?: string;
}

export function formatUsd(usd: number | null | undefined, format: UsdFormat = {}): string {
  if (usd === null || usd === undefined || !Number.isFinite(usd)) return format.missing ?? '–';
  if (usd === 0) return '$0';
  const sign = usd < 0 ? '-' : '';
  const amount = Math.abs(usd);
  if (format.scale === 'perInvocation') return amount >= 0.01 ? `${sign}$${amount.toFixed(4)}` : `${sign}$${amount.toPrecision(3)}`;
  return amount < 0.01 ? `${sign}$${amount.toPrecision(2)}` : `${sign}$${amount.toFixed(2)}`;
}

/**
 * The cost of a sweep while it runs: "$0.12 so far" where invocations are billed, "$0.12 on AWS"
 * where they are not (the built-in endpoint, an endpoint on this machine), which is what the same
 * invocations would have cost on AWS Lambda, never a bill.
 */
export function runningCost(usd: number, bills: boolean): string {
  return `${formatUsd(usd)} ${bills ? 'so far' : 'on AWS'}`;
}
