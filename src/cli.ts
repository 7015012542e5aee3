// `lambda-lab`: the headless entry to everything the extension does (see README).
// Each subcommand lives in src/cli/<name>Cli.ts and exports `run(argv): Promise<number>` (exit code).
import './cli/sdkEnvironment'; // first: before the AWS SDK loads
import { cliCommands } from './cli/cliCommands';

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(usage());
    return name ? 0 : 2;
  }
  const command = cliCommands[name];
  if (!command) {
    process.stderr.write(`lambda-lab: unknown command "${name}".\n\n${usage()}`);
    return 2;
  }
  return command.run(rest);
}

function usage(): string {
  const lines = Object.entries(cliCommands).map(([name, c]) => `  ${name.padEnd(10)} ${c.summary}`);
  return `Usage: lambda-lab <command> [options]\n\nCommands:\n${lines.join('\n')}\n\nRun "lambda-lab <command> --help" for a command's options.\n`;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`lambda-lab: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  },
);
