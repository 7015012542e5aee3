// Experiment economy: how few invocations reproduce the study's full knee table. Replays the
// study (every answer one of its recorded times, seeded) to a sweep that chooses its memory sizes,
// through the same engine and run files as any sweep, then analyses the run like `lambda-lab analyze`
// and compares its knee table with the one from all of the study's data.
//   npx tsc -p . && node out/bench/economy.js [--quick] [--json] [--seed N] [--study <folder>]
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { loadAnalysisInput } from '../src/runs/analysisFiles';
import { summarizeConfigurations } from '../src/core/analysis/configSummary';
import { findKnees } from '../src/core/analysis/kneeFinder';
import { SEED_ITEMS_PER_INVOCATION, SEED_STRATEGY } from '../src/core/analysis/seedCsvImport';
import type { KneeEstimate } from '../src/core/analysis/analysisTypes';
import type { Architecture } from '../src/core/experimentConfig';
import type { InvocationRecord } from '../src/core/invocationRecord';
import { DEFAULT_REFINEMENT_RESOLUTION_MB } from '../src/core/memoryRefinement';
import { invocationCostUsd } from '../src/core/pricing';
import { loadStudyRecords } from '../src/replay/replayEndpoint';
import { withReplayTarget, type ReplaySession } from '../src/replay/replaySweep';
import { executeSweep, prepareNewSweep } from '../src/sweep/sweepSession';
import { createSamplerForSweep } from '../src/sweep/adaptiveSamplerFactory';
import { runMemoryRefinement } from '../src/sweep/memoryRefinementLoop';
import { studyData } from './common';

/**
 * The study's size: 46,740 invocations per architecture. Shares are of this total, as the goal
 * states them, when the whole study is replayed; a subset (the committed fixture: 1 thread only) is
 * measured against its own invocations, and the result says so.
 */
export const STUDY_INVOCATIONS = 93_480;

export interface EconomyDesign {
  name: string;
  arch: Architecture;
  /** 'refine': the sweep chooses its memory sizes; 'full-grid': every size the study measured, fixed. */
  memory: 'refine' | 'full-grid';
  /** Most repetitions per configuration; the confidence rule stops earlier. */
  maxRepetitions: number;
  minRepetitions: number;
  targetRelativeHalfWidth: number;
}

export interface EconomyRow {
  design: string;
  arch: Architecture;
  invocations: number;
  shareOfStudy: number;
  gbSeconds: number;
  costUsd: number;
  memorySizesTested: number;
  kneeTableEqual: boolean;
  differences: string[];
}

export interface EconomyOptions {
  studyFolder?: string;
  seed?: number;
  designs?: EconomyDesign[];
  /** QUICK_DESIGNS instead of DEFAULT_DESIGNS (ignored when designs is given). */
  quick?: boolean;
  log?: (line: string) => void;
}

export interface EconomyResult {
  economyInvocationShareArm64: number;
  economyInvocationShareX86: number;
  economyKneeTableEqualArm64: boolean;
  economyKneeTableEqualX86: boolean;
  rows: EconomyRow[];
  command: string;
  /** The folder replayed, its invocations (the shares' denominator) and the thread counts it holds. */
  studyFolder: string;
  studyInvocations: number;
  threadCounts: number[];
}

export const DEFAULT_DESIGNS: EconomyDesign[] = (['arm64', 'x86_64'] as const).flatMap((arch) => [
  { name: 'all 41 sizes, CI 2%, 5-20 reps', arch, memory: 'full-grid' as const, minRepetitions: 5, maxRepetitions: 20, targetRelativeHalfWidth: 0.02 },
  { name: 'refine-memory, CI 2%, 5-20 reps', arch, memory: 'refine' as const, minRepetitions: 5, maxRepetitions: 20, targetRelativeHalfWidth: 0.02 },
  { name: 'refine-memory, CI 5%, 3-10 reps', arch, memory: 'refine' as const, minRepetitions: 3, maxRepetitions: 10, targetRelativeHalfWidth: 0.05 },
]);

/** The design the economy keys report: the one `lambda-lab sweep --refine-memory` runs by default. */
export const HEADLINE_DESIGN = 'refine-memory, CI 2%, 5-20 reps';

/** Under a minute: the designs that matter for the goals only. */
export const QUICK_DESIGNS: EconomyDesign[] = DEFAULT_DESIGNS.filter((d) => d.memory === 'refine' && d.maxRepetitions === 20);

function usage(records: readonly InvocationRecord[]): { gbSeconds: number; costUsd: number } {
  let gbSeconds = 0;
  let costUsd = 0;
  for (const r of records) {
    const billedMs = r.billedMs ?? (r.processingMs === null ? null : Math.ceil(r.processingMs));
    if (billedMs === null) continue;
    gbSeconds += (billedMs / 1000) * (r.memoryMB / 1024);
    costUsd += invocationCostUsd({ billedMs, memoryMB: r.memoryMB, arch: r.arch });
  }
  return { gbSeconds, costUsd };
}

