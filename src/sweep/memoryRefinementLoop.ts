// A sweep that chooses its memory sizes: deploys the coarse design, sweeps it, asks the knee
// finder where each knee can be, deploys and sweeps only the sizes that narrow it, and so on until
// every knee is pinned to the resolution. One run folder for all rounds (the engine skips what is
// recorded), with run.json saying which sizes each round added and why. Functions are cleaned up
// when the loop ends, whatever the outcome.
import * as path from 'node:path';
import { findKnees } from '../core/analysis/kneeFinder';
import { summarizeConfigurations } from '../core/analysis/configSummary';
import type { Architecture, Strategy } from '../core/experimentConfig';
import {
  buildPairPlan,
  coarseMemoryDesign,
  planRefinementRound,
  type FamilyKnee,
  type MemoryAddition,
  type MemoryRefinementRecord,
} from '../core/memoryRefinement';
import { RUN_FORMAT_VERSION, newRunId, type RunMetadata } from '../core/runFiles';
import { newSeed, planSize, type SweepFunction } from '../core/sweepPlan';
import { RunStore } from './runStore';
import type { SweepSampler } from './adaptiveStops';
import { runSweep, type LambdaInvoker, type SweepEngineOptions, type SweepOutcome } from './sweepEngine';
import { productVersion, type AdaptiveSettings, type TargetDescription } from './sweepSession';

/** More rounds than a 10 GB range ever needs at 64 MB resolution; a guard against a knee that keeps moving. */
export const MAX_REFINEMENT_ROUNDS = 12;

export interface MemoryRefinementRequest {
  experimentId: string;
  architectures: Architecture[];
  threadCounts: number[];
  strategies: Strategy[];
  /** The most repetitions per configuration; the confidence rule (adaptive) usually stops earlier. */
  repetitions: number;
  adaptive: AdaptiveSettings;
  items: number;
  cost: number;
  concurrency: number;
  runsDir: string;
  runDir?: string;
  seed?: number;
  resolutionMB: number;
  /** Sizes the loop may choose from, per architecture, ascending (the study's grid on the replay). */
  candidates: (arch: Architecture) => number[];
  maxCostUsd?: number | null;
  /** Extra run.json fields (e.g. the replay's source). */
  metadataExtras?: Partial<RunMetadata>;
}

export interface MemoryRefinementHooks extends Pick<SweepEngineOptions, 'signal' | 'confirmCost' | 'onProgress' | 'log'> {
  client: LambdaInvoker;
  /** Deploys these sizes (new ones only are asked for) and returns the functions to invoke. */
  deploy: (arch: Architecture, memorySizesMB: number[]) => Promise<SweepFunction[]>;
  /** Deletes what deploy made; called once when the loop ends. */
  cleanup: () => Promise<void>;
  createSampler: (settings: { minRepetitions: number; maxRepetitions: number; targetRelativeHalfWidth: number }) => SweepSampler;
}

export interface MemoryRefinementOutcome {
  runDir: string;
  outcome: SweepOutcome;
  refinement: MemoryRefinementRecord;
  invocations: number;
}

