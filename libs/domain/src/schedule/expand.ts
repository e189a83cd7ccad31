import type { PlanStep } from '../contract';
import { isoDateAddDays, isoDaysBetween } from '../dates';
import { stepOn } from './steps';
import { zonedDate, zonedInstant } from './local-time';

export interface ScheduledDose {
  dueAt: Date;
  /** The drug given (PlannedDose.drugCode). */
  drugCode: string;
  /** mg of drugCode itself. */
  doseMg: number;
  /** The dose in the unit of the step's dailyDoseMg: its diazepam equivalent in a switch, else doseMg. */
  equivalentMg: number;
  stepIndex: number;
}

/**
 * Every dose of `steps` due in [from, to), at the steps' clock times in `zone`. Only the days
 * of the window are visited, so a year-long plan costs what its window costs.
 */
export function expandDoses(
  steps: readonly PlanStep[],
  zone: string,
  from: Date,
  to: Date,
): ScheduledDose[] {
  const out: ScheduledDose[] = [];
  if (steps.length === 0 || from >= to) return out;
  // A day's local times can fall a zone offset either side of its UTC date: pad by one day.
  let date = isoDateAddDays(zonedDate(from, zone), -1);
  const lastDate = isoDateAddDays(zonedDate(to, zone), 1);
  const first = steps[0].startDate;
  if (date < first) date = first;
  for (; date <= lastDate; date = isoDateAddDays(date, 1)) {
    const step = stepOn(steps, date);
    if (!step) {
      if (date > steps[steps.length - 1].endDate) break;
      continue;
    }
    // Alternate-day steps (intervalDays 2): doses on the step's first day and every 2nd after.
    if (step.intervalDays && isoDaysBetween(step.startDate, date) % step.intervalDays !== 0)
      continue;
    for (const dose of step.doses) {
      if (dose.doseMg <= 0) continue;
      const dueAt = zonedInstant(date, dose.time, zone);
      if (dueAt >= from && dueAt < to) {
        out.push({
          dueAt,
          drugCode: dose.drugCode,
          doseMg: dose.doseMg,
          equivalentMg: dose.equivalentMg ?? dose.doseMg,
          stepIndex: step.index,
        });
      }
    }
  }
  return mergeSameInstant(
    out.sort(
      (a, b) =>
        a.dueAt.getTime() - b.dueAt.getTime() ||
        (a.drugCode < b.drugCode ? -1 : a.drugCode > b.drugCode ? 1 : 0),
    ),
  );
}

const addMg = (a: number, b: number) => Math.round((a + b) * 1000) / 1000;

/**
 * Two clock times in one spring-forward gap land on one instant: one dose carrying both when
 * they give the same drug; two drugs stay two doses (mg of different drugs never add up).
 */
function mergeSameInstant(sorted: ScheduledDose[]): ScheduledDose[] {
  const out: ScheduledDose[] = [];
  const byKey = new Map<string, ScheduledDose>();
  for (const dose of sorted) {
    const key = `${dose.dueAt.getTime()} ${dose.drugCode}`;
    const prev = byKey.get(key);
    if (prev) {
      prev.doseMg = addMg(prev.doseMg, dose.doseMg);
      prev.equivalentMg = addMg(prev.equivalentMg, dose.equivalentMg);
    } else {
      const copy = { ...dose };
      byKey.set(key, copy);
      out.push(copy);
    }
  }
  return out;
}
