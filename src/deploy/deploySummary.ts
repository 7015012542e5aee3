// Words for a deploy result, shared by the CLI and the VS Code command.
import type { DeployResult } from './deployer';

const RUNTIME_PATTERN = /^nodejs\d+\.x$/;

/** The template is Node.js ESM using worker_threads: any nodejsNN.x runtime may run it. */
export function checkRuntime(runtime: string): string {
  if (!RUNTIME_PATTERN.test(runtime)) {
    throw new Error(`Runtime "${runtime}" cannot run the template (Node.js ESM with worker_threads). Use a Node.js runtime such as nodejs22.x.`);
  }
  return runtime;
}

export function summarizeDeploy(experimentId: string, result: DeployResult): string {
  const count = (predicate: (action: string) => boolean) => result.functions.filter((f) => predicate(f.action)).length;
  const created = count((a) => a === 'created');
  const updated = count((a) => a.startsWith('updated'));
  const unchanged = count((a) => a === 'unchanged');
  const lines = result.functions.map((f) => `  ${f.functionName.padEnd(40)} ${f.action}`);
  for (const failure of result.failures) lines.push(`  ${failure.functionName.padEnd(40)} FAILED: ${failure.message}`);
  const total = result.functions.length + result.failures.length;
  lines.push(
    `Experiment "${experimentId}": ${total} function${total === 1 ? '' : 's'}: ${created} created, ${updated} updated, ${unchanged} unchanged` +
      (result.failures.length ? `, ${result.failures.length} failed.` : '.'),
  );
  if (result.failures.length === 0) lines.push(`Next: lambda-lab sweep --experiment ${experimentId} --threads 1,2,4 --reps 5 (same target flags).`);
  return lines.join('\n');
}
