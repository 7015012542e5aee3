// `lambda-lab export`: a run's invocations as CSV (the study's per-invocation columns first, so
// existing spreadsheets keep working) or JSON (metadata, invocations and the analysis).
import { writeFileSync } from 'node:fs';
import type { CliCommand } from './cliCommands';
import { parseCliArgs } from './cliArgs';
import { loadAnalysisInput } from '../runs/analysisFiles';
import { analyzeMixed } from '../core/analysis/analyzeRun';
import { invocationsToCsv } from '../core/analysis/invocationCsvExport';
import { DEFAULT_PRICING_REGION } from '../core/pricing';

const usage = `Usage: lambda-lab export <run dir> --format csv|json [--out <file>]

Writes a run's invocations.
  csv   Columns Architecture,Memory,Workers,sk,cores,proc_time (the original study's
        per-invocation format: proc_time in seconds, sk = start time as YYYYMMDD_HHMMSS)
        followed by every field of our records.
  json  {"run": run.json, "cpuLimit": {...}, "invocations": [...], "analysis": {...}};
        cpuLimit counts the invocations that ran with no CPU limit (unthrottled).

  --format <csv|json>  Output format (required).
  --out <file>         Write here instead of standard output.
  -h, --help           Show this help.
`;

export const exportCli: CliCommand = {
  summary: 'Export a run as CSV (study-compatible columns first) or JSON',
  run,
};

async function run(argv: string[]): Promise<number> {
  const parsed = parseCliArgs('export', usage, argv, { format: { type: 'string' }, out: { type: 'string' } }, true);
  if (typeof parsed === 'number') return parsed;
  const { values, positionals } = parsed;
  if (positionals.length === 0 || (values.format !== 'csv' && values.format !== 'json')) {
    process.stderr.write(`lambda-lab export: ${positionals.length === 0 ? 'give a run directory to export' : `--format must be csv or json${values.format ? `, got "${values.format}"` : ''}`}.\nRun "lambda-lab export --help" for the options.\n`);
    return 2;
  }
  try {
    const input = loadAnalysisInput(positionals);
    for (const warning of input.warnings) process.stderr.write(`warning: ${warning}\n`);
    if (input.aggregates.length > 0) process.stderr.write(`warning: ${input.aggregates.length} mean-only rows (AggregatedResults.csv) have no invocations and are not exported.\n`);
    let text: string;
    if (values.format === 'csv') {
      text = invocationsToCsv(input.records);
    } else {
      // The input's warnings (unthrottled invocations among them) stay with the analysis they qualify.
      const analysis = analyzeMixed(input.records, [], { region: input.region ?? DEFAULT_PRICING_REGION, itemsPerInvocation: input.itemsPerInvocation }, input.warnings);
      const run = input.runs.length === 1 ? input.runs[0].meta : input.runs.map((r) => r.meta);
      text = JSON.stringify({ run, cpuLimit: input.cpuLimit, invocations: input.records, analysis }, null, 2) + '\n';
    }
    if (values.out) {
      writeFileSync(values.out, text);
      process.stderr.write(`Wrote ${input.records.length} invocations to ${values.out}\n`);
    } else {
      process.stdout.write(text);
    }
    return 0;
  } catch (error) {
    process.stderr.write(`lambda-lab export: ${error instanceof Error ? error.message : String(error)}\n`);
    return 1;
  }
}
