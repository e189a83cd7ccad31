import type { PlanPace, TaperRequestInput } from '../contract';
import type { SourceId } from '../catalogue/sources';
import type { DoseBand, DrugEntry } from '../catalogue/types';
import { toMg, toUg } from '../dispensing/grid';

/** A percent cap, optionally a rate ("25% per 14 days"). */
export interface Rate {
  value: number;
  perDays: number | null;
  sources: SourceId[];
}

/** A rate allows a pro-rata share to shorter steps, and never more than its stated percent. */
function percentAt(cap: Rate, stepDays: number): number {
  return cap.perDays ? cap.value * Math.min(1, stepDays / cap.perDays) : cap.value;
}

/** Long use that the source treats more strictly; unknown length counts as long (conservative). */
export function isLongUse(drug: DrugEntry, durationOfUseWeeks: number | undefined): boolean {
  const cap = drug.longUseCap;
  return (
    Boolean(cap) && (durationOfUseWeeks === undefined || durationOfUseWeeks >= cap!.afterWeeks)
  );
}

/** The drug's own percent caps in force, or none where its dose bands replace them. */
function drugRates(drug: DrugEntry, durationOfUseWeeks: number | undefined): Rate[] {
  const rates: Rate[] = [];
  if (drug.stepCap) rates.push(drug.stepCap);
  if (drug.longUseCap && isLongUse(drug, durationOfUseWeeks)) rates.push(drug.longUseCap);
  return rates;
}

/** The drug's class percent cap per step for steps of `stepDays` (what a request may ask). */
export function drugPercentCap(
  drug: DrugEntry,
  stepDays: number,
  durationOfUseWeeks?: number,
): number | null {
  const rates = drugRates(drug, durationOfUseWeeks);
  return rates.length ? Math.min(...rates.map((r) => percentAt(r, stepDays))) : null;
}

export function bandAt<B extends { aboveMg: number }>(bands: readonly B[], dailyMg: number): B {
  return bands.find((b) => dailyMg > b.aboveMg) ?? bands[bands.length - 1];
}

/** Step limits in µg, resolved once per plan. None of them is ever widened by dispensing. */
export interface Limits {
  /** The percent cap at the plan's step length (the plan's pace view). */
  percent: number | null;
  /** The percent caps in force: the drug's (dose bands replace them) and the request's. */
  rates: readonly Rate[];
  /** NICE: smaller steps as the dose falls; this percent once the dose has halved. */
  lowDose: { percent: number; sources: SourceId[] } | null;
  startUg: number;
  stepDays: number;
  /** Cap per administration: no single dose falls by more than this in one step. */
  perDoseUg: number | null;
  fromStartUg: number | null;
  bands: readonly DoseBand[] | null;
  smallestTabletUg: number;
  overridden: boolean;
}

/**
 * The request may make the drug's limits stricter; a looser percent needs override.reason (the
 * pre-flight check rejects it otherwise) and then replaces the drug's caps.
 */
export function resolveLimits(
  drug: DrugEntry,
  input: TaperRequestInput,
  stepDays: number,
  startUg: number,
  smallestTabletUg: number,
): Limits {
  const drugPercent = drugPercentCap(drug, stepDays, input.durationOfUseWeeks);
  const asked = input.maxStepReductionPercent;
  const requested: Rate[] =
    asked === undefined ? [] : [{ value: asked, perDays: null, sources: [] }];
  // Properties written out, not spread from a shared base: each property after a leading
  // spread is slow on Node 20 (decision 0036).
  if (asked !== undefined && drugPercent !== null && asked > drugPercent && input.override) {
    return {
      percent: asked,
      rates: requested,
      lowDose: null,
      startUg,
      stepDays,
      perDoseUg: null,
      fromStartUg: null,
      bands: null,
      smallestTabletUg,
      overridden: true,
    };
  }
  const rates = [...(drug.bands ? [] : drugRates(drug, input.durationOfUseWeeks)), ...requested];
  const low = drug.proportional?.lowDosePercent;
  return {
    percent: rates.length ? Math.min(...rates.map((r) => percentAt(r, stepDays))) : null,
    rates,
    lowDose: low === undefined ? null : { percent: low, sources: drug.proportional!.sources },
    startUg,
    stepDays,
    perDoseUg: drug.perDoseCapMg ? toUg(drug.perDoseCapMg.value) : null,
    fromStartUg: drug.startFractionCap
      ? Math.floor((startUg * drug.startFractionCap.value) / 100)
      : null,
    bands: drug.bands ?? null,
    smallestTabletUg,
    overridden: false,
  };
}

