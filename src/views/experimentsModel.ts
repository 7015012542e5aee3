// What the Lambda Lab view shows: the experiments deployed on the current target (their functions,
// found by name on the target) and the runs recorded for them in the workspace
// (.lambda-lab/runs/<run-id>/run.json + invocations.jsonl). No vscode import: plain data and I/O.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { LambdaClient } from '@aws-sdk/client-lambda';
import type { Architecture } from '../core/experimentConfig';
import { FUNCTION_NAME_PREFIX } from '../core/experimentNaming';
import { TAG_COPY_OF } from '../core/ownFunction';
import { INVOCATIONS_FILE, RUN_FILE, parseInvocationsJsonl, type RunMetadata, type RunStatus } from '../core/runFiles';

export interface ExperimentFunctionInfo {
  experimentId: string;
  functionName: string;
  memoryMB: number;
  arch: Architecture;
  /** Lambda's State (Active, Pending, Failed, Inactive) or "unknown" when the target did not say. */
  state: string;
  /** The thread count a copy of the user's own function is fixed to (`…-t<n>`: thread count in an environment variable), else absent. */
  threads?: number;
  /** For a copy made by Sweep Your Own Function: the user's function it copies (its copy-of tag). */
  copyOf?: string;
}

export interface RunInfo {
  runDir: string;
  runId: string;
  experimentId: string;
  status: RunStatus;
  startedAt: string;
  /** Invocations recorded so far (warm-ups included). */
  done: number;
  planned: number;
  costUsd: number;
  targetKind: RunMetadata['target']['kind'];
}

export interface ExperimentInfo {
  experimentId: string;
  functions: ExperimentFunctionInfo[];
  runs: RunInfo[];
}

/** `llab-<experiment>-<memory>-<arch>`, or a per-thread-count copy of a user's function `llab-<experiment>-<memory>-<arch>-t<threads>` (src/core/ownFunction.ts planCopies). */
const FUNCTION_NAME = new RegExp(`^${FUNCTION_NAME_PREFIX}-([a-z0-9][a-z0-9-]*)-(\\d+)-(x86_64|arm64)(?:-t(\\d+))?$`);

/**
 * What each experiment's first function was last tagged as (the function it copies, or null for a
 * template experiment), by function ARN: a ListTags that fails keeps the last answer, so a copy does
 * not flip to a template experiment (and its row redraw) for one failed call.
 */
export type CopyTags = Map<string, string | null>;

/** The experiments' functions on a target, by experiment id (from function names: one ListFunctions walk). */
export async function listDeployedFunctions(client: LambdaClient, knownCopyTags: CopyTags = new Map()): Promise<Map<string, ExperimentFunctionInfo[]>> {
  const byExperiment = new Map<string, ExperimentFunctionInfo[]>();
  const arns = new Map<string, string>();
  // Loaded on first listing, not when the view registers at activation.
  const { paginateListFunctions } = await import('@aws-sdk/client-lambda');
  for await (const page of paginateListFunctions({ client }, {})) {
    for (const fn of page.Functions ?? []) {
      const match = FUNCTION_NAME.exec(fn.FunctionName ?? '');
      if (!match) continue;
      const [, experimentId, memory, arch, threads] = match;
      const info: ExperimentFunctionInfo = {
        experimentId,
        functionName: fn.FunctionName!,
        memoryMB: fn.MemorySize ?? Number(memory),
        arch: (fn.Architectures?.[0] as Architecture | undefined) ?? (arch as Architecture),
        state: fn.State ?? 'unknown',
        ...(threads !== undefined ? { threads: Number(threads) } : {}),
      };
      byExperiment.set(experimentId, [...(byExperiment.get(experimentId) ?? []), info]);
      if (fn.FunctionArn) arns.set(fn.FunctionName!, fn.FunctionArn);
    }
  }
  // Copies of a user's function are told apart by their tag (ListFunctions gives no tags): one
  // ListTags per experiment, on its first function. Their experiments offer no template Run Sweep or Deploy.
  const { ListTagsCommand } = await import('@aws-sdk/client-lambda');
  for (const [experimentId, functions] of byExperiment) {
    const first = arns.get(functions[0].functionName) ?? functions[0].functionName;
    const copyOf = await client.send(new ListTagsCommand({ Resource: first })).then(
      (answer) => {
        const tag = answer.Tags?.[TAG_COPY_OF] ?? null;
        knownCopyTags.set(first, tag);
        return tag;
      },
      // No tags readable: the last answer for this function, else listed as a template experiment.
      () => knownCopyTags.get(first) ?? null,
    );
    if (copyOf)
      byExperiment.set(
        experimentId,
        functions.map((fn) => ({ ...fn, copyOf })),
      );
  }
  for (const functions of byExperiment.values())
    functions.sort((a, b) => a.arch.localeCompare(b.arch) || a.memoryMB - b.memoryMB || (a.threads ?? 0) - (b.threads ?? 0));
  return byExperiment;
}

/**
 * Invocations counted per run file, reused while the file's size and modification time stay the same:
 * the view re-reads the runs whenever a sweep writes, and parsing every run's invocations.jsonl each
 * time (41 MB for 100,000 invocations) would cost the extension host seconds per refresh.
 */
