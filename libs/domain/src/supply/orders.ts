import type { DoseUnit, PlanStep, PlannedDose } from '../contract';
import { isoDaysBetween } from '../dates';
import { OPEN_END } from '../schedule/steps';
import { countWord } from '../schedule/tablets';

/** What one order line dispenses: tablets of one strength, or mL of one liquid concentration. */
export type SupplyForm = 'tablet' | 'liquid';

/** One drug in one form and strength (a liquid's strength is its mg per mL). */
export interface SupplyProduct {
  drugCode: string;
  form: SupplyForm;
  /** Tablet: mg per tablet. Liquid: mg per mL. */
  strengthMg: number;
}

export interface OrderLine extends SupplyProduct {
  /** "Baclofen 10 mg tablets: one at 08:00, 14:00 and 20:00". */
  directions: string;
  /** Whole tablets, or mL (to 0.001 mL) of the liquid. */
  quantity: number;
  unit: 'tablet' | 'mL';
  /** The exact amount the doses take (tablets may end in a half) before rounding up. */
  exactQuantity: number;
}

export interface StepOrder {
  stepIndex: number;
  startDate: string;
  endDate: string;
  /** Calendar days this order covers: the step's, or the chosen period's when shorter. */
  days: number;
  /** Days within them on which doses are given (every other day in an alternate-day step). */
  dosingDays: number;
  lines: OrderLine[];
}

const productKey = (p: SupplyProduct) => `${p.drugCode}|${p.form}|${p.strengthMg}`;
const unitForm = (u: DoseUnit): SupplyForm => u.form ?? 'tablet';
const milli = (x: number) => Math.round(x * 1000);

/**
 * Dispensing convention: a step's tablets are summed over every dose of the step (a half tablet
 * counts a half) and only the total is rounded up to whole tablets, since a halved tablet's other
 * half serves a later dose; liquids are the mL the doses take, to 0.001 mL (no rounding to a
 * bottle size, which differs by site).
 */
export function dispenseQuantity(form: SupplyForm, exact: number): number {
  return form === 'tablet' ? Math.ceil(milli(exact) / 1000) : milli(exact) / 1000;
}

/** Days on which a step's doses are given in its first `days` days (alternate-day steps: every other). */
export function dosingDaysIn(step: Pick<PlanStep, 'intervalDays'>, days: number): number {
  const every = step.intervalDays && step.intervalDays > 1 ? step.intervalDays : 1;
  return Math.ceil(days / every);
}

/** Every product a dose list takes with, per product, the units each dose time takes. */
function productsOf(doses: readonly PlannedDose[]) {
  const out = new Map<
    string,
    { product: SupplyProduct; perTime: { time: string; count: number }[] }
  >();
  for (const dose of doses) {
    for (const unit of dose.units) {
      if (!(unit.count > 0)) continue;
      const product = {
        drugCode: dose.drugCode,
        form: unitForm(unit),
        strengthMg: unit.strengthMg,
      };
      const key = productKey(product);
      let entry = out.get(key);
      if (!entry) out.set(key, (entry = { product, perTime: [] }));
      const same = entry.perTime.find((p) => p.time === dose.time);
      if (same) same.count = milli(same.count + unit.count) / 1000;
      else entry.perTime.push({ time: dose.time, count: unit.count });
    }
  }
  return [...out.values()];
}

function listTimes(times: readonly string[]): string {
  if (times.length <= 1) return times.join('');
  return `${times.slice(0, -1).join(', ')} and ${times[times.length - 1]}`;
}

/** "Baclofen 10 mg tablets: one at 08:00 and 20:00; two at 14:00" (every other day where so). */
export function orderDirections(
  product: SupplyProduct,
  perTime: readonly { time: string; count: number }[],
  drugName: string,
  intervalDays?: number,
): string {
  const byCount = new Map<number, string[]>();
  for (const { time, count } of [...perTime].sort((a, b) => (a.time < b.time ? -1 : 1))) {
    byCount.set(count, [...(byCount.get(count) ?? []), time]);
  }
  const amount = (count: number) => (product.form === 'liquid' ? `${count} mL` : countWord(count));
  const parts = [...byCount].map(([count, times]) => `${amount(count)} at ${listTimes(times)}`);
  const what =
    product.form === 'liquid'
      ? `${drugName} ${product.strengthMg} mg/mL oral liquid`
      : `${drugName} ${product.strengthMg} mg tablets`;
  const every =
    intervalDays === 2
      ? ', every other day'
      : intervalDays && intervalDays > 2
        ? `, every ${intervalDays} days`
        : '';
  return `${what}: ${parts.join('; ')}${every}`;
}

/**
 * An open-ended step (maintenance, "until revised") has no whole-step quantity: it is ordered for
 * a period the prescriber or pharmacist chooses.
 */
export function needsOrderPeriod(steps: readonly PlanStep[]): boolean {
  return steps.some((s) => s.endDate === OPEN_END && s.doses.length > 0);
}

/**
 * Pharmacy orders per step: for each drug, form and strength the step gives, the directions and
 * the quantity to dispense for the whole step, or for its first `periodDays` days when given
 * (a step shorter than the period is ordered whole). Steps that give nothing order nothing, and
 * so does an open-ended step without `periodDays` (needsOrderPeriod tells the caller to ask).
 */
export function pharmacyOrders(
  steps: readonly PlanStep[],
  drugName: (code: string) => string,
  periodDays?: number,
): StepOrder[] {
  return steps.map((step) => {
    const stepDays = isoDaysBetween(step.startDate, step.endDate) + 1;
    const openWithoutPeriod = step.endDate === OPEN_END && periodDays === undefined;
    const days = openWithoutPeriod
      ? 0
      : periodDays !== undefined
        ? Math.min(periodDays, stepDays)
        : stepDays;
    const dosingDays = dosingDaysIn(step, days);
    const lines = (openWithoutPeriod ? [] : productsOf(step.doses)).map(({ product, perTime }) => {
      const perDayMilli = perTime.reduce((s, p) => s + milli(p.count), 0);
      const exactQuantity = (perDayMilli * dosingDays) / 1000;
      return {
        ...product,
        directions: orderDirections(
          product,
          perTime,
          drugName(product.drugCode),
          step.intervalDays,
        ),
        quantity: dispenseQuantity(product.form, exactQuantity),
        unit: product.form === 'liquid' ? ('mL' as const) : ('tablet' as const),
        exactQuantity,
      };
    });
    return {
      stepIndex: step.index,
      startDate: step.startDate,
      endDate: step.endDate,
      days,
      dosingDays,
      lines,
    };
  });
}
