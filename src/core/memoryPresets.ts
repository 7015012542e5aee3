// Named sets of memory sizes offered by `lambda-lab deploy --memory <preset>` and the Deploy QuickPick.
// Pure: no SDK, no editor.
import { parseMemoryList } from './experimentValidation';
import { MAX_VCPUS, MB_PER_VCPU, MEMORY_MAX_MB as MAX_MEMORY_MB, MEMORY_MIN_MB } from './lambdaModel';

const mb = (value: number) => value.toLocaleString('en-US');

export interface MemoryPreset {
  id: string;
  label: string;
  description: string;
  sizesMB: readonly number[];
}

/**
 * 1769 × k for k = 1..5, then 10,240 MB. 6 × 1769 = 10,614 is above Lambda's maximum, so the
 * last step is the maximum itself, where Lambda documents 6 vCPUs.
 */
const VCPU_STEPS: readonly number[] = [...Array.from({ length: MAX_VCPUS - 1 }, (_, i) => (i + 1) * MB_PER_VCPU), MAX_MEMORY_MB];

/** A handful from the smallest to the largest size: the shape of the curve for little money. */
const QUICK: readonly number[] = [MEMORY_MIN_MB, 512, 1024, MB_PER_VCPU, 2 * MB_PER_VCPU, 3 * MB_PER_VCPU, MAX_MEMORY_MB];

/** The study that inspired this product: 128 MB, then every 256 MB from 256 to 10,240 (41 sizes). */
const ORIGINAL_STUDY: readonly number[] = [MEMORY_MIN_MB, ...Array.from({ length: MAX_MEMORY_MB / 256 }, (_, i) => (i + 1) * 256)];

export const MEMORY_PRESETS: readonly MemoryPreset[] = [
  {
    id: 'quick',
    label: 'Quick',
    description: `${QUICK.length} sizes from ${mb(MEMORY_MIN_MB)} to ${mb(MAX_MEMORY_MB)} MB`,
    sizesMB: QUICK,
  },
  {
    id: 'vcpu-steps',
    label: 'vCPU steps',
    description: `${mb(MB_PER_VCPU)} MB × 1..${MAX_VCPUS - 1} (one vCPU each) and ${mb(MAX_MEMORY_MB)} MB (${MAX_VCPUS} vCPUs)`,
    sizesMB: VCPU_STEPS,
  },
  {
    id: 'original-study',
    label: 'Original study',
    description: `${ORIGINAL_STUDY.length} sizes: ${MEMORY_MIN_MB} MB and every 256 MB up to ${mb(MAX_MEMORY_MB)} MB`,
    sizesMB: ORIGINAL_STUDY,
  },
];

export function findMemoryPreset(id: string): MemoryPreset | undefined {
  const wanted = id
    .trim()
    .toLowerCase()
    .replace(/[\s_]+/g, '-');
  return MEMORY_PRESETS.find((preset) => preset.id === wanted);
}

/**
 * `--memory` accepts a preset id (`quick`, `vcpu-steps`, `original-study`) or a comma list of MB
 * (`128,1769,3538`). Returns sorted, distinct sizes; a bad list throws the validator's
 * ValidationError naming the value and the allowed range.
 */
export function resolveMemorySelection(text: string): number[] {
  const preset = findMemoryPreset(text);
  const sizes = preset ? [...preset.sizesMB] : parseMemoryList(text);
  return [...new Set(sizes)].sort((a, b) => a - b);
}
