// `lambda-lab demo`: the whole product in one command, with no AWS account. Starts the built-in
// endpoint in this process, scaffolds the template function, packages and deploys it at a few
// memory sizes, sweeps threads 1, 2, 4, prints what it found, says where the results are, and
// stops the endpoint (on every way out: success, error, Ctrl-C).
import { formatUsd } from '../core/usdFormat';
import { targetBills } from '../core/targetBilling';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { createLambdaClient, resolveTarget } from '../aws/lambdaTarget';
import { BUILT_IN_ENDPOINT_ROLE_ARN } from '../aws/executionRole';
import { analyzeRecords } from '../core/analysis/analyzeRun';
import type { AnalysisResult, ConfigSummary } from '../core/analysis/analysisTypes';
import { MIN_SAMPLES_FOR_SHOWN_INTERVAL, shownTimeInterval } from '../core/analysis/statistics';
import { formatKneeTable, formatRecommendations } from '../core/analysis/analysisReport';
import type { Architecture } from '../core/experimentConfig';
import { hostLambdaArchitecture } from '../core/hostArchitecture';
import { ValidationError, parseMemoryList, parseThreadList, validateCost, validateItems, validateRepetitions } from '../core/experimentValidation';
import { deployExperiment } from '../deploy/deployer';
import { packageFunction } from '../deploy/packager';
import { startLocalEndpoint, type LocalEndpointHandle } from '../localEndpoint';
import { ScaffoldConflictError, findTemplateDir, scaffoldTemplate } from '../scaffold/scaffolder';
import { runsFolder } from '../sweep/runStore';
import { SDK_MAX_ATTEMPTS } from '../sweep/sweepEngine';
import { describeTargetForRun, executeSweep, prepareNewSweep } from '../sweep/sweepSession';
import type { CliCommand } from './cliCommands';
import { parseCliArgs } from './cliArgs';
import { formatDuration, progressLine } from './sweepCli';

export const DEMO_EXPERIMENT_ID = 'demo';
// Four sizes (the knee fit needs at least four) around one and two vCPUs' worth of memory, and
// enough hashing per invocation that thread start-up does not hide the speed-up.
export const DEMO_DEFAULTS = { memory: '885,1769,2654,3538', threads: '1,2,4', reps: '3', items: '16', cost: '9' };

const HELP = `Usage: lambda-lab demo [--dir <dir>] [--memory 885,1769,2654,3538] [--reps 3] [options]

Runs the whole study on this machine, no AWS account needed: starts the built-in Lambda
endpoint, scaffolds the template function, deploys it at each memory size, sweeps threads
1, 2 and 4, prints the summary, and stops the endpoint. The built-in endpoint limits each
function's CPU to memory/1769 vCPU the way Lambda does (where this machine allows it).

Options:
  --dir <dir>        Scaffold the function here (default: a temporary folder, removed after).
  --memory <list>    Memory sizes in MB (default ${DEMO_DEFAULTS.memory}).
  --threads <list>   Thread counts (default ${DEMO_DEFAULTS.threads}).
  --reps <n>         Repetitions per configuration (default ${DEMO_DEFAULTS.reps}).
  --items <n>        Passwords hashed per invocation (default ${DEMO_DEFAULTS.items}).
  --cost <n>         bcrypt cost (default ${DEMO_DEFAULTS.cost}).
  --out <dir>        Folder for runs (default .lambda-lab/runs).
  --json             Print the analysis as JSON on stdout.
  -h, --help         This help.
`;

export const demoCli: CliCommand = { summary: 'Scaffold, deploy and sweep on the built-in endpoint, then print the results', run };

