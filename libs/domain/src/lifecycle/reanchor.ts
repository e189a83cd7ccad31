import type { PlanStep, Problem } from '../contract';
import { isIsoDate, isoDateAddDays, isoDaysBetween } from '../dates';
import { zonedDate, zonedInstant } from '../schedule/local-time';
import { OPEN_END } from '../schedule/steps';

/** A plan moved so its first step starts on the day it was approved. */
export interface Reanchored {
  steps: PlanStep[];
  startDate: string;
  endDate: string;
  /** The start date the plan had before it was moved. */
  reanchoredFrom: string;
  /** Days every step moved later. */
  reanchoredByDays: number;
}

/**
 * A plan approved after its start date would otherwise begin part-way through (a later, lower
 * step) or, past its end, not at all: an abrupt stop. Every step moves later by the same days, so
 * step 1 starts on `firstDay` and no step is skipped or shortened. Null when nothing has passed.
 */
export function reanchorSteps(steps: readonly PlanStep[], firstDay: string): Reanchored | null {
  if (steps.length === 0 || steps[0].startDate >= firstDay) return null;
  const byDays = isoDaysBetween(steps[0].startDate, firstDay);
  const moved = steps.map((s) => ({
    ...s,
    startDate: isoDateAddDays(s.startDate, byDays),
    // An open-ended step (maintenance) stays open.
    endDate: s.endDate === OPEN_END ? OPEN_END : isoDateAddDays(s.endDate, byDays),
  }));
  return {
    steps: moved,
    startDate: moved[0].startDate,
    endDate: moved[moved.length - 1].endDate,
    reanchoredFrom: steps[0].startDate,
    reanchoredByDays: byDays,
  };
}

/**
 * A request must start today or later in the patient's zone (`today`): a plan starting earlier
 * would begin part-way through, on a later, lower step. Checked when the request is made, not
 * when it is planned (a request queued before midnight is not refused after it); approval moves
 * a plan whose start has passed (reanchorSteps).
 */
export function pastStartProblems(startDate: string, today: string, zone: string): Problem[] {
  if (!isIsoDate(startDate) || startDate >= today) return [];
  return [
    {
      code: 'start_date_past',
      field: 'startDate',
      message: `startDate ${startDate} is before today (${today} in the patient's time zone, ${zone}); send today or a later date.`,
    },
  ];
}

/**
 * The day a plan approved at `now` can start in the patient's zone: today, or tomorrow when every
 * administration time of step 1 has already passed today (so step 1 keeps all its days).
 */
export function firstDoseDay(steps: readonly PlanStep[], zone: string, now: Date): string {
  const today = zonedDate(now, zone);
  const times = steps[0]?.doses.map((d) => d.time) ?? [];
  const ahead = times.some((t) => zonedInstant(today, t, zone).getTime() > now.getTime());
  return times.length === 0 || ahead ? today : isoDateAddDays(today, 1);
}
