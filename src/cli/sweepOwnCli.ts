// `lambda-lab sweep --function <name|arn> ...`: sweeps a user's own function without touching it.
// GetFunction on the original, its code downloaded from Code.Location, tagged copies created (one
// per memory size, and per thread count with --threads-env), the copies swept with the usual engine
// and run files, then the original checked unchanged. `lambda-lab cleanup --experiment <id>`
// deletes the copies (by tag) and nothing else.
import * as os from 'node:os';
import * as path from 'node:path';
import { createLambdaClient, errorContextOf, type ResolvedTarget } from '../aws/lambdaTarget';
import { toTargetError } from '../aws/credentialErrors';
import { parseThreadList, validateExperimentId, validateRepetitions, ValidationError } from '../core/experimentValidation';
import { resolveMemorySelection } from '../core/memoryPresets';
import { defaultExperimentIdFor, repetitionsPerPayload, validateThreadsEnvName, type SweepPayload, type ThreadDimension } from '../core/ownFunction';
import { checkThreadsFieldInAll, loadPayloads, payloadSourcesFromFlags } from '../ownFunction/ownFunctionPayloads';
import { CopyRefusedError } from '../ownFunction/copyFunction';
import { OWN_FUNCTION_TIMING } from '../ownFunction/ownFunctionAdapter';
import { checkOriginalUnchanged, prepareOwnFunctionSweep, type PreparedOwnSweep } from '../ownFunction/ownFunctionSession';
import { runsFolder } from '../sweep/runStore';
import { SDK_MAX_ATTEMPTS } from '../sweep/sweepEngine';
import { describeTargetForRun, type PreparedSweep } from '../sweep/sweepSession';
import { checkLambdaReachable, resolveCliTarget } from './targetFlags';
import { DEFAULT_CONFIRM_ABOVE_USD, defaultConcurrency, EXIT_SWEEP_ERRORS, runWithTerminal } from './sweepCli';

export const ownFunctionFlagOptions = {
  function: { type: 'string' },
  payload: { type: 'string', multiple: true },
  'payload-json': { type: 'string', multiple: true },
  'threads-field': { type: 'string' },
  'threads-env': { type: 'string' },
  'copy-vpc': { type: 'boolean' },
} as const;

export const ownFunctionHelp = `Your own function (never updated, never invoked: tagged copies of it are swept):
  --function <name|arn>   The function to sweep. Its code (from GetFunction's code location) and
                          configuration (runtime, handler, role, environment, layers, architecture,
                          timeout) are copied into functions llab-<experiment>-<memory>-<arch>[-t<n>].
  --memory <sizes|preset> Memory sizes of the copies (required).
  --payload <file.json>   The JSON payload each invocation sends (this or --payload-json is required).
                          Several: --payload a.json,b.json (or --payload a.json --payload b.json),
                          used in turn: repetition r of each configuration sends the next one.
                          Weighted: --payload a.json:3,b.json sends a.json 3 times for every b.json.
                          Each invocation record names its payload ("payload": "a.json"); analyze
                          refuses to average different payloads: lambda-lab analyze <run> --payload a.json.
  --payload-json <json>   A payload typed inline (repeatable; named json#1, json#2... weight 1).
                          Run files keep each payload's SHA-256, size and top-level keys, never its
                          values; resume reads the files again (or takes --payload/--payload-json).
  --threads <list>        Thread counts, with one of:
  --threads-field <path>  the payload field set to each thread count (e.g. workers, options.threads);
  --threads-env <NAME>    an environment variable: one copy per memory size and thread count.
                          Without --threads only memory is swept.
  --experiment <id>       Experiment id of the copies (default own-<function name>).
  --copy-vpc              Give the copies the original's VPC subnets and security groups (refused
                          without it for a function in a VPC).
  Time: ${OWN_FUNCTION_TIMING}. The first function error (or timeout) stops the sweep.
  Delete the copies with: lambda-lab cleanup --experiment <id>.`;

type Values = Record<string, string | boolean | string[] | undefined>;

