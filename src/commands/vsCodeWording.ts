// Messages shown in VS Code offer VS Code actions, never command-line flags. No vscode import.
// Errors from the shared code (deploy, sweep, targets, the built-in endpoint) are worded for the
// `lambda-lab` CLI; the rules below say the same thing with VS Code's settings and commands.
// test/unit/vsCodeWording.test.ts feeds every such message through them.

const SCAFFOLD = '"Lambda Lab: Scaffold Experiment Function"';
const RUN_SWEEP = '"Lambda Lab: Run Sweep"';

const RULES: Array<[RegExp, string]> = [
  [/Resume with a higher --max-cost-usd to (\w+)\./g, 'Raise the setting lambdaLab.maxCostUsd and resume the run to $1.'],
  [/resume with --retry-errors/g, 'resume the run and choose "retry failed invocations"'],
  // "Pass --region <name> (VS Code: lambdaLab.region)" → "Set lambdaLab.region"
  [/Pass its ARN with --role \(VS Code: lambdaLab\.roleArn\)/g, 'Put its ARN in the setting lambdaLab.roleArn'],
  [/\bPass (?:its \w+ with )?--[a-z-]+(?: <[^>]+>)? \(VS Code: (lambdaLab\.\w+)\)/g, 'Set the setting $1'],
  [/\bpass (?:its \w+ with )?--[a-z-]+(?: <[^>]+>)? \(VS Code: (lambdaLab\.\w+)\)/g, 'set the setting $1'],
  [/, or --create-role to create a minimal one/g, ', or let Deploy create a minimal one'],
  [/Use either --role <arn> or --create-role, not both\./g, 'Use either the role in the setting lambdaLab.roleArn or a new one, not both.'],
  [/pass --endpoint <url>, /g, ''],
  [/Create it with `lambda-lab scaffold [^`]*` \(VS Code: "[^"]*"\), or pass --template <dir>\./g, `Create it with ${SCAFFOLD}, or choose another folder.`],
  [
    /Scaffold a fresh copy with `lambda-lab scaffold [^`]*`, or pass the right folder with --template\./g,
    `Scaffold a fresh copy with ${SCAFFOLD}, or choose the right folder.`,
  ],
  [/Resume it with --resume \S+, or choose another --out folder\./g, `Resume it from ${RUN_SWEEP}, or choose another folder.`],
  [/run `lambda-lab endpoint --verbose`, or see the Lambda Parallel Lab output channel/g, 'see the Lambda Lab output channel'],
  [/ \(--force on the command line\)/g, ''],
  [/deploy with --arch (\w+)/g, 'deploy for $1'],
  // CLI examples in parentheses: "(lambda-lab deploy --experiment x ...)", "(CLI: lambda-lab ...)", "(… give it another store (lambda-lab endpoint --store FOLDER))".
  [/\s*\((?:CLI: )?lambda-lab [^)]*\)/g, ''],
];

/**
 * The sweep engine and session word some reasons for the command line; in VS Code the same advice
 * names the setting or the choice in Run Sweep instead, and CLI examples in parentheses are dropped.
 */
export function inVsCodeWords(message: string): string {
  return RULES.reduce((text, [pattern, replacement]) => text.replace(pattern, replacement), message);
}
