// `lambda-lab analyze`: statistics, knee table and recommendations for a run or the study's CSVs.
import { parseArgs } from 'node:util';
import type { CliCommand } from './cliCommands';
import { ARCHITECTURES, STRATEGIES, type Architecture, type Strategy } from '../core/experimentConfig';
import { loadAnalysisInput } from '../runs/analysisFiles';
import { analyzeMixed } from '../core/analysis/analyzeRun';
import { payloadNames, recordsForPayload, runsSweptOwnFunction } from '../core/analysis/payloads';
import { formatAnalysisText, formatKneeTable, formatSimulationTable, stableAnalysisJson } from '../core/analysis/analysisReport';
import { simulateAdaptiveSampling } from '../core/analysis/adaptiveSimulation';
import { DEFAULT_PRICING_REGION, pricedRegions } from '../core/pricing';
import { findMemoryPreset, resolveMemorySelection } from '../core/memoryPresets';

const usage = `Usage: lambda-lab analyze <run dir | CSV files | folder>... [options]

Per-configuration statistics (n, mean, median, p90, stdev, 95% CI, speedup, efficiency,
cost), the knee table (smallest memory at which more memory no longer buys a speed-up, per
arch, strategy and thread count) and recommendations (fastest, cheapest, balanced, Pareto).
Inputs: a run directory (.lambda-lab/runs/<id>), the original study's CSVs
(Lambda_<mem>_<workers>_<arch>.csv and/or AggregatedResults.csv), or folders of them.

  --json                 Print {configs, knee, recommendations} as JSON (stable format).
  --tolerance <x>        What counts as a meaningful speed-up, as a fraction (default 0.05).
  --region <r>           Pricing region (default: the run's region, else ${DEFAULT_PRICING_REGION}).
  --arch <a>             Only this architecture (x86_64 or arm64).
  --strategy <s>         Only this strategy (pool, batch or warm).
  --payload <name>       Only the invocations that sent this payload (a sweep of your own function
                         with several payloads: its file path as given, or json#n for a typed one).
                         Invocations of different payloads are never averaged together: such a
                         run is refused without this filter.
  --cost-slack <x>       Balanced = fastest within this extra cost over the cheapest (default 0.10).
  --brief                Omit the per-configuration table.
  --predict [sizes|preset]
                         Predict every measured thread count at these memory sizes (a comma
                         list of MB or a preset: quick, vcpu-steps, original-study) for the
                         configurations not measured, with 95% prediction intervals and cost.
                         Without a value: the original-study sizes that were not measured.
  --simulate-adaptive    Replay the recorded repetitions in order through adaptive sampling
                         and report how many invocations it needs and whether it reaches the
                         same knee table as the full data.
  --target-ci <list>     CI half-width targets for --simulate-adaptive (default 0.05,0.02,0.01,0.005).
  --min-reps <n>         Minimum repetitions before adaptive sampling may stop (default 5).
  -h, --help             Show this help.
`;

export const analyzeCli: CliCommand = {
  summary: "Statistics, knee table and recommendations for a run or the study's CSVs",
  run,
};

function fraction(text: string | undefined, flag: string, fallback: number): number {
  if (text === undefined) return fallback;
  const value = Number(text);
  if (!(Number.isFinite(value) && value > 0 && value < 1)) throw new UsageError(`${flag} must be a fraction between 0 and 1 (e.g. 0.05), got "${text}".`);
  return value;
}

class UsageError extends Error {}

/** `--predict` may stand alone: give it the default value unless the next word is a size list or preset. */
function withPredictDefault(argv: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] !== '--predict') {
      out.push(argv[i]);
      continue;
    }
    const next = argv[i + 1];
    const looksLikeSizes = next !== undefined && (findMemoryPreset(next) !== undefined || /^[\d,\s]+$/.test(next));
    out.push(`--predict=${looksLikeSizes ? next : PREDICT_DEFAULT}`);
    if (looksLikeSizes) i++;
  }
  return out;
}

const PREDICT_DEFAULT = 'original-study';

