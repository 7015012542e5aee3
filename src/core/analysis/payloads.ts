// Which payloads a sweep of your own function sent, and its records for one of them. Invocations of
// different payloads are never averaged together (mixedPayloadProblem), so `lambda-lab analyze
// --payload` and the results view both analyse one payload at a time through these.
import type { InvocationRecord } from '../invocationRecord';

/**
 * The payload names the records carry, in the run's order: the order run.json declares
 * (`declared`, its ownFunction.payloads) first, then any other name in order of first appearance.
 * Declared names no record carries are left out. Records without a payload are not counted.
 */
export function payloadNames(records: readonly InvocationRecord[], declared: readonly string[] = []): string[] {
  const seen = new Set<string>();
  for (const record of records) if (typeof record.payload === 'string') seen.add(record.payload);
  const ordered = declared.filter((name) => seen.has(name));
  for (const name of seen) if (!ordered.includes(name)) ordered.push(name);
  return ordered;
}

/**
 * Records of a sweep of your own function: every one names its payload (the template's never do).
 * Records written before they named their payload are told by where their time came from: every
 * measured record of your function says it (timeSource), the template's never do.
 * Such records still carry the template's strategy field ("pool"), which says nothing about a
 * function the lab did not write, so reports show OWN_FUNCTION_STRATEGY in its place.
 */
export function isOwnFunctionRecords(records: readonly Pick<InvocationRecord, 'payload' | 'timeSource' | 'error'>[]): boolean {
  if (records.length === 0) return false;
  if (records.every((record) => typeof record.payload === 'string')) return true;
  const measured = records.filter((record) => record.error === null);
  return records.every((record) => record.payload === undefined) && measured.length > 0 && measured.every((record) => record.timeSource !== undefined);
}

/** True when every run read has a run.json saying it swept your own function (its ownFunction section). */
export function runsSweptOwnFunction(runs: ReadonlyArray<{ meta: { ownFunction?: unknown } | null }>): boolean {
  return runs.length > 0 && runs.every((run) => run.meta?.ownFunction !== undefined && run.meta.ownFunction !== null);
}

/** What reports show in the strategy column for your own function: it has no strategy of the template's. */
export const OWN_FUNCTION_STRATEGY = 'your function';

/** The strategy as reports show it: the template's strategy, or OWN_FUNCTION_STRATEGY for your own function. */
export function strategyLabel(strategy: string, ownFunction: boolean | undefined): string {
  return ownFunction ? OWN_FUNCTION_STRATEGY : strategy;
}

/** The records that sent this payload. */
export function recordsForPayload<R extends Pick<InvocationRecord, 'payload'>>(records: readonly R[], payload: string): R[] {
  return records.filter((record) => record.payload === payload);
}
