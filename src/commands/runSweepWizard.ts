// Run Sweep's questions, one step at a time with Back: thread counts, fixed repetitions or adaptive
// (with its confidence target), items, bcrypt cost, strategy — each with a default and one line of
// explanation — and last the plan (invocations, time, what it would cost on AWS) to start or go back.
// Fields already given (by a view action or a test) are not asked.
import type { Strategy } from '../core/experimentConfig';
import type { ExperimentFunctionIdentity } from '../core/experimentNaming';
import { parseThreadList, validateCost, validateItems, validateRepetitions } from '../core/experimentValidation';
import { BACK, CANCELLED, inputStep, pickStep, type StepPosition } from './multiStepInput';
import { previewSweep } from './sweepPlanPreview';

export interface SweepAnswers {
  threadCounts?: number[];
  adaptive?: boolean;
  repetitions?: number;
  /** Adaptive only: stop a configuration when its 95% CI half-width is below this share of its mean. */
  targetCi?: number;
  items?: number;
  cost?: number;
  strategies?: Strategy[];
}

export interface WizardContext {
  experimentId: string;
  functions: readonly ExperimentFunctionIdentity[];
  concurrency: number;
  region: string;
  /** How the target bills: the plan says "on AWS this would cost" either way, and "nothing is billed here" on Local. */
  targetBills: boolean;
  targetLabel: string;
  defaultTargetCi: number;
}

type Complete = Required<Omit<SweepAnswers, 'targetCi'>> & { targetCi: number };

interface Step {
  /** False when the answer is already known (given, or not relevant). */
  applies(answers: SweepAnswers): boolean;
  ask(answers: SweepAnswers, position: StepPosition): Promise<void>;
}

/** Asks every step whose answer is missing; resolves with the full answers, or undefined when cancelled. */
export async function askSweepChoices(given: SweepAnswers, context: WizardContext): Promise<Complete | undefined> {
  const answers: SweepAnswers = { ...given };
  const fixed = new Set(
    Object.entries(given)
      .filter(([, v]) => v !== undefined)
      .map(([k]) => k),
  );
  if (fixed.has('repetitions') && !fixed.has('adaptive')) {
    answers.adaptive = false;
    fixed.add('adaptive');
  }
  const questions = buildQuestionSteps(fixed, context);
  // The plan is shown whenever something is asked: the last chance to go back before invoking.
  const showPlan = questions.some((s) => s.applies(answers));
  const steps = [...questions, planStep(context, showPlan)];
  const asked = steps.filter((s) => s.applies(answers));
  const history: number[] = [];
  let index = 0;
  const title = `Run Sweep: ${context.experimentId}`;
  while (index < steps.length) {
    const step = steps[index];
    if (!step.applies(answers)) {
      index++;
      continue;
    }
    const position = { title, step: history.length + 1, totalSteps: Math.max(asked.length, history.length + 1) };
    try {
      await step.ask(answers, position);
      history.push(index);
      index++;
    } catch (signal) {
      if (signal === BACK && history.length > 0) index = history.pop()!;
      else if (signal === CANCELLED || signal === BACK) return undefined;
      else throw signal;
    }
  }
  return {
    threadCounts: answers.threadCounts!,
    adaptive: answers.adaptive ?? false,
    repetitions: answers.repetitions!,
    targetCi: answers.targetCi ?? context.defaultTargetCi,
    items: answers.items!,
    cost: answers.cost!,
    strategies: answers.strategies!,
  };
}

const THREAD_PRESETS = [
  { label: '1, 2, 4', description: 'quick: does a second or fourth thread help at all?' },
  { label: '1, 2, 3, 4, 5, 6', description: 'every count up to Lambda’s 6 vCPUs' },
  { label: '1, 2, 4, 8, 16', description: 'powers of two, past the vCPUs Lambda gives' },
  { label: 'Other…', description: 'type a list' },
];

