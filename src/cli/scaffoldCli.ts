// `lambda-lab scaffold <dir> [--force]`: copy the template function into a folder.
import * as path from 'node:path';
import type { CliCommand } from './cliCommands';
import { parseCliArgs } from './cliArgs';
import { findTemplateDir, nextStepCommand, scaffoldTemplate } from '../scaffold/scaffolder';

const usage = `Usage: lambda-lab scaffold <dir> [--force]

Copies the experiment function (index.mjs, hashWorker.mjs, run-local.mjs, package.json, README.md)
into <dir>, creating it if needed. Installs nothing. Refuses to overwrite existing files unless
--force is given.

  --force      Overwrite files that already exist in <dir>.
  -h, --help   This help.
`;

export const scaffoldCli: CliCommand = {
  summary: 'Copy the template experiment function into a folder',
  run,
};

async function run(argv: string[]): Promise<number> {
  const parsed = parseCliArgs('scaffold', usage, argv, { force: { type: 'boolean' } }, true);
  if (typeof parsed === 'number') return parsed;
  if (parsed.positionals.length !== 1) {
    process.stderr.write(
      `lambda-lab scaffold: expected one folder, got ${parsed.positionals.length === 0 ? 'none' : parsed.positionals.join(' ')}.\n\n${usage}`,
    );
    return 2;
  }
  if (parsed.positionals[0].trim() === '') {
    process.stderr.write(
      `lambda-lab scaffold: the folder name is empty. Name the folder to put the function in, e.g. lambda-lab scaffold lambda-parallel-lab (or . for the current folder).\n`,
    );
    return 2;
  }
  const targetDir = path.resolve(parsed.positionals[0]);
  try {
    const templateDir = await findTemplateDir(__dirname);
    const result = await scaffoldTemplate({ templateDir, targetDir, force: parsed.values.force === true });
    process.stdout.write(
      `Wrote ${result.files.length} files to ${result.targetDir}:\n${result.files.map((f) => `  ${f}\n`).join('')}\nNext: ${nextStepCommand(parsed.positionals[0])}\n`,
    );
    return 0;
  } catch (error) {
    process.stderr.write(`lambda-lab scaffold: ${(error as Error).message}\n`);
    return 1;
  }
}