/** One cap on a step's total cut, and where it comes from (for warnings). */
export type Cap =
  | { kind: 'percent'; ug: number; rate: Rate; percent: number }
  | { kind: 'lowDose'; ug: number; percent: number; sources: SourceId[] }
  | { kind: 'fromStart'; ug: number }
  | { kind: 'band'; ug: number; band: DoseBand };

/** The caps on the cut from `prevUg` (mean µg/day) for a step of `stepDays`. */
export function capsAt(limits: Limits, prevUg: number, stepDays = limits.stepDays): Cap[] {
  const caps: Cap[] = [];
  for (const rate of limits.rates) {
    const percent = percentAt(rate, stepDays);
    caps.push({ kind: 'percent', ug: (prevUg * percent) / 100, rate, percent });
  }
  if (limits.lowDose && prevUg * 2 <= limits.startUg) {
    const { percent, sources } = limits.lowDose;
    caps.push({ kind: 'lowDose', ug: (prevUg * percent) / 100, percent, sources });
  }
  if (limits.fromStartUg !== null) caps.push({ kind: 'fromStart', ug: limits.fromStartUg });
  if (limits.bands) {
    const band = bandAt(limits.bands, toMg(prevUg));
    caps.push({ kind: 'band', ug: toUg(band.capMg), band });
  }
  return caps;
}

/** The strictest cap, or null when none applies. */
export function bindingCap(limits: Limits, prevUg: number, stepDays = limits.stepDays): Cap | null {
  let best: Cap | null = null;
  for (const c of capsAt(limits, prevUg, stepDays)) if (!best || c.ug < best.ug) best = c;
  return best;
}

/**
 * The largest total cut allowed from `prevUg`: the strictest cap, never widened. The same caps as
 * capsAt, computed without building them: the planner asks once per step.
 */
export function capUg(limits: Limits, prevUg: number, stepDays = limits.stepDays): number {
  let cap = Infinity;
  for (const rate of limits.rates) cap = Math.min(cap, (prevUg * percentAt(rate, stepDays)) / 100);
  if (limits.lowDose && prevUg * 2 <= limits.startUg)
    cap = Math.min(cap, (prevUg * limits.lowDose.percent) / 100);
  if (limits.fromStartUg !== null) cap = Math.min(cap, limits.fromStartUg);
  if (limits.bands) cap = Math.min(cap, toUg(bandAt(limits.bands, toMg(prevUg)).capMg));
  return cap;
}

/**
 * The shortest step, longer than the plan's, whose pro-rata share of a rate cap allows `cutUg`
 * ("a longer step at the same cut"); null when no rate allows it within its stated percent.
 */
export function longerStepDays(limits: Limits, prevUg: number, cutUg: number): number | null {
  let maxDays = 0;
  for (const r of limits.rates) if (r.perDays) maxDays = Math.max(maxDays, r.perDays);
  for (let d = limits.stepDays + 1; d <= maxDays; d++) {
    if (capUg(limits, prevUg, d) + 1e-6 >= cutUg) return d;
  }
  return null;
}

export function paceView(
  limits: Limits,
  stepDays: number,
  minStepDays: number,
  minTaperDays: number | null,
): PlanPace {
  return {
    stepDays,
    minStepDays,
    minTaperDays,
    maxStepReductionPercent: limits.percent,
    maxStepMgPerDose: limits.perDoseUg === null ? null : toMg(limits.perDoseUg),
    maxStepMgFromStart: limits.fromStartUg === null ? null : toMg(limits.fromStartUg),
    bands: limits.bands ? limits.bands.map((b) => ({ aboveMg: b.aboveMg, capMg: b.capMg })) : null,
    smallestStrengthMg: toMg(limits.smallestTabletUg),
    overridden: limits.overridden,
  };
}