/** Differences between two knee tables of one architecture; a knee may move one resolution step. */
export function compareKneeTables(reference: readonly KneeEstimate[], candidate: readonly KneeEstimate[], arch: Architecture, stepMB: number): string[] {
  const differences: string[] = [];
  for (const full of reference.filter((k) => k.arch === arch)) {
    const other = candidate.find((k) => k.arch === arch && k.strategy === full.strategy && k.threads === full.threads);
    const label = `${arch} ${full.threads} thread(s)`;
    if (!other) differences.push(`${label}: missing`);
    else if ((other.reachedInRange ?? true) !== (full.reachedInRange ?? true))
      differences.push(
        `${label}: plateau ${full.reachedInRange ? 'reached' : 'not reached'} in the study, ${other.reachedInRange ? 'reached' : 'not reached'} here`,
      );
    else if (Math.abs(other.memoryMB - full.memoryMB) > stepMB) differences.push(`${label}: ${full.memoryMB} → ${other.memoryMB} MB`);
  }
  return differences;
}

export async function measureEconomy(options: EconomyOptions = {}): Promise<EconomyResult> {
  const log = options.log ?? (() => {});
  const studyFolder = options.studyFolder ?? studyData({}).dir;
  const seed = options.seed ?? 1;
  const records = loadStudyRecords(studyFolder);
  // The whole study holds 93,480; a subset is measured against what it holds.
  const studyInvocations = records.length;
  const referenceKnees = findKnees(summarizeConfigurations(records, { itemsPerInvocation: SEED_ITEMS_PER_INVOCATION }));
  const rows: EconomyRow[] = [];
  for (const arch of ['arm64', 'x86_64'] as const) {
    const archRecords = records.filter((r) => r.arch === arch);
    rows.push({
      design: 'the study (all of it)',
      arch,
      invocations: archRecords.length,
      shareOfStudy: archRecords.length / studyInvocations,
      ...usage(archRecords),
      memorySizesTested: new Set(archRecords.map((r) => r.memoryMB)).size,
      kneeTableEqual: true,
      differences: [],
    });
  }
  const runsDir = fs.mkdtempSync(path.join(os.tmpdir(), 'lambda-lab-economy-'));
  try {
    for (const design of options.designs ?? (options.quick ? QUICK_DESIGNS : DEFAULT_DESIGNS)) {
      const threadCounts = [...new Set(records.filter((r) => r.arch === design.arch).map((r) => r.threads))].sort((a, b) => a - b);
      // One folder per design: run folders are named by the second they start and the experiment,
      // and two quick designs for one architecture start within the same second.
      const designRunsDir = fs.mkdtempSync(path.join(runsDir, 'design-'));
      const result = await withReplayTarget({ records, seed }, async (session) => {
        const experimentId = `economy-${design.arch.replace('_', '')}`;
        if (design.memory === 'full-grid') return sweepFullGrid(session, experimentId, design, threadCounts, designRunsDir, seed, studyFolder);
        return runMemoryRefinement(
          {
            experimentId,
            architectures: [design.arch],
            threadCounts,
            strategies: [SEED_STRATEGY],
            repetitions: design.maxRepetitions,
            adaptive: { minRepetitions: design.minRepetitions, targetRelativeHalfWidth: design.targetRelativeHalfWidth },
            items: SEED_ITEMS_PER_INVOCATION,
            cost: 10,
            concurrency: 8,
            runsDir: designRunsDir,
            seed,
            resolutionMB: DEFAULT_REFINEMENT_RESOLUTION_MB,
            candidates: (a) => session.handle.replay.memorySizes(a),
            metadataExtras: { replay: { studyFolder, seed } },
          },
          session.target,
          {
            client: session.client,
            deploy: (a, sizes) => session.deploy(experimentId, a, sizes),
            cleanup: () => session.cleanup(experimentId),
            createSampler: createSamplerForSweep,
          },
        );
      });
      // Read back from the run folder, as `lambda-lab analyze <run dir>` does.
      const input = loadAnalysisInput([result.runDir]);
      const knees = findKnees(summarizeConfigurations(input.records, { itemsPerInvocation: SEED_ITEMS_PER_INVOCATION }));
      const differences = compareKneeTables(referenceKnees, knees, design.arch, DEFAULT_REFINEMENT_RESOLUTION_MB);
      rows.push({
        design: design.name,
        arch: design.arch,
        invocations: input.records.length,
        shareOfStudy: input.records.length / studyInvocations,
        ...usage(input.records),
        memorySizesTested: new Set(input.records.map((r) => r.memoryMB)).size,
        kneeTableEqual: differences.length === 0,
        differences,
      });
      log(
        `${design.arch} ${design.name}: ${input.records.length} invocations${result.refinement ? `, ${result.refinement.rounds.length} round(s); ${result.refinement.finished}` : ''}`,
      );
    }
  } finally {
    fs.rmSync(runsDir, { recursive: true, force: true });
  }
  // The headline is the default design, held to the goal on every seed tried (2-7 as well as 1);
  // cheaper designs are shown beside it, but one lucky seed does not make them the answer.
  const headline = (arch: Architecture) => rows.find((r) => r.arch === arch && r.design === HEADLINE_DESIGN);
  const arm = headline('arm64');
  const x86 = headline('x86_64');
  return {
    economyInvocationShareArm64: arm ? arm.shareOfStudy : Number.NaN,
    economyInvocationShareX86: x86 ? x86.shareOfStudy : Number.NaN,
    economyKneeTableEqualArm64: arm?.kneeTableEqual === true,
    economyKneeTableEqualX86: x86?.kneeTableEqual === true,
    rows,
    command: `npx tsc -p . && node out/bench/economy.js --study ${studyFolder}`,
    studyFolder,
    studyInvocations,
    threadCounts: [...new Set(records.map((r) => r.threads))].sort((a, b) => a - b),
  };
}

