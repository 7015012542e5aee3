// The CLI's subcommands. Add one file per subcommand and one line here.
import { sweepCli } from './sweepCli';
import { demoCli } from './demoCli';
import { deployCli } from './deployCli';
import { cleanupCli } from './cleanupCli';
import { scaffoldCli } from './scaffoldCli';
import { analyzeCli } from './analyzeCli';
import { exportCli } from './exportCli';
import { endpointCli } from './endpointCli';

export interface CliCommand {
  summary: string;
  run(argv: string[]): Promise<number>;
}

export const cliCommands: Record<string, CliCommand> = {
  scaffold: scaffoldCli,
  deploy: deployCli,
  cleanup: cleanupCli,
  sweep: sweepCli,
  demo: demoCli,
  analyze: analyzeCli,
  export: exportCli,
  endpoint: endpointCli,
};
