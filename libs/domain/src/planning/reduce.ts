import type { Problem } from '../contract';
import { cutStep, smallestCut, type CutOrder } from '../dispensing/distribute';
import type { DoseGrid } from '../dispensing/grid';
import { capUg, longerStepDays, type Limits } from '../safety/pace';
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
  /** The drug may go to alternate days (a single daily dose, on the way to stopping). */
  alternateDay: boolean;
}

/** One reduction step. */
export interface ReducedStep {
  /** µg per administration. */
  ug: number[];
  /** 2: the doses are given every other day; the step's daily dose is their mean. */
  intervalDays?: number;
  /** A rate-capped cut the formulary could only make over a longer step: its least length. */
  minDays?: number;
  /** The cut is above a limit because the formulary can make nothing smaller. */
  exceeds?: { capUg: number; perDose: boolean };
}

const total = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0);

/**
 * The step when the strengths cannot cut within the limits. In order: scored halves (none is
 * sourced, so the grid has none), the liquid (already in the grid when the request allows it),
 * alternate-day dosing where the drug's source allows it, a longer step where the limit is a
 * rate; otherwise the smallest cut the formulary can make, marked as exceeding the limit.
 */
function beyondStrengths(
  r: ReduceInput,
  prev: readonly number[],
  prevUg: number,
  cap: number,
): ReducedStep | Problem {
  const perDose = r.limits.perDoseUg ?? Infinity;
  let ug = smallestCut(prev, r.floors, r.grid, r.order, perDose);
  const perDoseExceeded = ug === null;
  ug ??= smallestCut(prev, r.floors, r.grid, r.order);
  if (!ug) {
    return {
      code: 'no_dispensable_step',
      field: 'strengthsMg',
      message: 'No combination of the strengths makes a smaller step.',
    };
  }
  let step: ReducedStep = { ug };
  let cut = prevUg - total(ug);
  const active = prev.filter((d) => d > 0).length;
  if (r.alternateDay && active === 1 && total(r.floors) === 0 && prevUg / 2 < cut) {
    step = { ug: prev.slice(), intervalDays: 2 };
    cut = prevUg / 2;
  }
  // `step` is this function's own object: set on it rather than spread (decision 0036).
  if (perDoseExceeded && !step.intervalDays) {
    step.exceeds = { capUg: Math.min(cap, r.limits.perDoseUg!), perDose: true };
    return step;
  }
  if (cut <= cap + 1e-6) return step;
  const days = longerStepDays(r.limits, prevUg, cut);
  if (days !== null) step.minDays = days;
  else step.exceeds = { capUg: cap, perDose: false };
  return step;
}

/** The reduction steps; the last one is the target split. */
export function reduce(r: ReduceInput): ReducedStep[] | Problem {
  const targetUg = total(r.floors);
  const startUg = total(r.start);
  const steps: ReducedStep[] = [];
  let prev = r.start;
  let prevUg = startUg;
  let alternate = false;
  while (prevUg > targetUg) {
    if (steps.length >= MAX_STEPS) {
      return {
        code: 'too_many_steps',
        field: 'maxStepReductionPercent',
        message: `The taper would need more than ${MAX_STEPS} steps: allow larger steps.`,
      };
    }
    const active = prev.reduce((n, d) => n + (d > 0 ? 1 : 0), 0);
    const cap = capUg(r.limits, prevUg);
    let step: ReducedStep | Problem;
    if (alternate) {
      // From alternate days the only step is the stop (alternate days are used only to stop).
      step =
        prevUg <= cap + 1e-6
          ? { ug: r.floors.slice() }
          : { ug: r.floors.slice(), exceeds: { capUg: cap, perDose: false } };
    } else {
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
      const perDose = r.limits.perDoseUg ?? Infinity;
      const next = cutStep(prev, r.floors, desired, cap, r.grid, r.order, perDose);
      step = next ? { ug: next } : beyondStrengths(r, prev, prevUg, cap);
    }
    if ('code' in step) return step;
    steps.push(step);
    alternate = step.intervalDays === 2;
    prev = step.ug;
    prevUg = total(step.ug) / (step.intervalDays ?? 1);
  }
  return steps;
}
