// `lambda-lab cleanup`: delete every function tagged with the experiment, and the role on request.
import type { CliCommand } from './cliCommands';
import { parseCliArgs } from './cliArgs';
import { runAgainstTarget, targetFlagOptions, targetFlagsHelp } from './targetFlags';
import { createIamClient, createLambdaClient, type ResolvedTarget } from '../aws/lambdaTarget';
import { validateExperimentId } from '../core/experimentValidation';
import { cleanupExperiment } from '../deploy/cleanup';
import { describeCleanup } from '../deploy/cleanupSummary';

const usage = `Usage: lambda-lab cleanup --experiment <id> [--delete-role] [target options]

Deletes every Lambda function tagged with the experiment id (only those: other functions are
never touched), and with --delete-role the role lambda-parallel-lab-<id> if Lambda Lab created it.

  --experiment <id>    Experiment id.
  --delete-role        Also delete the execution role this product created for the experiment.
  --json               Print the result as JSON on stdout.

${targetFlagsHelp}
`;

export const cleanupCli: CliCommand = {
  summary: "Delete an experiment's functions (and optionally its role)",
  run,
};

async function run(argv: string[]): Promise<number> {
  const parsed = parseCliArgs('cleanup', usage, argv, {
    ...targetFlagOptions,
    experiment: { type: 'string' },
    'delete-role': { type: 'boolean' },
    json: { type: 'boolean' },
  });
  if (typeof parsed === 'number') return parsed;
  const { values } = parsed;
  let experimentId: string;
  try {
    if (!values.experiment) throw new Error('--experiment <id> is required.');
    experimentId = validateExperimentId(values.experiment);
  } catch (error) {
    process.stderr.write(`lambda-lab cleanup: ${(error as Error).message}\n`);
    return 2;
  }

  const refuseRoleOnBuiltInEndpoint = (resolved: ResolvedTarget) => {
    if (values['delete-role'] && resolved.builtInEndpoint) {
      throw new Error('The built-in endpoint has no roles to delete; run cleanup without --delete-role.');
    }
  };
  return runAgainstTarget(
    'cleanup',
    values,
    async (target) => {
      const client = createLambdaClient(target);
      try {
        const result = await cleanupExperiment({
          client,
          experimentId,
          deleteRole: values['delete-role'],
          iam: values['delete-role'] ? createIamClient(target) : undefined,
          onDeleted: (name) => process.stderr.write(`  deleted ${name}\n`),
        });
        process.stdout.write(
          values.json ? JSON.stringify({ experimentId, target: target.label, ...result }, null, 2) + '\n' : describeCleanup(experimentId, result) + '\n',
        );
        return result.failures.length > 0 ? 1 : 0;
      } finally {
        client.destroy();
      }
    },
    refuseRoleOnBuiltInEndpoint,
  );
}
