// npm run bench [-- --json] [-- --quick] [-- --only <group>[,<group>]] [-- --study <dir>]
// Measures the template against the physical limit, the endpoint against the study, and the tool's
// own costs; prints a table (each number with the machine's state and the command that reproduces
// it) and, with --json, one JSON object with a key per measure on the last line. Benchmarks print:
// nothing here passes or fails, and a measure that cannot be taken is null with the reason.
import { parseArgs } from 'node:util';
import { detectCpuLimiter } from '../src/localEndpoint/cpuLimiter';
import { cleanupAll, describeMachine, machineState, setCpuLimitMethod, type BenchOptions, type Measure } from './common';
import { measureEndpointCv, measureFidelity } from './endpointFidelity';
import { measureRender100k } from './render100k';
import { measureTemplateScaling } from './templateScaling';
import { measureActivation } from './activation';
import { measureCpuModelRatios } from './cpuModelRatios';
import { measureEngineInstructions } from './engineInstructions';
import { measureExtensionHostMemory } from './extensionHostMemory';
import { measureBundleBytes, measureDeploySpeedup, measureEconomyShares, measureEngineOverhead, measureEnvironmentMemory, measureVsixBytes } from './toolCosts';

/** Each group, the keys it yields (so a group that throws still reports its keys as null), and how to take it. */
const GROUPS: Array<{ name: string; keys: string[]; run: (options: BenchOptions) => Promise<Measure[]>; optIn?: boolean }> = [
  { name: 'template', keys: ['templateEfficiencyWarm2', 'templateEfficiencyPool2', 'templateEfficiencyBatch2'], run: measureTemplateScaling },
  { name: 'engine', keys: ['engineOverheadRatio'], run: measureEngineOverhead },
  // Minutes under valgrind: only when named in --only.
  { name: 'engine-instructions', keys: ['engineInstructionRatio'], run: measureEngineInstructions, optIn: true },
  { name: 'deploy', keys: ['parallelDeploySpeedup'], run: measureDeploySpeedup },
  { name: 'fidelity', keys: ['fidelityWorstDeviation'], run: measureFidelity },
  { name: 'cv', keys: ['endpointCv'], run: measureEndpointCv },
  { name: 'cpumodel', keys: ['cpuModelWorstDeviation', 'twoThreadWorkPerCpuMsProbe', 'twoThreadWorkPerCpuMsTemplate'], run: measureCpuModelRatios },
  { name: 'economy', keys: ['economyInvocationShareArm64', 'economyInvocationShareX86'], run: measureEconomyShares },
  { name: 'vsix', keys: ['vsixBytes'], run: measureVsixBytes },
  { name: 'bundle', keys: ['bundleBytes'], run: measureBundleBytes },
  { name: 'activation', keys: ['activationMs'], run: measureActivation },
  { name: 'memory', keys: ['endpointEnvironmentMB'], run: measureEnvironmentMemory },
  // Starts code-server and Chromium with the packaged .vsix (about a minute).
  { name: 'hostmemory', keys: ['extensionHostMB'], run: measureExtensionHostMemory },
  { name: 'render', keys: ['load100kMs', 'reload100kMs', 'render100kMs'], run: measureRender100k },
];

function formatValue(measure: Measure): string {
  if (measure.value === null) return 'null';
  return Number.isInteger(measure.value) ? measure.value.toLocaleString('en-US') : String(measure.value);
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: { json: { type: 'boolean', default: false }, quick: { type: 'boolean', default: false }, only: { type: 'string' }, study: { type: 'string' } },
  });
  const options: BenchOptions = { quick: values.quick, ...(values.study ? { study: values.study } : {}) };
  const wanted = values.only?.split(',').map((s) => s.trim());
  const unknown = wanted?.filter((name) => !GROUPS.some((g) => g.name === name)) ?? [];
  if (unknown.length > 0) {
    process.stderr.write(`Unknown --only group(s): ${unknown.join(', ')}. Groups: ${GROUPS.map((g) => g.name).join(', ')}\n`);
    return 2;
  }
  const started = Date.now();
  // The method the built-in endpoint will use here, printed beside every number (also those taken without it).
  const limiter = await detectCpuLimiter('auto', () => undefined);
  setCpuLimitMethod(`${limiter.method}${limiter.affinity ? ' + taskset' : ''}`);
  await limiter.close();
  process.stdout.write(`Lambda Parallel Lab benchmarks${options.quick ? ' (quick)' : ''}; machine at start: ${describeMachine(machineState())}\n`);
  const measures: Measure[] = [];
  for (const group of GROUPS.filter((g) => (wanted ? wanted.includes(g.name) : !g.optIn))) {
    const groupStarted = Date.now();
    let results: Measure[];
    try {
      results = await group.run(options);
    } catch (error) {
      const reason = `the measurement failed: ${error instanceof Error ? error.message : String(error)}`;
      results = group.keys.map((key) => ({
        key,
        value: null,
        unit: '',
        goal: '',
        met: null,
        reason,
        command: `flock /tmp/lab-heavy.lock npm run bench -- --only ${group.name}${options.quick ? ' --quick' : ''}`,
        machine: machineState(),
      }));
    } finally {
      await cleanupAll();
    }
    for (const measure of results) {
      measures.push(measure);
      const verdict = measure.met === null ? '' : measure.met ? ' (goal met)' : ' (goal MISSED)';
      process.stdout.write(`\n${measure.key} = ${formatValue(measure)} ${measure.unit}; goal ${measure.goal || 'none'}${verdict}\n`);
      process.stdout.write(`  machine: ${describeMachine(measure.machine)}\n`);
      if (measure.reason) process.stdout.write(`  null because: ${measure.reason}\n`);
      if (measure.dataSet) process.stdout.write(`  ${measure.dataSet}\n`);
      process.stdout.write(`  reproduce: ${measure.command}\n`);
      for (const line of measure.detail ?? []) process.stdout.write(`  ${line}\n`);
    }
    process.stdout.write(`  (${group.name}: ${((Date.now() - groupStarted) / 1000).toFixed(1)} s)\n`);
  }
  process.stdout.write(`\n| measure | value | goal | met | load (1/5/15 min) |\n|---|---:|---|---|---|\n`);
  for (const m of measures)
    process.stdout.write(
      `| ${m.key} | ${formatValue(m)} | ${m.goal || 'none'} | ${m.met === null ? '-' : m.met ? 'yes' : 'NO'} | ${m.machine.load.join(' ')} |\n`,
    );
  process.stdout.write(`total ${((Date.now() - started) / 1000).toFixed(1)} s; machine at end: ${describeMachine(machineState())}\n`);
  if (values.json) {
    const json: Record<string, unknown> = {};
    for (const m of measures) json[m.key] = m.value;
    json.machine = machineState();
    json.quick = options.quick;
    json.nullReasons = Object.fromEntries(measures.filter((m) => m.value === null).map((m) => [m.key, m.reason]));
    // Which study data answered the measures compared with the study, and what it lacks.
    json.dataSets = Object.fromEntries(measures.filter((m) => m.dataSet).map((m) => [m.key, m.dataSet]));
    process.stdout.write(`${JSON.stringify(json)}\n`);
  }
  return 0;
}

let stopping = false;
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  process.once(signal, () => {
    if (stopping) return;
    stopping = true;
    void cleanupAll().finally(() => process.exit(signal === 'SIGINT' ? 130 : 143));
  });
}

main().then(
  async (code) => {
    await cleanupAll();
    process.exit(code);
  },
  async (error: unknown) => {
    process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    await cleanupAll();
    process.exit(1);
  },
);
