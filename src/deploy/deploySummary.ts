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

/** `nextStep`: the line to print after a clean deploy (the CLI names its command; VS Code offers a button instead). */
export function summarizeDeploy(experimentId: string, result: DeployResult, nextStep?: string): string {
  const count = (predicate: (action: string) => boolean) => result.functions.filter((f) => predicate(f.action)).length;
  const created = count((a) => a === 'created');
  const updated = count((a) => a.startsWith('updated'));
  const unchanged = count((a) => a === 'unchanged');
  const lines = result.functions.map((f) => `  ${f.functionName.padEnd(40)} ${f.action}`);
  for (const failure of result.failures) lines.push(`  ${failure.functionName.padEnd(40)} FAILED: ${failure.message}`);
  for (const skipped of result.skipped) lines.push(`  ${skipped.functionName.padEnd(40)} not deployed (cancelled)`);
  const total = result.functions.length + result.failures.length + result.skipped.length;
  lines.push(
    `Experiment "${experimentId}": ${total} function${total === 1 ? '' : 's'}: ${created} created, ${updated} updated, ${unchanged} unchanged` +
      (result.failures.length ? `, ${result.failures.length} failed` : '') +
      (result.skipped.length ? `, ${result.skipped.length} not deployed (cancelled)` : '') +
      '.',
  );
  if (result.failures.length === 0 && result.skipped.length === 0 && nextStep) lines.push(nextStep);
  return lines.join('\n');
}
