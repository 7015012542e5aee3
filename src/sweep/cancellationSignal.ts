// VS Code cancels with a CancellationToken, the sweep engine stops on an AbortSignal: this joins
// them, so the Cancel button aborts the sweep's calls in flight (and the built-in endpoint then
// stops those invocations' environments). Typed structurally, so it is tested without VS Code.

/** The part of vscode.CancellationToken used here. */
export interface CancellationTokenLike {
  readonly isCancellationRequested: boolean;
  onCancellationRequested(listener: (e: unknown) => unknown): { dispose(): unknown };
}

/** An AbortSignal that aborts when the token is cancelled (at once if it already is); dispose() stops listening. */
export function abortSignalFor(token: CancellationTokenLike): { signal: AbortSignal; dispose(): void } {
  const controller = new AbortController();
  if (token.isCancellationRequested) {
    controller.abort();
    return { signal: controller.signal, dispose: () => {} };
  }
  const subscription = token.onCancellationRequested(() => controller.abort());
  return { signal: controller.signal, dispose: () => void subscription.dispose() };
}
