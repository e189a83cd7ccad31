import type { PlanStep } from '../contract';
import { isoDateAddDays } from '../dates';
import { stepOn } from './steps';
import { zonedDate, zonedInstant } from './local-time';

export interface ScheduledDose {
  dueAt: Date;
  doseMg: number;
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
    for (const dose of step.doses) {
      if (dose.doseMg <= 0) continue;
      const dueAt = zonedInstant(date, dose.time, zone);
      if (dueAt >= from && dueAt < to) {
        out.push({ dueAt, doseMg: dose.doseMg, stepIndex: step.index });
      }
    }
  }
  return mergeSameInstant(out.sort((a, b) => a.dueAt.getTime() - b.dueAt.getTime()));
}

/** Two clock times in one spring-forward gap land on one instant: one dose carrying both. */
function mergeSameInstant(sorted: ScheduledDose[]): ScheduledDose[] {
  const out: ScheduledDose[] = [];
  for (const dose of sorted) {
    const prev = out[out.length - 1];
    if (prev && prev.dueAt.getTime() === dose.dueAt.getTime()) {
      prev.doseMg = Math.round((prev.doseMg + dose.doseMg) * 1000) / 1000;
    } else out.push({ ...dose });
  }
  return out;
}