export type InvocationCounts = Map<string, { signature: string; done: number }>;

/** Every readable run under `runsDir`, newest first. Folders that are not runs are skipped. */
export function readRuns(runsDir: string, counts: InvocationCounts = new Map()): RunInfo[] {
  let names: string[];
  try {
    names = fs.readdirSync(runsDir);
  } catch {
    return []; // no runs folder yet
  }
  const runs: RunInfo[] = [];
  const seen = new Set<string>();
  for (const name of names) {
    const runDir = path.join(runsDir, name);
    let meta: RunMetadata;
    try {
      meta = JSON.parse(fs.readFileSync(path.join(runDir, RUN_FILE), 'utf8')) as RunMetadata;
    } catch {
      continue; // not a run (or run.json is being replaced this instant: the watcher fires again)
    }
    seen.add(runDir);
    const done = countInvocations(path.join(runDir, INVOCATIONS_FILE), counts);
    runs.push({
      runDir,
      runId: meta.runId ?? name,
      experimentId: meta.experimentId,
      status: meta.status,
      startedAt: meta.startedAt,
      done,
      planned: meta.plan?.plannedInvocations ?? 0,
      costUsd: meta.costSoFarUsd ?? 0,
      targetKind: meta.target?.kind ?? 'aws',
    });
  }
  for (const file of counts.keys()) if (!seen.has(path.dirname(file))) counts.delete(file);
  return runs.sort((a, b) => b.startedAt.localeCompare(a.startedAt));
}

function countInvocations(file: string, counts: InvocationCounts): number {
  let signature: string;
  try {
    const stat = fs.statSync(file);
    signature = `${stat.size}:${stat.mtimeMs}:${stat.ino}`;
  } catch {
    counts.delete(file);
    return 0; // the sweep has not written its first invocation yet
  }
  const known = counts.get(file);
  if (known?.signature === signature) return known.done;
  let done: number;
  try {
    done = parseInvocationsJsonl(fs.readFileSync(file, 'utf8')).records.length;
  } catch {
    return 0;
  }
  counts.set(file, { signature, done });
  return done;
}

/** The experiments on the target, each with its runs; experiments with runs only (not deployed here) are left out. */
export function joinExperiments(functions: Map<string, ExperimentFunctionInfo[]>, runs: readonly RunInfo[]): ExperimentInfo[] {
  return [...functions.keys()]
    .sort((a, b) => a.localeCompare(b))
    .map((experimentId) => ({ experimentId, functions: functions.get(experimentId) ?? [], runs: runs.filter((r) => r.experimentId === experimentId) }));
}

/**
 * How the runs read now differ from the runs the view shows: `restructured` when a run came or went
 * (or moved), so experiments' run counts and the Runs lists change; otherwise the runs whose row
 * changed (status, count, cost). The view redraws only that much, because a redraw drops the rows
 * VS Code knows, and a menu or inline action clicked on a dropped row reaches no node.
 */
export function diffRuns(shown: readonly RunInfo[], now: readonly RunInfo[]): { restructured: boolean; changed: RunInfo[] } {
  const restructured = shown.length !== now.length || shown.some((run, i) => run.runDir !== now[i].runDir || run.experimentId !== now[i].experimentId);
  if (restructured) return { restructured, changed: [] };
  return { restructured, changed: now.filter((run, i) => JSON.stringify(run) !== JSON.stringify(shown[i])) };
}

/**
 * What the view redraws when the experiments it shows (`shown`) are read again (`now`): the whole
 * tree only when experiments came or went (or changed order); else each experiment whose functions
 * changed or whose runs came or went (its row says how many, and its subtree is listed again), and
 * the run rows that changed in the others. Redrawing an experiment keeps VS Code's handle of its row;
 * redrawing the whole tree drops every row's, and a menu action clicked meanwhile reaches no node.
 */
export function redrawBetween(
  shown: readonly ExperimentInfo[],
  now: readonly ExperimentInfo[],
): { whole: true } | { whole: false; experiments: ExperimentInfo[]; runs: RunInfo[] } {
  if (shown.length !== now.length || shown.some((experiment, i) => experiment.experimentId !== now[i].experimentId)) return { whole: true };
  const experiments: ExperimentInfo[] = [];
  const runs: RunInfo[] = [];
  now.forEach((experiment, i) => {
    const { restructured, changed } = diffRuns(shown[i].runs, experiment.runs);
    if (restructured || JSON.stringify(shown[i].functions) !== JSON.stringify(experiment.functions)) experiments.push(experiment);
    else runs.push(...changed);
  });
  return { whole: false, experiments, runs };
}

/** True when two listings of the target's functions would show the same rows. */
export function sameFunctionListing(a: ReadonlyMap<string, ExperimentFunctionInfo[]>, b: ReadonlyMap<string, ExperimentFunctionInfo[]>): boolean {
  const key = (listing: ReadonlyMap<string, ExperimentFunctionInfo[]>) => JSON.stringify([...listing].sort(([x], [y]) => x.localeCompare(y)));
  return key(a) === key(b);
}
