// `lambda-lab deploy`: package the template and create or update one function per (memory, arch).
import { MEMORY_MAX_MB, MEMORY_MIN_MB } from '../core/lambdaModel';
import type { CliCommand } from './cliCommands';
import { parseCliArgs } from './cliArgs';
import { runAgainstTarget, targetFlagOptions, targetFlagsHelp } from './targetFlags';
import { checkRoleChoice } from '../aws/executionRole';
import { statSync, type Stats } from 'node:fs';
import * as path from 'node:path';
import { MEMORY_PRESETS, findMemoryPreset, resolveMemorySelection } from '../core/memoryPresets';
import { parseArchitectureList, validateExperimentId } from '../core/experimentValidation';
import type { Architecture } from '../core/experimentConfig';
import { architecturesForTarget as architecturesFor } from '../core/hostArchitecture';
import { DEFAULT_DEPLOY_CONCURRENCY, DEFAULT_RUNTIME } from '../deploy/deployer';
import { deployToTarget } from '../deploy/deployToTarget';
import { checkTemplateFolder, defaultTemplateFolder } from '../deploy/templateFolder';
import { checkRuntime, summarizeDeploy } from '../deploy/deploySummary';

const usage = `Usage: lambda-lab deploy --experiment <id> --memory <list|preset> [options]

Creates or updates one Lambda function per (memory size, architecture), named
llab-<id>-<memory>-<arch> and tagged with the experiment id. Running it again with the
same code and settings changes nothing.

  --experiment <id>    Experiment id: lowercase letters, digits, dashes (max 40).
  --memory <sizes>     Comma list of MB (${MEMORY_MIN_MB}..${MEMORY_MAX_MB}), or a preset:
${MEMORY_PRESETS.map((p) => `                         ${p.id.padEnd(15)} ${p.description}`).join('\n')}
  --arch <list>        x86_64, arm64 or both (default: x86_64 on AWS; on the built-in
                       endpoint, this machine's architecture, the only one it can run).
  --template <dir>     The function folder (default: ./lambda-parallel-lab if present,
                       else the template shipped with Lambda Lab).
  --role <arn>         Execution role to use.
  --create-role        Create (or reuse) a minimal role lambda-parallel-lab-<id>.
                       Neither is needed for the built-in endpoint.
  --runtime <name>     Lambda runtime (default: ${DEFAULT_RUNTIME}).
  --concurrency <n>    Functions deployed at the same time (default: ${DEFAULT_DEPLOY_CONCURRENCY}).
  --json               Print the result as JSON on stdout.

${targetFlagsHelp}
`;

export const deployCli: CliCommand = {
  summary: 'Create or update the experiment functions (one per memory size and architecture)',
  run,
};

