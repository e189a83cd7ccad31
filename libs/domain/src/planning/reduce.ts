import type { Problem } from '../contract';
import { cutStep, type CutOrder } from '../dispensing/distribute';
import type { DoseGrid } from '../dispensing/grid';
import { allowedCutUg, type Limits } from '../safety/pace';
import type { NextDose } from '../strategies/next-dose';

/** A plan longer than this is a request error (e.g. a 1% proportional taper on a fine liquid). */
export const MAX_STEPS = 1000;

export interface ReduceInput {
  grid: DoseGrid;
  /** Dispensable µg per administration before the first reduction. */
  start: readonly number[];
  /** The target split (µg per administration); every step stays at or above it. */
  floors: readonly number[];
  next: NextDose;
  limits: Limits;
  order: CutOrder;
  /** Numbering offset: steps already planned before this phase (crossover switches). */
  stepOffset: number;
  /** Never stop in one step when a minimum taper length applies and a smaller step exists. */
  needsIntermediate: boolean;
}

const total = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0);

/** The reduction steps, each a µg split; the last one is the target split. */
export function reduce(r: ReduceInput): number[][] | Problem {
  const targetUg = total(r.floors);
  const startUg = total(r.start);
  const steps: number[][] = [];
  let prev = r.start;
  let prevUg = startUg;
  while (prevUg > targetUg) {
    if (steps.length >= MAX_STEPS) {
      return {
        code: 'too_many_steps',
        field: 'maxStepReductionPercent',
        message: `The taper would need more than ${MAX_STEPS} steps: allow larger steps.`,
      };
    }
    const active = prev.reduce((n, d) => n + (d > 0 ? 1 : 0), 0);
    const cap = allowedCutUg(r.limits, prevUg, active);
    const ideal = r.next({
      prevUg,
      startUg,
      step: r.stepOffset + steps.length + 1,
      activeDoses: active,
    });
    let desired = Math.max(ideal, prevUg - cap, targetUg);
    if (r.needsIntermediate && steps.length === 0 && r.stepOffset === 0 && desired <= targetUg) {
      desired = (prevUg + targetUg) / 2;
    }
    const next = cutStep(prev, r.floors, desired, cap, r.grid, r.order);
    if (!next) {
      return {
        code: 'no_dispensable_step',
        field: 'strengthsMg',
        message: 'No combination of the strengths makes a step within the allowed cut.',
      };
    }
    steps.push(next);
    prev = next;
    prevUg = total(next);
  }
  return steps;
}
