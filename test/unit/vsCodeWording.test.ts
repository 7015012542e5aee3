// Every message the shared code words for the CLI, as VS Code shows it: no command-line flag and no
// `lambda-lab` command is left. The messages are read from the sources (each string or template
// literal outside the CLI that names a flag), so a new one is checked without being listed here.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { inVsCodeWords } from '../../src/commands/vsCodeWording';

const srcDir = path.resolve(__dirname, '../../../src');

/** Files whose flags are not messages to a VS Code user: the CLI itself and process arguments. */
const NOT_VS_CODE = [
  /^cli\//,
  /^cli\.ts$/,
  /^replay\//,
  /^localEndpoint\/cpuLimiter\.ts$/,
  /^core\/analysis\/analysisReport\.ts$/,
  // Measuring your own function is a CLI feature so far (no VS Code command reaches these); a command that does needs rules for them.
  /^core\/ownFunction\.ts$/,
  /^ownFunction\//,
  // The rules themselves.
  /^commands\/vsCodeWording\.ts$/,
  // Commands of the AWS CLI (`aws sso login --profile …`): the user's own next step, there is no VS Code action for it.
  /^aws\/credentialErrors\.ts$/,
];

/** Shell commands a button runs in a terminal ("Try It in a Terminal"), not advice to type a flag. */
const TERMINAL_COMMANDS = [/node run-local\.mjs --workers/];

/** String and template literals naming one of our flags (an AWS CLI command such as `aws sso login --profile` is the user's next step, not ours). */
function flagMessages(): Array<{ where: string; text: string }> {
  const found: Array<{ where: string; text: string }> = [];
  for (const relative of (fs.readdirSync(srcDir, { recursive: true }) as string[]).filter((f) => f.endsWith('.ts')).sort()) {
    const file = relative.split(path.sep).join('/');
    if (NOT_VS_CODE.some((pattern) => pattern.test(file))) continue;
    const lines = fs.readFileSync(path.join(srcDir, relative), 'utf8').split('\n');
    lines.forEach((line, index) => {
      if (/^\s*(\/\/|\*|\/\*)/.test(line)) return;
      for (const match of line.matchAll(/`(?:[^`\\]|\\.)*`|'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*"/g)) {
        const text = match[0]
          .slice(1, -1)
          .replace(/\\`/g, '`')
          .replace(/\$\{[^}]*\}/g, 'x');
        if (TERMINAL_COMMANDS.some((pattern) => pattern.test(text))) continue;
        if (/(^|[\s(])--[a-z]/.test(text.replace(/`aws [^`]*`/g, ''))) found.push({ where: `src/${file}:${index + 1}`, text });
      }
    });
  }
  return found;
}

test('the shared messages that name CLI flags are found (the scan works)', () => {
  const where = flagMessages().map((m) => m.where);
  assert.ok(
    where.some((w) => w.startsWith('src/aws/executionRole.ts')),
    where.join('\n'),
  );
  assert.ok(
    where.some((w) => w.startsWith('src/sweep/sweepSession.ts')),
    where.join('\n'),
  );
});

test('in VS Code words, none of them names a flag or a lambda-lab command', () => {
  const left = flagMessages()
    .map(({ where, text }) => ({ where, shown: inVsCodeWords(text) }))
    .filter(({ shown }) => /(^|[\s(])--[a-z]/.test(shown.replace(/`aws [^`]*`/g, '')) || /\blambda-lab [a-z]/.test(shown));
  assert.deepEqual(left, []);
});

test('the advice keeps its meaning: settings and commands instead of flags', () => {
  assert.equal(
    inVsCodeWords('Functions need an execution role: pass --role <arn> (VS Code: lambdaLab.roleArn), or --create-role to create a minimal one (trusts x).'),
    'Functions need an execution role: set the setting lambdaLab.roleArn, or let Deploy create a minimal one (trusts x).',
  );
  assert.equal(
    inVsCodeWords('No AWS region chosen. Pass --region <name> (VS Code: lambdaLab.region), set AWS_REGION, or add "region = ..." to the profile.'),
    'No AWS region chosen. Set the setting lambdaLab.region, set AWS_REGION, or add "region = ..." to the profile.',
  );
  assert.equal(
    inVsCodeWords(
      'No functions of experiment "e" were found on this target. Deploy it first (lambda-lab deploy --experiment e --memory ...), or check the target and region.',
    ),
    'No functions of experiment "e" were found on this target. Deploy it first, or check the target and region.',
  );
  assert.equal(
    inVsCodeWords(
      'The template folder /w/f does not exist. Create it with `lambda-lab scaffold f` (VS Code: "Lambda Lab: Scaffold Experiment Function"), or pass --template <dir>.',
    ),
    'The template folder /w/f does not exist. Create it with "Lambda Lab: Scaffold Experiment Function", or choose another folder.',
  );
});