/** The fixed design on the study's whole grid through the ordinary sweep session, with the same confidence rule. */
async function sweepFullGrid(
  session: ReplaySession,
  experimentId: string,
  design: EconomyDesign,
  threadCounts: number[],
  runsDir: string,
  seed: number,
  studyFolder: string,
) {
  try {
    const functions = await session.deploy(experimentId, design.arch, session.handle.replay.memorySizes(design.arch));
    const prepared = await prepareNewSweep(
      session.client,
      {
        experimentId,
        threadCounts,
        strategies: [SEED_STRATEGY],
        repetitions: design.maxRepetitions,
        items: SEED_ITEMS_PER_INVOCATION,
        cost: 10,
        concurrency: 8,
        runsDir,
        seed,
        functions,
        adaptive: { minRepetitions: design.minRepetitions, targetRelativeHalfWidth: design.targetRelativeHalfWidth },
      },
      session.target,
    );
    prepared.store.updateMetadata({ replay: { studyFolder, seed } });
    const outcome = await executeSweep(prepared, { client: session.client, createSampler: createSamplerForSweep });
    if (outcome.status !== 'completed') throw new Error(`The full-grid replay ${outcome.status}: ${outcome.statusReason ?? ''}`);
    return { runDir: prepared.store.runDir, refinement: null };
  } finally {
    await session.cleanup(experimentId);
  }
}

export function formatEconomyTable(rows: readonly EconomyRow[]): string {
  const header = ['arch', 'design', 'invocations', 'share of study', 'sizes', 'GB-seconds', 'cost on AWS', 'knee table equal?'];
  const body = rows.map((r) => [
    r.arch,
    r.design,
    String(r.invocations),
    `${(r.shareOfStudy * 100).toFixed(2)}%`,
    String(r.memorySizesTested),
    r.gbSeconds.toFixed(0),
    `$${r.costUsd.toFixed(2)}`,
    r.kneeTableEqual ? 'yes' : `no: ${r.differences.join('; ')}`,
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((row) => row[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => (i >= 2 && i <= 6 ? c.padStart(widths[i]) : c.padEnd(widths[i]))).join('  ');
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...body.map(line)].join('\n');
}

async function main(argv: string[]): Promise<number> {
  const json = argv.includes('--json');
  const quick = argv.includes('--quick');
  const seedIndex = argv.indexOf('--seed');
  const studyIndex = argv.indexOf('--study');
  const result = await measureEconomy({
    seed: seedIndex >= 0 ? Number(argv[seedIndex + 1]) : undefined,
    studyFolder: studyData({ study: studyIndex >= 0 ? path.resolve(argv[studyIndex + 1]) : undefined }).dir,
    quick,
    log: (line) => process.stderr.write(`${line}\n`),
  });
  process.stdout.write(
    `Experiment economy (study replay of ${result.studyFolder}, seeded; share = invocations / ${result.studyInvocations.toLocaleString('en-US')}, ` +
      `${result.studyInvocations === STUDY_INVOCATIONS ? "the study's total" : `what this folder holds (threads ${result.threadCounts.join(', ')}), not the study's ${STUDY_INVOCATIONS.toLocaleString('en-US')}`})\n`,
  );
  process.stdout.write(`${formatEconomyTable(result.rows)}\n`);
  process.stdout.write(`Reproduce: ${result.command}\n`);
  if (json) {
    const { rows: _rows, command: _command, ...keys } = result;
    process.stdout.write(`${JSON.stringify(keys)}\n`);
  }
  return 0;
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (error: unknown) => {
      process.stderr.write(`economy: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
      process.exit(1);
    },
  );
}