async function run(argv: string[]): Promise<number> {
  const parsed = parseCliArgs('deploy', usage, argv, {
    ...targetFlagOptions,
    experiment: { type: 'string' },
    memory: { type: 'string' },
    arch: { type: 'string' },
    template: { type: 'string' },
    role: { type: 'string' },
    'create-role': { type: 'boolean' },
    runtime: { type: 'string' },
    concurrency: { type: 'string' },
    json: { type: 'boolean' },
  });
  if (typeof parsed === 'number') return parsed;
  const { values } = parsed;

  // Everything that can be checked without the network is checked first, so bad input writes nothing.
  let experimentId: string;
  let memorySizesMB: number[];
  /** Undefined: not given, so the default depends on the target (see architecturesFor). */
  let requestedArchitectures: Architecture[] | undefined;
  let runtime: string;
  let concurrency: number;
  let templateDir: string;
  try {
    if (!values.experiment) throw new Error('--experiment <id> is required.');
    if (!values.memory) throw new Error(`--memory is required: a comma list of MB or a preset (${MEMORY_PRESETS.map((p) => p.id).join(', ')}).`);
    experimentId = validateExperimentId(values.experiment);
    memorySizesMB = parseMemoryFlag(values.memory);
    requestedArchitectures = values.arch === undefined ? undefined : parseArchitectureList(values.arch);
    runtime = checkRuntime(values.runtime ?? DEFAULT_RUNTIME);
    concurrency = Number(values.concurrency ?? DEFAULT_DEPLOY_CONCURRENCY);
    if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 32) {
      throw new Error(`--concurrency must be an integer from 1 to 32, got "${values.concurrency}".`);
    }
    if (values.template !== undefined) checkTemplateFlag(values.template);
    templateDir = await checkTemplateFolder(values.template ?? (await defaultTemplateFolder(process.cwd(), __dirname)));
    if (values.local || values.endpoint) {
      // The built-in endpoint needs no role; decided after the target is known.
    } else {
      checkRoleChoice({ roleArn: values.role, createRole: values['create-role'] }, false);
    }
  } catch (error) {
    process.stderr.write(`lambda-lab deploy: ${(error as Error).message}\n`);
    return 2;
  }

  const roleChoice = { roleArn: values.role, createRole: values['create-role'] };
  const log = (line: string) => process.stderr.write(`${line}\n`);
  return runAgainstTarget(
    'deploy',
    values,
    async (target) => {
      const { pkg, role, result } = await deployToTarget({
        target,
        experimentId,
        templateDir,
        memorySizesMB,
        architectures: architecturesFor(target.builtInEndpoint, requestedArchitectures),
        runtime,
        concurrency,
        roleChoice,
        log,
        onProgress: (event) => {
          if (event.phase === 'done') log(`  [${event.finished}/${event.total}] ${event.functionName}: ${event.detail}`);
          if (event.phase === 'failed') log(`  [${event.finished}/${event.total}] ${event.functionName}: FAILED: ${event.detail}`);
        },
      });
      if (values.json) {
        process.stdout.write(
          JSON.stringify(
            {
              experimentId,
              target: target.label,
              role: role.roleArn,
              roleCreated: role.created,
              codeSha256: pkg.codeSha256,
              functions: result.functions,
              failures: result.failures.map(({ functionName, memoryMB, arch, message }) => ({ functionName, memoryMB, arch, message })),
            },
            null,
            2,
          ) + '\n',
        );
      } else {
        process.stdout.write(
          summarizeDeploy(experimentId, result, `Next: lambda-lab sweep --experiment ${experimentId} --threads 1,2,4 --reps 5 (same target flags).`) + '\n',
        );
      }
      return result.failures.length > 0 ? 1 : 0;
    },
    (target) => {
      checkRoleChoice(roleChoice, target.builtInEndpoint);
      architecturesFor(target.builtInEndpoint, requestedArchitectures); // refuse a foreign --arch before packaging
    },
  );
}

/** --memory: a preset id or a list of MB; a word that is no preset lists the presets instead of "is not a number". */
function parseMemoryFlag(text: string): number[] {
  if (/[a-z]/i.test(text) && !findMemoryPreset(text)) {
    const presets = MEMORY_PRESETS.map(
      (p) =>
        `${p.id} (${p.sizesMB.length > 8 ? `${p.sizesMB.length} sizes, ${p.sizesMB[0]}..${p.sizesMB[p.sizesMB.length - 1]} MB` : `${p.sizesMB.join(',')} MB`})`,
    ).join('; ');
    throw new Error(
      `--memory "${text}" is neither a preset nor a list of MB. Presets: ${presets}. Or give sizes from ${MEMORY_MIN_MB} to ${MEMORY_MAX_MB} MB, e.g. --memory 128,1769,3538.`,
    );
  }
  return resolveMemorySelection(text);
}

/** --template must name a folder: a file (or nothing) says which, instead of "does not exist". */
function checkTemplateFlag(template: string): void {
  if (template.trim() === '') throw new Error('--template is empty: name the function folder, e.g. --template lambda-parallel-lab.');
  let stat: Stats;
  try {
    stat = statSync(template);
  } catch {
    return; // checkTemplateFolder says it does not exist and how to create it
  }
  if (!stat.isDirectory()) {
    throw new Error(
      `--template ${template} is a file, not a folder. Pass the folder that holds index.mjs (e.g. --template ${path.dirname(template) || '.'}), or create one with lambda-lab scaffold <dir>.`,
    );
  }
}