async function run(argv: string[]): Promise<number> {
  try {
    const { values, positionals } = parseArgs({
      args: withPredictDefault(argv),
      options: {
        json: { type: 'boolean' },
        tolerance: { type: 'string' },
        region: { type: 'string' },
        arch: { type: 'string' },
        strategy: { type: 'string' },
        payload: { type: 'string' },
        'cost-slack': { type: 'string' },
        brief: { type: 'boolean' },
        predict: { type: 'string' },
        'simulate-adaptive': { type: 'boolean' },
        'target-ci': { type: 'string' },
        'min-reps': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      allowPositionals: true,
    });
    if (values.help) {
      process.stdout.write(usage);
      return 0;
    }
    if (positionals.length === 0) throw new UsageError('give a run directory, CSV files or a folder to analyse.');
    const tolerance = fraction(values.tolerance, '--tolerance', 0.05);
    const costSlack = fraction(values['cost-slack'], '--cost-slack', 0.1);
    if (values.arch !== undefined && !ARCHITECTURES.includes(values.arch as Architecture))
      throw new UsageError(`--arch must be one of ${ARCHITECTURES.join(', ')}, got "${values.arch}".`);
    if (values.strategy !== undefined && !STRATEGIES.includes(values.strategy as Strategy))
      throw new UsageError(`--strategy must be one of ${STRATEGIES.join(', ')}, got "${values.strategy}".`);
    const minRepetitions = values['min-reps'] === undefined ? 5 : Number(values['min-reps']);
    if (!Number.isInteger(minRepetitions) || minRepetitions < 2) throw new UsageError(`--min-reps must be a whole number >= 2, got "${values['min-reps']}".`);
    const targets = (values['target-ci'] ?? '0.05,0.02,0.01,0.005').split(',').map((t) => fraction(t.trim(), '--target-ci', 0.02));

    if (values.region !== undefined && !pricedRegions().includes(values.region)) {
      throw new UsageError(`--region "${values.region}" has no prices here; known regions: ${pricedRegions().join(', ')}.`);
    }
    const input = loadAnalysisInput(positionals);
    const keep = (c: { arch: Architecture; strategy: Strategy }) =>
      (values.arch === undefined || c.arch === values.arch) && (values.strategy === undefined || c.strategy === values.strategy);
    let records = input.records.filter(keep);
    if (values.payload !== undefined) {
      const names = payloadNames(input.records);
      if (!names.includes(values.payload)) {
        throw new UsageError(
          names.length === 0
            ? `--payload ${values.payload}: ${input.label} has no payload names (it is not a sweep of your own function with named payloads).`
            : `--payload ${values.payload}: no invocation in ${input.label} sent that payload; its payloads: ${names.join(', ')}.`,
        );
      }
      records = recordsForPayload(records, values.payload);
    }
    const aggregates = input.aggregates.filter(keep);
    if (records.length + aggregates.length === 0) {
      const filter = [
        values.arch && `--arch ${values.arch}`,
        values.strategy && `--strategy ${values.strategy}`,
        values.payload && `--payload ${values.payload}`,
      ]
        .filter(Boolean)
        .join(' ');
      throw new UsageError(`no data left to analyse in ${input.label} after ${filter}; drop the filter or pick another value.`);
    }
    const region = values.region ?? input.region ?? DEFAULT_PRICING_REGION;
    let predictMemoryMB: number[] | undefined;
    if (values.predict !== undefined) {
      try {
        predictMemoryMB = resolveMemorySelection(values.predict);
      } catch (error) {
        throw new UsageError(
          `--predict takes memory sizes in MB (e.g. 1024,3008) or a preset (quick, vcpu-steps, original-study): ${error instanceof Error ? error.message : String(error)}`,
        );
      }
    }
    const options = {
      region,
      itemsPerInvocation: input.itemsPerInvocation,
      tolerance,
      costSlack,
      ownFunction: runsSweptOwnFunction(input.runs),
      ...(predictMemoryMB ? { predictMemoryMB } : {}),
    };
    const result = analyzeMixed(records, aggregates, options, input.warnings);
    // Warnings go to stderr in every mode (--json and --simulate-adaptive too), before any output.
    for (const warning of result.warnings) process.stderr.write(`warning: ${warning}\n`);

    if (values['simulate-adaptive']) {
      if (records.length === 0) throw new UsageError('--simulate-adaptive needs per-invocation data (a run or per-configuration CSVs), not only means.');
      const simulations = targets.map((target) => simulateAdaptiveSampling(records, { targetRelativeHalfWidth: target, minRepetitions }, options, result.knee));
      if (values.json) {
        process.stdout.write(JSON.stringify({ fixedKnee: stableAnalysisJson(result).knee, simulations }, null, 2) + '\n');
      } else {
        process.stdout.write(`Adaptive sampling replayed on ${input.label} (${records.length} invocations, recorded order)\n\n`);
        process.stdout.write(
          `Knee table of the full data:\n${formatKneeTable(result.knee, tolerance, result.ownFunction)}\n\n${formatSimulationTable(simulations)}\n`,
        );
      }
      return 0;
    }
    if (values.json) {
      process.stdout.write(JSON.stringify(stableAnalysisJson(result), null, 2) + '\n');
    } else {
      const title = `Analysis of ${input.label}: ${input.rowCount} rows, ${result.configs.length} configurations, prices for ${region}`;
      process.stdout.write(formatAnalysisText({ ...result, warnings: [] }, { summaryTable: !values.brief, title, tolerance }));
    }
    return 0;
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    process.stderr.write(`lambda-lab analyze: ${message}\n`);
    if (error instanceof UsageError || (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      process.stderr.write('Run "lambda-lab analyze --help" for the options.\n');
      return 2;
    }
    return 1;
  }
}
