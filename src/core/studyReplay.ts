// The study as a target: every recorded processing time, indexed by configuration (architecture,
// memory, threads), so a replayed invocation can answer with one of them. Pure: the adapter in
// src/replay/ reads the CSVs and serves these answers over the Lambda API.
import type { Architecture } from './experimentConfig';
import type { InvocationRecord } from './invocationRecord';
import { createSeededRandom } from './seededRandom';

export interface ReplaySample {
  processingMs: number;
  cores: number | null;
}

export class UnknownReplayConfigurationError extends Error {}

function configurationKey(arch: Architecture, memoryMB: number, threads: number): string {
  return `${arch}|${memoryMB}|${threads}`;
}

export class StudyReplay {
  private readonly samples = new Map<string, ReplaySample[]>();
  private readonly random: () => number;

  /** Warm, successful records only: a replayed invocation answers with a measured time. */
  constructor(records: readonly InvocationRecord[], seed: number) {
    for (const record of records) {
      if (record.error !== null || record.processingMs === null || record.warmup || record.coldStart) continue;
      const key = configurationKey(record.arch, record.memoryMB, record.threads);
      const list = this.samples.get(key) ?? [];
      list.push({ processingMs: record.processingMs, cores: record.cores });
      this.samples.set(key, list);
    }
    this.random = createSeededRandom(seed);
  }

  get recordCount(): number {
    let total = 0;
    for (const list of this.samples.values()) total += list.length;
    return total;
  }

  architectures(): Architecture[] {
    return [...new Set([...this.samples.keys()].map((key) => key.split('|')[0] as Architecture))].sort();
  }

  /** Memory sizes measured for an architecture (at any thread count), ascending. */
  memorySizes(arch: Architecture): number[] {
    const sizes = new Set<number>();
    for (const key of this.samples.keys()) {
      const [a, memory] = key.split('|');
      if (a === arch) sizes.add(Number(memory));
    }
    return [...sizes].sort((x, y) => x - y);
  }

  threadCounts(arch: Architecture, memoryMB: number): number[] {
    const counts = new Set<number>();
    for (const key of this.samples.keys()) {
      const [a, memory, threads] = key.split('|');
      if (a === arch && Number(memory) === memoryMB) counts.add(Number(threads));
    }
    return [...counts].sort((x, y) => x - y);
  }

  /** Throws UnknownReplayConfigurationError naming what the study has when it did not measure this function. */
  checkFunction(arch: Architecture, memoryMB: number): void {
    const sizes = this.memorySizes(arch);
    if (sizes.length === 0) {
      throw new UnknownReplayConfigurationError(
        `The study has no ${arch} measurements; it has ${this.architectures().join(' and ') || 'none'}. Deploy only those architectures.`,
      );
    }
    if (!sizes.includes(memoryMB)) {
      throw new UnknownReplayConfigurationError(
        `The study did not measure ${arch} at ${memoryMB} MB, so it cannot be replayed. Measured sizes: ${formatSizes(sizes)}.`,
      );
    }
  }

  /** One recorded time of this configuration, drawn uniformly with the seeded generator. */
  draw(arch: Architecture, memoryMB: number, threads: number): ReplaySample {
    this.checkFunction(arch, memoryMB);
    const list = this.samples.get(configurationKey(arch, memoryMB, threads));
    if (!list || list.length === 0) {
      throw new UnknownReplayConfigurationError(
        `The study did not measure ${arch} at ${memoryMB} MB with ${threads} thread(s). Measured thread counts there: ${this.threadCounts(arch, memoryMB).join(', ')}.`,
      );
    }
    return list[Math.floor(this.random() * list.length)];
  }
}

/** "128, 256, …, 10240 MB (41 sizes, 256 MB apart)" for regular grids; the full list otherwise. */
export function formatSizes(sizes: readonly number[]): string {
  if (sizes.length > 6) {
    const steps = new Set(sizes.slice(2).map((m, i) => m - sizes[i + 1]));
    if (steps.size === 1)
      return `${sizes[0]}, ${sizes[1]}, ${sizes[2]}, …, ${sizes[sizes.length - 1]} MB (${sizes.length} sizes, ${[...steps][0]} MB apart from ${sizes[1]})`;
  }
  return `${sizes.join(', ')} MB`;
}
