// `lambda-lab export`: a run's invocations as CSV (the study's per-invocation columns first, so
// existing spreadsheets keep working) or JSON (metadata, invocations and the analysis).
import { existsSync, realpathSync, statSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import type { CliCommand } from './cliCommands';
import { parseCliArgs } from './cliArgs';
import { loadAnalysisInput } from '../runs/analysisFiles';
import { analyzeMixed } from '../core/analysis/analyzeRun';
import { runsSweptOwnFunction } from '../core/analysis/payloads';
import { invocationsToCsv } from '../core/analysis/invocationCsvExport';
import { DEFAULT_PRICING_REGION } from '../core/pricing';
import { INVOCATIONS_FILE, RUN_FILE } from '../core/runFiles';
import { RUN_LOCK_FILE } from '../sweep/runLock';

const usage = `Usage: lambda-lab export <run dir> --format csv|json [--out <file> [--force]]

Writes a run's invocations.
  csv   Columns Architecture,Memory,Workers,sk,cores,proc_time (the original study's
        per-invocation format: proc_time in seconds, sk = start time as YYYYMMDD_HHMMSS)
        followed by every field of our records.
  json  {"run": run.json, "cpuLimit": {...}, "invocations": [...], "analysis": {...}};
        cpuLimit counts the invocations that ran with no CPU limit (unthrottled).

  --format <csv|json>  Output format (required).
  --out <file>         Write here instead of standard output. Never a run's own files
                       (run.json, invocations.jsonl, run.lock); an existing file only with --force.
  --force              Overwrite an existing --out file (never a run's own files).
  -h, --help           Show this help.
`;

export const exportCli: CliCommand = {
  summary: 'Export a run as CSV (study-compatible columns first) or JSON',
  run,
};

async function run(argv: string[]): Promise<number> {
  const parsed = parseCliArgs('export', usage, argv, { format: { type: 'string' }, out: { type: 'string' }, force: { type: 'boolean' } }, true);
  if (typeof parsed === 'number') return parsed;
  const { values, positionals } = parsed;
  if (positionals.length === 0 || (values.format !== 'csv' && values.format !== 'json')) {
    process.stderr.write(
      `lambda-lab export: ${positionals.length === 0 ? 'give a run directory to export' : `--format must be csv or json${values.format ? `, got "${values.format}"` : ''}`}.\nRun "lambda-lab export --help" for the options.\n`,
    );
    return 2;
  }
  if (values.out !== undefined) {
    const problem = outputProblem(values.out, positionals, values.force === true, values.format);
    if (problem) {
      process.stderr.write(`lambda-lab export: ${problem}\n`);
      return 2;
    }
  }
  try {
    const input = loadAnalysisInput(positionals);
    for (const warning of input.warnings) process.stderr.write(`warning: ${warning}\n`);
    if (input.aggregates.length > 0)
      process.stderr.write(`warning: ${input.aggregates.length} mean-only rows (AggregatedResults.csv) have no invocations and are not exported.\n`);
    let text: string;
    if (values.format === 'csv') {
      text = invocationsToCsv(input.records);
    } else {
      // The input's warnings (unthrottled invocations among them) stay with the analysis they qualify.
      const analysis = analyzeMixed(
        input.records,
        [],
        { region: input.region ?? DEFAULT_PRICING_REGION, itemsPerInvocation: input.itemsPerInvocation, ownFunction: runsSweptOwnFunction(input.runs) },
        input.warnings,
      );
      const run = input.runs.length === 1 ? input.runs[0].meta : input.runs.map((r) => r.meta);
      text = JSON.stringify({ run, cpuLimit: input.cpuLimit, invocations: input.records, analysis }, null, 2) + '\n';
    }
    if (values.out) {
      // 'wx' also refuses a file created between the check above and this write.
      writeFileSync(values.out, text, { flag: values.force ? 'w' : 'wx' });
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

const RUN_OWN_FILES = new Set([RUN_FILE, INVOCATIONS_FILE, RUN_LOCK_FILE]);

/** Why the export must not write to `out`, or null. A run's own files are never overwritten, even with --force. */
export function outputProblem(out: string, inputs: readonly string[], force: boolean, format: string): string | null {
  if (out.trim() === '') return `--out is empty: give a file name, e.g. --out results.${format}.`;
  const target = canonical(path.resolve(out));
  const dir = path.dirname(target);
  const inputPaths = inputs.map((input) => canonical(path.resolve(input)));
  const isRunFile = RUN_OWN_FILES.has(path.basename(target)) && existsSync(path.join(dir, RUN_FILE));
  if (isRunFile || inputPaths.includes(target)) {
    return `--out ${out} is one of the run's own files (${path.basename(target)} in ${dir}); writing there would destroy the run. Write the export elsewhere, e.g. --out ${path.join(path.dirname(dir), `${path.basename(dir)}.${format}`)}.`;
  }
  if (existsSync(target)) {
    if (statSync(target).isDirectory()) return `--out ${out} is a folder; give a file name inside it, e.g. --out ${path.join(out, `invocations.${format}`)}.`;
    if (!force) return `--out ${out} already exists; nothing was written. Choose another file, or pass --force to overwrite it.`;
  } else if (!existsSync(dir)) {
    return `The folder for --out ${out} (${dir}) does not exist; create it first or choose another file.`;
  }
  return null;
}

/** The real path of a file or of its folder (a symlink to run.json is run.json). */
function canonical(file: string): string {
  try {
    return realpathSync(file);
  } catch {
    try {
      return path.join(realpathSync(path.dirname(file)), path.basename(file));
    } catch {
      return file;
    }
  }
}
