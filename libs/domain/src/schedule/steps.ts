import type { PlanStep, PlannedDose } from '../contract';
import { isoDateAddDays, isoDaysBetween } from '../dates';

/** Far enough ahead to stand for "until resumed" while staying a valid calendar date. */
export const OPEN_END = '9999-12-31';

/**
 * A plan's administrations per day: the most doses any step gives (its clock times), at least
 * one. Its frequency for ISMP timeliness and the grace before a dose counts as missed.
 */
export function administrationsPerDay(steps: readonly PlanStep[]): number {
  return Math.max(1, ...steps.map((s) => s.doses.length));
}

/** The step whose dates contain `date`, if any. */
export function stepOn(steps: readonly PlanStep[], date: string): PlanStep | undefined {
  return steps.find((s) => s.startDate <= date && date <= s.endDate);
}

/**
 * The doses per administration time taken on `date`: before the plan starts, the doses the
 * patient took before it (`before`, one per time); after it ends, the last step's.
 */
export function dosesOn(
  steps: readonly PlanStep[],
  date: string,
  times: readonly string[],
  before: readonly number[],
): { doses: number[]; step: PlanStep | undefined } {
  if (steps.length === 0 || date < steps[0].startDate)
    return { doses: [...before], step: undefined };
  const step = stepOn(steps, date) ?? steps[steps.length - 1];
  return { doses: times.map((t) => doseAt(step.doses, t)), step };
}

function doseAt(doses: readonly PlannedDose[], time: string): number {
  return doses.filter((d) => d.time === time).reduce((sum, d) => sum + d.doseMg, 0);
}

/**
 * The steps as they run while paused since `pausedOn`: the step in force that day continues
 * with no end date and later steps wait for the resume. Paused before the plan started, no
 * step runs yet (the patient keeps the pre-plan dose, which taperwatch does not schedule).
 */
export function heldSteps(steps: readonly PlanStep[], pausedOn: string): PlanStep[] {
  if (steps.length === 0 || pausedOn < steps[0].startDate) return [];
  const last = steps[steps.length - 1];
  if (pausedOn > last.endDate) return [...steps];
  const k = steps.findIndex((s) => s.startDate <= pausedOn && pausedOn <= s.endDate);
  return [...steps.slice(0, k), { ...steps[k], endDate: OPEN_END }];
}

/**
 * The steps after a pause from `pausedOn` to `resumedOn`: the step in force when paused lasts
 * the paused days longer and every later step starts that much later, so no reduction is
 * skipped or shortened.
 */
export function resumedSteps(
  steps: readonly PlanStep[],
  pausedOn: string,
  resumedOn: string,
): PlanStep[] {
  if (steps.length === 0) return [];
  const first = steps[0].startDate;
  const from = pausedOn < first ? first : pausedOn;
  const shift = isoDaysBetween(from, resumedOn);
  if (shift <= 0 || from > steps[steps.length - 1].endDate) return [...steps];
  const move = (d: string) => isoDateAddDays(d, shift);
  return steps.map((s) => {
    if (s.endDate < from) return s;
    // Before the plan started, every step moves; otherwise the step in force is lengthened.
    if (s.startDate <= from && pausedOn >= first) return { ...s, endDate: move(s.endDate) };
    return { ...s, startDate: move(s.startDate), endDate: move(s.endDate) };
  });
}
