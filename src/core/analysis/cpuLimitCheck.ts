// Whether a run's times came from a CPU limited like Lambda's or from an unthrottled machine
// (unthrottled results are labelled in every result and in the UI, never silently).
// One check, made by the one analysis loader (analysisInput.ts) that `lambda-lab analyze`/`export`
// and the results view share, so the two can never disagree. Pure: no I/O.
import type { InvocationRecord } from '../invocationRecord';

/** What limited the CPU behind a set of invocations; travels to the results page as is. */
export interface CpuLimitSummary {
  /**
   * How the throttled invocations were limited ('cgroup-v1', 'cgroup-v2', 'systemd-run', 'aws',
   * 'unknown' for a custom endpoint; several joined by ', '), or null when nothing says.
   */
  method: string | null;
  /** Invocations that ran with no CPU limit: their times do not scale with memory as on Lambda. */
  unthrottledInvocations: number;
  /** Invocation records looked at (CSV mean-only rows have no invocations and are not counted). */
  totalInvocations: number;
}

export interface CpuLimitCheck {
  summary: CpuLimitSummary;
  /** One warning line naming the source when any invocation was unthrottled, else null. */
  warning: string | null;
}

const UNTHROTTLED_CONSEQUENCE = "its times do not show Lambda's memory-proportional CPU, so the knee and costs describe this machine, not Lambda.";

/** 'none' or 'none (reason)' as written by the built-in endpoint and the sweep. */
export function isUnthrottledLimit(limit: unknown): boolean {
  return typeof limit === 'string' && /^none\b/.test(limit.trim());
}

/**
 * Checks one source (a run directory, a .jsonl or CSV file). Each record's own `cpuLimit` (what the
 * function saw) wins; records that do not say inherit the run's `cpuLimit` from run.json.
 */
export function checkCpuLimit(source: string, records: readonly InvocationRecord[], runCpuLimit?: string | null): CpuLimitCheck {
  const runLimit = typeof runCpuLimit === 'string' && runCpuLimit.trim() !== '' ? runCpuLimit.trim() : null;
  const methods = new Set<string>();
  let unthrottled = 0;
  for (const record of records) {
    const own = typeof record.cpuLimit === 'string' && record.cpuLimit.trim() !== '' ? record.cpuLimit.trim() : null;
    const limit = own ?? runLimit;
    if (limit === null) continue;
    if (isUnthrottledLimit(limit)) unthrottled++;
    else methods.add(limit);
  }
  // A run that has not recorded an invocation yet still says how it is limited.
  if (records.length === 0 && runLimit !== null && !isUnthrottledLimit(runLimit)) methods.add(runLimit);
  const summary: CpuLimitSummary = { method: joinMethods(methods), unthrottledInvocations: unthrottled, totalInvocations: records.length };
  let warning: string | null = null;
  if (unthrottled > 0) {
    warning = `${source}: ${unthrottled} of ${records.length} invocations ran with no CPU limit (unthrottled): ${UNTHROTTLED_CONSEQUENCE}`;
  } else if (records.length === 0 && isUnthrottledLimit(runLimit)) {
    warning = `${source}: this run has no CPU limit (unthrottled): ${UNTHROTTLED_CONSEQUENCE}`;
  }
  return { summary, warning };
}

/** Adds up the summaries of several sources (imported files, several run directories). */
export function combineCpuLimitSummaries(summaries: readonly CpuLimitSummary[]): CpuLimitSummary {
  const methods = new Set<string>();
  let unthrottled = 0;
  let total = 0;
  for (const summary of summaries) {
    unthrottled += summary.unthrottledInvocations;
    total += summary.totalInvocations;
    for (const method of summary.method?.split(', ') ?? []) if (method) methods.add(method);
  }
  return { method: joinMethods(methods), unthrottledInvocations: unthrottled, totalInvocations: total };
}

function joinMethods(methods: Set<string>): string | null {
  return methods.size === 0 ? null : [...methods].sort().join(', ');
}

const LOCAL_LIMIT_METHODS = new Set(['cgroup-v1', 'cgroup-v2', 'systemd-run']);

/** The words the results page shows: a warning when anything ran unthrottled, and a note on the limit. */
export function describeCpuLimit(summary: CpuLimitSummary): { unthrottled: string | null; note: string | null } {
  const n = summary.unthrottledInvocations;
  const unthrottled =
    n > 0
      ? `Unthrottled: ${n} of ${summary.totalInvocations} invocation${summary.totalInvocations === 1 ? '' : 's'} ran with no CPU limit — times do not reflect Lambda's memory-to-CPU allocation.`
      : null;
  const methods = summary.method?.split(', ').filter(Boolean) ?? [];
  const notes = methods.map((method) => {
    if (LOCAL_LIMIT_METHODS.has(method)) return `CPU limited like Lambda (${method})`;
    if (method === 'aws') return 'Measured on AWS Lambda';
    if (method === 'unknown') return 'CPU limit unknown (the endpoint did not say)';
    return `CPU limit: ${method}`;
  });
  return { unthrottled, note: notes.length > 0 ? `${notes.join('; ')}${n > 0 ? ' for the other invocations' : ''}.` : null };
}