async function run(argv: string[]): Promise<number> {
  const parsed = parseCliArgs('demo', HELP, argv, {
    dir: { type: 'string' },
    memory: { type: 'string' },
    threads: { type: 'string' },
    reps: { type: 'string' },
    items: { type: 'string' },
    cost: { type: 'string' },
    out: { type: 'string' },
    json: { type: 'boolean' },
    quiet: { type: 'boolean' },
  });
  if (typeof parsed === 'number') return parsed;
  const { values } = parsed;
  let settings;
  try {
    settings = {
      memorySizesMB: parseMemoryList(values.memory ?? DEMO_DEFAULTS.memory),
      threadCounts: parseThreadList(values.threads ?? DEMO_DEFAULTS.threads),
      repetitions: validateRepetitions(values.reps ?? DEMO_DEFAULTS.reps),
      items: validateItems(values.items ?? DEMO_DEFAULTS.items),
      cost: validateCost(values.cost ?? DEMO_DEFAULTS.cost),
    };
  } catch (error) {
    process.stderr.write(`lambda-lab demo: ${(error as Error).message}\n`);
    return error instanceof ValidationError ? 2 : 1;
  }

  const say = (line: string) => process.stderr.write(`${line}\n`);
  const started = Date.now();
  let endpoint: LocalEndpointHandle | null = null;
  let tempDir: string | null = null;
  const controller = new AbortController();
  const onSignal = () => {
    say('\nStopping the demo...');
    controller.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    say('1/5 Starting the built-in Lambda endpoint...');
    const handle = await startLocalEndpoint({});
    endpoint = handle;
    say(`    ${handle.endpoint} (region ${handle.region}); CPU limits: ${describeCpuLimit(handle.cpuLimit)}`);
    const resolved = await resolveTarget({ kind: 'local' }, { localEndpoint: handle });

    const functionDir = values.dir
      ? path.resolve(values.dir)
      : path.join((tempDir = fs.mkdtempSync(path.join(os.tmpdir(), 'lambda-lab-demo-'))), 'lambda-parallel-lab');
    say(`2/5 Scaffolding the template function into ${functionDir}`);
    try {
      await scaffoldTemplate({ templateDir: await findTemplateDir(__dirname), targetDir: functionDir });
    } catch (error) {
      // A folder from an earlier demo (or the user's edited copy) is used as it is, never overwritten.
      if (!(error instanceof ScaffoldConflictError)) throw error;
      say(`    ${functionDir} already has the function's files; using them as they are.`);
    }

    say('3/5 Packaging and deploying...');
    const pkg = await packageFunction(functionDir);
    const arch: Architecture = hostLambdaArchitecture(); // the only one the built-in endpoint accepts
    const client = createLambdaClient(resolved, { maxAttempts: SDK_MAX_ATTEMPTS });
    try {
      const deployed = await deployExperiment({
        client,
        experimentId: DEMO_EXPERIMENT_ID,
        memorySizesMB: settings.memorySizesMB,
        architectures: [arch],
        role: BUILT_IN_ENDPOINT_ROLE_ARN,
        package: pkg,
      });
      if (deployed.failures.length > 0) {
        throw new Error(`Deploying failed: ${deployed.failures.map((f) => `${f.functionName}: ${f.message}`).join('; ')}`);
      }
      say(`    ${deployed.functions.map((f) => `${f.functionName} (${f.action})`).join(', ')}`);
      if (controller.signal.aborted) return 130;

      say(
        `4/5 Sweeping threads ${settings.threadCounts.join(', ')} × ${settings.repetitions} repetitions (${settings.items} items at bcrypt cost ${settings.cost})...`,
      );
      const prepared = await prepareNewSweep(
        client,
        {
          experimentId: DEMO_EXPERIMENT_ID,
          threadCounts: settings.threadCounts,
          strategies: ['pool'],
          repetitions: settings.repetitions,
          items: settings.items,
          cost: settings.cost,
          concurrency: 1,
          runsDir: path.resolve(values.out ?? runsFolder(process.cwd())),
          functions: deployed.functions.map((f) => ({ functionName: f.functionName, arch: f.arch, memoryMB: f.memoryMB })),
        },
        describeTargetForRun(resolved),
      );
      prepared.store.updateMetadata({ templateHash: pkg.codeSha256 });
      let lastLine = 0;
      let lastDone = -1;
      const outcome = await executeSweep(prepared, {
        client,
        signal: controller.signal,
        onProgress: (progress) => {
          if (values.quiet || progress.done === lastDone) return;
          if (Date.now() - lastLine > 2000 || progress.done === progress.total) {
            lastLine = Date.now();
            lastDone = progress.done;
            say(`    ${progressLine(progress, { bills: targetBills(resolved) })}`);
          }
        },
      });
      if (outcome.status !== 'completed') {
        say(`The sweep ${outcome.status}: ${outcome.statusReason ?? ''}`);
        say(`Partial results: ${prepared.store.runDir}`);
        return outcome.status === 'cancelled' ? 130 : 1;
      }

      say('5/5 Results');
      const analysis = analyzeRecords(prepared.store.invocations, { region: resolved.region, itemsPerInvocation: settings.items });
      if (values.json) {
        process.stdout.write(`${JSON.stringify({ runDir: prepared.store.runDir, ...analysis }, null, 2)}\n`);
      } else {
        process.stdout.write(`${formatDemoSummary(analysis, handle.cpuLimit)}\n`);
      }
      say('');
      say(`${outcome.done} invocations (${outcome.errors} errors, ${outcome.retries} retries) in ${formatDuration(Date.now() - started)}.`);
      say(`Results: ${prepared.store.runDir}`);
      say(`  invocations.jsonl  one line per invocation    run.json  plan, seed, target, status`);
      say(`Analyze again:  lambda-lab analyze ${path.relative(process.cwd(), prepared.store.runDir) || prepared.store.runDir}`);
      if (values.dir) say(`Your function:  ${functionDir} (deploy it to AWS with lambda-lab deploy --template ${values.dir} ...)`);
      return 0;
    } finally {
      client.destroy();
    }
  } catch (error) {
    process.stderr.write(`lambda-lab demo: ${error instanceof Error ? error.message : String(error)}\n`);
    return 1;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    if (endpoint) {
      await endpoint.stop().catch((error: unknown) => say(`Warning: stopping the endpoint failed: ${(error as Error).message}`));
    }
    if (tempDir) fs.rmSync(tempDir, { recursive: true, force: true });
  }
}