const NOT_WITH_FUNCTION = [
  'items',
  'cost',
  'strategy',
  'resume',
  'retry-errors',
  'replay',
  'refine-memory',
  'resolution',
  'arch',
  'template',
  'role',
  'create-role',
];

function list(values: Values, key: string): string[] {
  const value = values[key];
  return Array.isArray(value) ? value : typeof value === 'string' ? [value] : [];
}

function str(values: Values, key: string): string | undefined {
  const value = values[key];
  return typeof value === 'string' ? value : undefined;
}

function numberFlag(values: Values, flag: string, check: (n: number) => boolean, allowed: string): number | undefined {
  const text = str(values, flag);
  if (text === undefined) return undefined;
  const n = Number(text);
  if (text.trim() === '' || !Number.isFinite(n) || !check(n)) throw new ValidationError(flag, text, allowed, `--${flag} "${text}" is not valid: ${allowed}`);
  return n;
}

interface OwnSweepInput {
  functionRef: string;
  memorySizesMB: number[];
  payloads: SweepPayload[];
  threadCounts: number[];
  dimension: ThreadDimension;
  repetitions: number;
  experimentId: string;
  copyVpc: boolean;
}

/** Every flag checked before any network call. */
export function parseOwnSweepFlags(values: Values): OwnSweepInput {
  for (const flag of NOT_WITH_FUNCTION) {
    if (values[flag] !== undefined)
      throw new ValidationError(flag, values[flag], 'not with --function', `--${flag} does not apply to a sweep of your own function (--function).`);
  }
  const functionRef = str(values, 'function')!.trim();
  if (functionRef === '') throw new ValidationError('function', functionRef, 'a function name or ARN', '--function needs a function name or ARN.');
  const memoryText = str(values, 'memory');
  if (memoryText === undefined)
    throw new ValidationError('memory', undefined, 'required', '--memory <sizes> is required with --function, e.g. --memory 512,1024,1769.');
  const memorySizesMB = resolveMemorySelection(memoryText);
  const files = list(values, 'payload');
  const typed = list(values, 'payload-json');
  if (files.length === 0 && typed.length === 0)
    throw new ValidationError(
      'payload',
      undefined,
      'required',
      "--payload <file.json> (or --payload-json '<json>') is required with --function: the JSON event each invocation sends.",
    );
  const payloads = loadPayloads(payloadSourcesFromFlags(files, typed), process.cwd());
  const repsText = str(values, 'reps');
  if (repsText === undefined) throw new ValidationError('reps', undefined, 'required', '--reps <n> is required, e.g. --reps 5.');
  const repetitions = validateRepetitions(repsText);
  const threadsText = str(values, 'threads');
  const field = str(values, 'threads-field');
  const env = str(values, 'threads-env');
  if (field !== undefined && env !== undefined)
    throw new ValidationError('threads-env', env, 'one of them', 'Use either --threads-field or --threads-env, not both.');
  let dimension: ThreadDimension = { kind: 'none' };
  let threadCounts = [1];
  if (threadsText !== undefined) {
    if (field === undefined && env === undefined) {
      throw new ValidationError(
        'threads',
        threadsText,
        'with --threads-field or --threads-env',
        '--threads needs to know how your function reads its thread count: --threads-field <json.path> (a payload field) or --threads-env <NAME> (an environment variable).',
      );
    }
    threadCounts = parseThreadList(threadsText);
    if (field !== undefined) {
      checkThreadsFieldInAll(payloads, field);
      dimension = { kind: 'field', path: field };
    } else {
      dimension = { kind: 'env', name: validateThreadsEnvName(env!) };
    }
  } else if (field !== undefined || env !== undefined) {
    throw new ValidationError(
      'threads',
      undefined,
      'required',
      `--${field !== undefined ? 'threads-field' : 'threads-env'} needs --threads <list>, e.g. --threads 1,2,4.`,
    );
  }
  repetitionsPerPayload(repetitions, payloads);
  const experimentId = validateExperimentId(str(values, 'experiment') ?? defaultExperimentIdFor(functionRef));
  return { functionRef, memorySizesMB, payloads, threadCounts, dimension, repetitions, experimentId, copyVpc: values['copy-vpc'] === true };
}