function buildQuestionSteps(fixed: Set<string>, context: WizardContext): Step[] {
  const missing = (key: keyof SweepAnswers) => !fixed.has(key);
  return [
    {
      applies: () => missing('threadCounts'),
      async ask(answers, position) {
        const current = answers.threadCounts?.join(', ');
        const picked = await pickStep(
          position,
          THREAD_PRESETS,
          'Thread counts: each function runs with each count (worker threads sharing the vCPUs memory buys)',
          THREAD_PRESETS.find((p) => p.label === current),
        );
        if (picked.label !== 'Other…') {
          answers.threadCounts = parseThreadList(picked.label);
          return;
        }
        const text = await inputStep(
          { ...position, title: `${position.title} — thread counts` },
          'Comma-separated thread counts, 1 to 64 (Lambda gives at most 6 vCPUs)',
          current ?? '1, 2, 4',
          (v) => problemOf(() => parseThreadList(v)),
        );
        answers.threadCounts = parseThreadList(text);
      },
    },
    {
      applies: () => missing('adaptive'),
      async ask(answers, position) {
        const items = [
          { label: 'Fixed repetitions', description: 'every configuration runs the same number of times', adaptive: false },
          { label: 'Adaptive', description: 'stop each configuration once its mean is known well enough (saves invocations)', adaptive: true },
        ];
        const picked = await pickStep(
          position,
          items,
          'Repetitions: how many times each (memory, threads) configuration runs',
          items.find((i) => i.adaptive === answers.adaptive),
        );
        answers.adaptive = picked.adaptive;
      },
    },
    {
      applies: () => missing('repetitions'),
      async ask(answers, position) {
        const prompt = answers.adaptive
          ? 'Most repetitions per configuration (adaptive stops earlier once confident; at least 2)'
          : 'Repetitions per configuration: more give tighter confidence intervals (5 is a good start)';
        const text = await inputStep(position, prompt, String(answers.repetitions ?? (answers.adaptive ? 20 : 5)), (v) =>
          problemOf(() => {
            const n = validateRepetitions(v);
            if (answers.adaptive && n < 2) throw new Error('Adaptive sampling needs at least 2 repetitions.');
          }),
        );
        answers.repetitions = validateRepetitions(text);
      },
    },
    {
      applies: (answers) => answers.adaptive === true && missing('targetCi'),
      async ask(answers, position) {
        const text = await inputStep(
          position,
          'Target confidence: stop a configuration when its 95% confidence interval is within ± this % of its mean',
          String(((answers.targetCi ?? context.defaultTargetCi) * 100).toFixed(1).replace(/\.0$/, '')),
          (v) => problemOf(() => parsePercent(v)),
        );
        answers.targetCi = parsePercent(text);
      },
    },
    {
      applies: () => missing('items'),
      async ask(answers, position) {
        const text = await inputStep(
          position,
          'Items: passwords each invocation hashes, shared among its threads (more = longer, steadier timings)',
          String(answers.items ?? 20),
          (v) => problemOf(() => validateItems(v)),
        );
        answers.items = validateItems(text);
      },
    },
    {
      applies: () => missing('cost'),
      async ask(answers, position) {
        const text = await inputStep(
          position,
          'bcrypt cost: each step up doubles the work per item (10 ≈ 50 ms per hash on one vCPU)',
          String(answers.cost ?? 10),
          (v) => problemOf(() => validateCost(v)),
        );
        answers.cost = validateCost(text);
      },
    },
    {
      applies: () => missing('strategies'),
      async ask(answers, position) {
        const items = [
          { label: 'pool', description: 'long-lived threads take the next item when free (recommended)', strategies: ['pool'] as Strategy[] },
          {
            label: 'batch',
            description: 'start threads for a batch, wait for all, repeat (the original study’s pattern)',
            strategies: ['batch'] as Strategy[],
          },
          { label: 'pool and batch', description: 'both, to compare them (twice the invocations)', strategies: ['pool', 'batch'] as Strategy[] },
        ];
        const current = answers.strategies?.join(',');
        const picked = await pickStep(
          position,
          items,
          'Strategy: how the function shares its items among threads',
          items.find((i) => i.strategies.join(',') === current),
        );
        answers.strategies = picked.strategies;
      },
    },
  ];
}

function planStep(context: WizardContext, show: boolean): Step {
  return {
    applies: () => show,
    async ask(answers, position) {
      const preview = previewSweep({
        functions: context.functions,
        threadCounts: answers.threadCounts!,
        strategies: answers.strategies!,
        repetitions: answers.repetitions!,
        adaptive: answers.adaptive === true,
        items: answers.items!,
        cost: answers.cost!,
        concurrency: context.concurrency,
        region: context.region,
      });
      const billing = context.targetBills
        ? `billed on ${context.targetLabel}: you are asked again if the pilot's estimate is above your limit`
        : `nothing is billed on ${context.targetLabel}`;
      // The placeholder says what runs; the Start row says how long and what it would cost (each fits one line).
      const start = {
        label: '$(play) Start sweep',
        description: `${preview.invocations} invocations · ${billing}`,
        detail: `${preview.lines[2]} · ${preview.lines[3]}`,
        start: true,
      };
      const back = { label: '$(arrow-left) Back', description: 'change the choices', start: false };
      const picked = await pickStep(position, [start, back], `Plan: ${preview.lines[0]}`);
      if (!picked.start) throw BACK;
    },
  };
}

function parsePercent(text: string): number {
  const value = Number(text.trim().replace(/%$/, ''));
  if (!Number.isFinite(value) || value <= 0 || value > 50) throw new Error('Enter a percentage above 0 and at most 50, e.g. 2 for ±2%.');
  return value / 100;
}

function problemOf(check: () => unknown): string | undefined {
  try {
    check();
    return undefined;
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
}
