// The CLI's subcommands. Add one file per subcommand and one line here.
export interface CliCommand {
  summary: string;
  run(argv: string[]): Promise<number>;
}

export const cliCommands: Record<string, CliCommand> = {};