export async function runOwnFunctionSweep(values: Values): Promise<number> {
  let resolved: ResolvedTarget | undefined;
  let prepared: PreparedSweep | undefined;
  try {
    const input = parseOwnSweepFlags(values);
    const maxCostUsd = numberFlag(values, 'max-cost-usd', (n) => n >= 0, 'a dollar amount of 0 or more');
    const concurrency = numberFlag(values, 'concurrency', (n) => Number.isInteger(n) && n >= 1 && n <= 64, 'a whole number from 1 to 64');
    const seed = numberFlag(values, 'seed', (n) => Number.isInteger(n) && n >= 0 && n < 2 ** 32, 'a whole number from 0 to 4294967295');
    const confirmAboveUsd = numberFlag(values, 'confirm-above-usd', (n) => n >= 0, 'a dollar amount of 0 or more') ?? DEFAULT_CONFIRM_ABOVE_USD;
    if (values.adaptive !== undefined || values['target-ci'] !== undefined || values['min-reps'] !== undefined) {
      throw new ValidationError('adaptive', values.adaptive, 'not with --function', '--adaptive is not available with --function yet; give --reps.');
    }

    const perPayload = repetitionsPerPayload(input.repetitions, input.payloads);
    if (input.payloads.length > 1) {
      process.stderr.write(
        `Payloads, per configuration (${input.repetitions} repetitions): ${input.payloads.map((p, i) => `${p.name} ×${perPayload[i]}`).join(', ')}; warm-ups send ${input.payloads[0].name}. Each record names its payload; analyse one payload at a time (lambda-lab analyze <run> --payload <name>).\n`,
      );
    }
    resolved = await resolveCliTarget(values);
    await checkLambdaReachable(resolved);
    process.stderr.write(`Target: ${resolved.label}\n`);
    const client = createLambdaClient(resolved, { maxAttempts: SDK_MAX_ATTEMPTS });
    let own: PreparedOwnSweep;
    try {
      own = await prepareOwnFunctionSweep(
        client,
        {
          ...input,
          runsDir: path.resolve(str(values, 'out') ?? runsFolder(process.cwd())),
          concurrency: concurrency ?? defaultConcurrency(resolved),
          maxCostUsd: maxCostUsd ?? null,
          seed,
        },
        describeTargetForRun(resolved),
        (line) => process.stderr.write(`${line}\n`),
      );
    } finally {
      client.destroy();
    }
    prepared = own.prepared;
    process.stderr.write(`Run folder: ${prepared.store.runDir}\n`);
    const outcome = await runWithTerminal(prepared, resolved, {
      json: values.json === true,
      quiet: values.quiet === true,
      yes: values.yes === true,
      confirmAboveUsd,
      invocation: own.adapter,
    });
    const checkClient = createLambdaClient(resolved, { maxAttempts: SDK_MAX_ATTEMPTS });
    const unchanged = await checkOriginalUnchanged(checkClient, own.original.functionName, own.before).finally(() => checkClient.destroy());
    process.stderr.write(`${unchanged.line}\nThe copies stay for further sweeps; delete them with: lambda-lab cleanup --experiment ${input.experimentId}\n`);
    if (values.json) process.stdout.write(`${JSON.stringify({ runDir: prepared.store.runDir, experimentId: input.experimentId, ...outcome }, null, 2)}\n`);
    if (outcome.status === 'cancelled') return outcome.signal ? 128 + (os.constants.signals[outcome.signal] ?? 2) : 130;
    if (outcome.status !== 'completed') return 1;
    return outcome.errors > 0 ? EXIT_SWEEP_ERRORS : 0;
  } catch (error) {
    const message =
      error instanceof ValidationError || error instanceof CopyRefusedError
        ? error.message
        : toTargetError(error, resolved ? errorContextOf(resolved) : {}).message;
    process.stderr.write(`lambda-lab sweep: ${message}\n`);
    return error instanceof ValidationError || error instanceof CopyRefusedError ? 2 : 1;
  } finally {
    prepared?.store.close();
  }
}
