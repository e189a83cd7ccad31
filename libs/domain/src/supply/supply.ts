import type { DoseUnit, PlanStep } from '../contract';
import { isoDateAddDays, isoDaysBetween } from '../dates';
import { zonedDate, zonedInstant } from '../schedule/local-time';
import { stepOn } from '../schedule/steps';
import type { SupplyForm, SupplyProduct } from './orders';

/** What was handed out: one product, a quantity (tablets or mL) and when. */
export interface Dispensed extends SupplyProduct {
  quantity: number;
  dispensedAt: Date;
}

/** One dose of one drug the plan schedules, with what it is made of. */
export interface SupplyDose {
  dueAt: Date;
  drugCode: string;
  units: readonly DoseUnit[];
}

/**
 * The longest a supply is followed ahead. A paused plan's held step has no end, so the walk
 * needs a bound; no dispensing lasts five years.
 */
export const SUPPLY_HORIZON_DAYS = 5 * 366;

const DAY_MS = 86_400_000;
const milli = (x: number) => Math.round(x * 1000);
const keyOf = (drugCode: string, form: SupplyForm, strengthMg: number) =>
  `${drugCode}|${form}|${strengthMg}`;

/**
 * The doses of `drugCode` the steps schedule from `from` on (due at or after it), in time order,
 * at the steps' clock times in `zone`, until the steps end or the horizon. Lazy: the supply walk
 * stops at the first dose it cannot make.
 */
export function* dosesFrom(
  steps: readonly PlanStep[],
  drugCode: string,
  zone: string,
  from: Date,
): Generator<SupplyDose> {
  if (steps.length === 0) return;
  const last = steps[steps.length - 1].endDate;
  let date = isoDateAddDays(zonedDate(from, zone), -1);
  if (date < steps[0].startDate) date = steps[0].startDate;
  const stop = isoDateAddDays(zonedDate(from, zone), SUPPLY_HORIZON_DAYS);
  for (; date <= last && date <= stop; date = isoDateAddDays(date, 1)) {
    const step = stepOn(steps, date);
    if (!step) continue;
    if (step.intervalDays && isoDaysBetween(step.startDate, date) % step.intervalDays !== 0)
      continue;
    const today = step.doses
      .filter((d) => d.drugCode === drugCode && d.doseMg > 0)
      .map((d) => ({ dueAt: zonedInstant(date, d.time, zone), drugCode, units: d.units }))
      .filter((d) => d.dueAt >= from)
      .sort((a, b) => a.dueAt.getTime() - b.dueAt.getTime());
    yield* today;
  }
}

export interface SupplyOutlook {
  drugCode: string;
  /** Due time of the first dose the supply cannot make; null when it lasts the plan. */
  runsOutAt: Date | null;
  /** Doses it makes from the first dispensing on. */
  dosesCovered: number;
}

/**
 * When a drug's supply runs out under the plan: from the first dispensing on, every dose due
 * takes its units (a half tablet a half) from what was dispensed by then, each product by its
 * own form and strength (no substitution of one strength for another is assumed: the pharmacy
 * dispenses what the orders name). The first dose some unit of which is not there is the
 * run-out. Doses due before the first dispensing are not counted (their supply is unknown).
 */
export function supplyOutlook(
  steps: readonly PlanStep[],
  zone: string,
  drugCode: string,
  dispensings: readonly Dispensed[],
): SupplyOutlook {
  const mine = dispensings
    .filter((d) => d.drugCode === drugCode)
    .sort((a, b) => a.dispensedAt.getTime() - b.dispensedAt.getTime());
  if (mine.length === 0) return { drugCode, runsOutAt: null, dosesCovered: 0 };
  const pool = new Map<string, number>(); // thousandths of a tablet or mL
  let next = 0;
  let covered = 0;
  for (const dose of dosesFrom(steps, drugCode, zone, mine[0].dispensedAt)) {
    for (; next < mine.length && mine[next].dispensedAt <= dose.dueAt; next++) {
      const d = mine[next];
      const key = keyOf(d.drugCode, d.form, d.strengthMg);
      pool.set(key, (pool.get(key) ?? 0) + milli(d.quantity));
    }
    const needs = dose.units
      .filter((u) => u.count > 0)
      .map((u) => ({
        key: keyOf(drugCode, u.form ?? 'tablet', u.strengthMg),
        amount: milli(u.count),
      }));
    const need = new Map<string, number>();
    for (const n of needs) need.set(n.key, (need.get(n.key) ?? 0) + n.amount);
    if ([...need].some(([key, amount]) => (pool.get(key) ?? 0) < amount)) {
      return { drugCode, runsOutAt: dose.dueAt, dosesCovered: covered };
    }
    for (const [key, amount] of need) pool.set(key, pool.get(key)! - amount);
    covered++;
  }
  return { drugCode, runsOutAt: null, dosesCovered: covered };
}

/** Whole days a supply lasts from a dispensing (null: it lasts the plan). */
export function daysOfSupply(dispensedAt: Date, runsOutAt: Date | null): number | null {
  if (!runsOutAt) return null;
  return Math.max(0, Math.floor((runsOutAt.getTime() - dispensedAt.getTime()) / DAY_MS));
}

export type SupplyState =
  | { kind: 'covered' }
  | { kind: 'low'; runsOutAt: Date; lowFrom: Date }
  | { kind: 'out'; runsOutAt: Date };

/**
 * The supply watch's judgement: `low` from `lowDays` days before the run-out (supply_low), `out`
 * from the run-out itself with no dispensing since that covers it (abrupt_cessation_risk).
 */
export function supplyState(runsOutAt: Date | null, now: Date, lowDays: number): SupplyState {
  if (!runsOutAt) return { kind: 'covered' };
  if (now >= runsOutAt) return { kind: 'out', runsOutAt };
  const lowFrom = new Date(runsOutAt.getTime() - lowDays * DAY_MS);
  return now >= lowFrom ? { kind: 'low', runsOutAt, lowFrom } : { kind: 'covered' };
}

/**
 * A course's steps as they ran: each earlier version's steps up to the day before the next
 * version starts, then the version in force. A supply dispensed under one version is taken by
 * the doses of every version since, so none of them is left out of the count.
 */
export function courseSteps(versions: readonly (readonly PlanStep[])[]): PlanStep[] {
  const out: PlanStep[] = [];
  versions.forEach((steps, v) => {
    const next = versions.slice(v + 1).find((s) => s.length > 0);
    const until = next?.[0].startDate;
    for (const step of steps) {
      if (until !== undefined && step.startDate >= until) break;
      out.push(
        until !== undefined && step.endDate >= until
          ? { ...step, endDate: isoDateAddDays(until, -1) }
          : step,
      );
    }
  });
  return out;
}