export async function runMemoryRefinement(
  request: MemoryRefinementRequest,
  target: TargetDescription,
  hooks: MemoryRefinementHooks,
): Promise<MemoryRefinementOutcome> {
  const log = hooks.log ?? (() => {});
  const seed = request.seed ?? newSeed();
  const runId = request.runDir ? path.basename(path.resolve(request.runDir)) : newRunId(request.experimentId);
  const runDir = request.runDir ?? path.join(request.runsDir, runId);
  const refinement: MemoryRefinementRecord = { resolutionMB: request.resolutionMB, rounds: [], finished: null };
  const functions = new Map<string, SweepFunction>();
  const pairs: Array<{ fn: SweepFunction; threads: number }> = [];
  const pairKeys = new Set<string>();
  const now = new Date().toISOString();
  let store: RunStore | null = null;
  let outcome: SweepOutcome | null = null;
  try {
    let additions = new Map<Architecture, MemoryAddition[]>(
      request.architectures.map((arch) => [arch, coarseMemoryDesign(request.candidates(arch), request.threadCounts)]),
    );
    for (let round = 0; round < MAX_REFINEMENT_ROUNDS; round++) {
      const recorded: MemoryAddition[] = [];
      for (const [arch, list] of additions) {
        if (list.length === 0) continue;
        const deployedNow = new Set([...functions.values()].filter((f) => f.arch === arch).map((f) => f.memoryMB));
        const toDeploy = list.map((a) => a.memoryMB).filter((m) => !deployedNow.has(m));
        if (toDeploy.length > 0) {
          log(`Round ${round}: deploying ${arch} at ${toDeploy.join(', ')} MB`);
          for (const fn of await hooks.deploy(arch, toDeploy)) functions.set(`${fn.arch}|${fn.memoryMB}`, fn);
        }
        for (const addition of list) {
          const fn = functions.get(`${arch}|${addition.memoryMB}`);
          if (!fn) throw new Error(`Deploying ${arch} at ${addition.memoryMB} MB returned no function.`);
          for (const threads of addition.threads) {
            const key = `${fn.functionName}|${threads}`;
            if (pairKeys.has(key)) continue;
            pairKeys.add(key);
            pairs.push({ fn, threads });
          }
          recorded.push({ ...addition, reason: `${arch}: ${addition.reason}` });
          log(`Round ${round}: ${arch} ${addition.memoryMB} MB for ${addition.threads.join(',')} thread(s): ${addition.reason}`);
        }
      }
      if (recorded.length === 0) {
        refinement.finished = `every knee is pinned to ${request.resolutionMB} MB (or to the sizes there are) after ${round} round(s)`;
        break;
      }
      refinement.rounds.push({ round, additions: recorded });
      const plan = buildPairPlan({ pairs, strategies: request.strategies, repetitions: request.repetitions, seed });
      const planMeta: RunMetadata['plan'] = {
        ...plan.input,
        items: request.items,
        cost: request.cost,
        concurrency: request.concurrency,
        plannedInvocations: planSize(plan),
      };
      if (!store) {
        store = RunStore.create(runDir, {
          formatVersion: RUN_FORMAT_VERSION,
          runId: path.basename(runDir),
          experimentId: request.experimentId,
          target: target.target,
          region: target.region,
          plan: planMeta,
          seed,
          adaptive: { ...request.adaptive, maxRepetitions: request.repetitions },
          maxCostUsd: request.maxCostUsd ?? null,
          templateHash: null,
          extensionVersion: productVersion(),
          cpuLimit: target.cpuLimit,
          startedAt: now,
          updatedAt: now,
          status: 'running',
          statusReason: null,
          estimatedCostUsd: null,
          costSoFarUsd: 0,
          configStops: [],
          memoryRefinement: refinement,
          ...request.metadataExtras,
        });
        log(`Run folder: ${runDir}`);
      } else {
        store.updateMetadata({ plan: planMeta, memoryRefinement: refinement });
      }
      outcome = await runSweep({
        client: hooks.client,
        store,
        plan,
        items: request.items,
        cost: request.cost,
        region: target.region,
        concurrency: request.concurrency,
        maxCostUsd: request.maxCostUsd ?? null,
        sampler: hooks.createSampler({ ...request.adaptive, maxRepetitions: request.repetitions }),
        signal: hooks.signal,
        confirmCost: round === 0 ? hooks.confirmCost : undefined,
        onProgress: hooks.onProgress,
        log: hooks.log,
      });
      if (outcome.status !== 'completed') {
        refinement.finished = `stopped in round ${round}: ${outcome.status}${outcome.statusReason ? ` (${outcome.statusReason})` : ''}`;
        break;
      }
      additions = nextAdditions(store, request, pairs);
      if (round === MAX_REFINEMENT_ROUNDS - 1)
        refinement.finished = `stopped after ${MAX_REFINEMENT_ROUNDS} rounds; some knees may not be pinned to ${request.resolutionMB} MB`;
    }
  } finally {
    try {
      await hooks.cleanup();
    } finally {
      if (store) {
        store.updateMetadata({ memoryRefinement: refinement });
        store.close();
      }
    }
  }
  if (!store || !outcome) throw new Error('The memory refinement ran no sweep: the coarse design was empty.');
  log(`Memory refinement: ${refinement.finished}`);
  return { runDir, outcome, refinement, invocations: store.invocations.length };
}

/** Knees from what is recorded, per architecture and strategy, and the sizes that would narrow them. */
function nextAdditions(
  store: RunStore,
  request: MemoryRefinementRequest,
  pairs: ReadonlyArray<{ fn: SweepFunction; threads: number }>,
): Map<Architecture, MemoryAddition[]> {
  const knees = findKnees(summarizeConfigurations(store.invocations, { region: store.meta.region, itemsPerInvocation: request.items }));
  const result = new Map<Architecture, MemoryAddition[]>();
  for (const arch of request.architectures) {
    const merged = new Map<number, MemoryAddition>();
    for (const strategy of request.strategies) {
      const families: FamilyKnee[] = request.threadCounts.map((threads) => {
        const knee = knees.find((k) => k.arch === arch && k.strategy === strategy && k.threads === threads);
        const tested = pairs.filter((p) => p.fn.arch === arch && p.threads === threads).map((p) => p.fn.memoryMB);
        return { threads, tested, kneeMB: knee ? knee.memoryMB : Number.NaN, reachedInRange: knee?.reachedInRange ?? true };
      });
      for (const addition of planRefinementRound(families, request.candidates(arch), request.resolutionMB)) {
        const existing = merged.get(addition.memoryMB);
        if (!existing) merged.set(addition.memoryMB, addition);
        else
          merged.set(addition.memoryMB, {
            memoryMB: addition.memoryMB,
            threads: [...new Set([...existing.threads, ...addition.threads])].sort((a, b) => a - b),
            reason: `${existing.reason}; ${addition.reason}`,
          });
      }
    }
    result.set(
      arch,
      [...merged.values()].sort((a, b) => a.memoryMB - b.memoryMB),
    );
  }
  return result;
}
