// Words for a cleanup result, shared by the CLI and the VS Code command.
import type { CleanupResult } from './cleanup';

export function describeCleanup(experimentId: string, result: CleanupResult): string {
  const lines: string[] = [];
  const n = result.deletedFunctions.length;
  lines.push(
    n === 0 && result.skipped.length === 0
      ? `Experiment "${experimentId}": no functions tagged with it were found; nothing deleted.`
      : `Experiment "${experimentId}": deleted ${n} function${n === 1 ? '' : 's'}: ${result.deletedFunctions.join(', ')}.`,
  );
  for (const failure of result.failures) lines.push(`Could not delete ${failure.functionName}: ${failure.message}`);
  if (result.skipped.length > 0) {
    lines.push(`Cancelled: ${result.skipped.length} function${result.skipped.length === 1 ? '' : 's'} not deleted: ${result.skipped.join(', ')}.`);
  }
  if (result.role) {
    lines.push(result.role.deleted ? `Deleted role ${result.role.roleName}.` : `Role ${result.role.roleName} not deleted: ${result.role.reason}.`);
  }
  return lines.join('\n');
}
