// Messages shown in VS Code offer VS Code actions, never command-line flags. No vscode import.

/**
 * The sweep engine and session word some reasons for the command line; in VS Code the same advice
 * names the setting or the choice in Run Sweep instead, and CLI examples in parentheses are dropped.
 */
export function inVsCodeWords(message: string): string {
  return message
    .replace(/Resume with a higher --max-cost-usd to (\w+)\./g, 'Raise the setting lambdaLab.maxCostUsd and resume the run to $1.')
    .replace(/resume with --retry-errors/g, 'resume the run and choose "retry failed invocations"')
    .replace(/\s*\((?:CLI: )?lambda-lab [^)]*\)/g, '');
}