function describeCpuLimit(method: string): string {
  return method === 'none'
    ? 'none available here, so results are UNTHROTTLED (every memory size gets the whole machine)'
    : `${method} (memory/1769 vCPU per function)`;
}

/** The mean's 95% interval as every report shows it: never below 0 ms, none with n<3. */
function shownInterval(c: ConfigSummary): string {
  const interval = shownTimeInterval(c.n, c.ciLowMs, c.ciHighMs);
  return interval ? `${interval.low.toFixed(0)}–${interval.high.toFixed(0)}` : `n<${MIN_SAMPLES_FOR_SHOWN_INTERVAL}`;
}

/** A plain-text table of the summary, the knee and the recommendations. */
export function formatDemoSummary(analysis: AnalysisResult, cpuLimit: string): string {
  const rows = [...analysis.configs].sort((a, b) => a.memoryMB - b.memoryMB || a.threads - b.threads);
  const header = ['memory MB', 'threads', 'n', 'median ms', 'mean ms (95% CI)', 'speedup', 'cores', 'cost/1k inv'];
  const table = rows.map((c) => [
    String(c.memoryMB),
    String(c.threads),
    String(c.n),
    c.n > 0 ? c.medianMs.toFixed(0) : '-',
    c.n > 0 ? `${c.meanMs.toFixed(0)} (${shownInterval(c)})` : '-',
    c.speedup === null ? '-' : `${c.speedup.toFixed(2)}x`,
    c.cores === null ? '-' : String(c.cores),
    formatUsd(c.costPerInvocationUsd * 1000, { scale: 'perInvocation' }),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...table.map((r) => r[i].length)));
  const line = (cells: string[]) => cells.map((cell, i) => (i === 0 || i === 4 ? cell.padEnd(widths[i]) : cell.padStart(widths[i]))).join('  ');
  const out = [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...table.map(line)];
  if (cpuLimit === 'none') out.push('', 'Note: no CPU limit could be applied on this machine: these results are unthrottled.');
  // The knee and recommendations read the same as in `lambda-lab analyze`.
  out.push('', 'Knee (smallest memory at which more memory stops buying speed):', formatKneeTable(analysis.knee));
  out.push('', 'Recommendations:', formatRecommendations(analysis.recommendations));
  return out.join('\n');
}
