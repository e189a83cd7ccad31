import type { PlanPace, TaperRequestInput } from '../contract';
import type { DoseBand, DrugEntry, PercentCap } from '../catalogue/types';
import { toMg, toUg } from '../dispensing/grid';

/** A cap stated as a rate ("25% per 2 weeks") allows a pro-rata share to shorter steps. */
function percentAt(cap: PercentCap, stepDays: number): number {
  return cap.perDays ? cap.value * Math.min(1, stepDays / cap.perDays) : cap.value;
}

/** Long use that the source treats more strictly; unknown length counts as long (conservative). */
export function isLongUse(drug: DrugEntry, durationOfUseWeeks: number | undefined): boolean {
  const cap = drug.longUseCap;
  return (
    Boolean(cap) && (durationOfUseWeeks === undefined || durationOfUseWeeks >= cap!.afterWeeks)
  );
}

/** The drug's own percent cap per step for steps of `stepDays`, or null if it has none. */
export function drugPercentCap(
  drug: DrugEntry,
  stepDays: number,
  durationOfUseWeeks?: number,
): number | null {
  const caps: number[] = [];
  if (drug.stepCap) caps.push(percentAt(drug.stepCap, stepDays));
  if (drug.longUseCap && isLongUse(drug, durationOfUseWeeks))
    caps.push(percentAt(drug.longUseCap, stepDays));
  return caps.length ? Math.min(...caps) : null;
}

export function bandAt<B extends { aboveMg: number }>(bands: readonly B[], dailyMg: number): B {
  return bands.find((b) => dailyMg > b.aboveMg) ?? bands[bands.length - 1];
}

/** Step limits in µg, resolved once per plan. */
export interface Limits {
  percent: number | null;
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
  const looser = asked !== undefined && drugPercent !== null && asked > drugPercent;
  if (looser && input.override) {
    return {
      percent: asked,
      perDoseUg: null,
      fromStartUg: null,
      bands: null,
      smallestTabletUg,
      overridden: true,
    };
  }
  const percents = [drugPercent, asked].filter((p): p is number => p !== undefined && p !== null);
  return {
    percent: percents.length ? Math.min(...percents) : null,
    perDoseUg: drug.perDoseCapMg ? toUg(drug.perDoseCapMg.value) : null,
    fromStartUg: drug.startFractionCap
      ? Math.floor((startUg * drug.startFractionCap.value) / 100)
      : null,
    bands: drug.bands ?? null,
    smallestTabletUg,
    overridden: false,
  };
}

/** The largest cut allowed from `prevUg`: the strictest cap, but always one smallest tablet. */
export function allowedCutUg(limits: Limits, prevUg: number, activeDoses: number): number {
  let cap = Infinity;
  if (limits.percent !== null) cap = Math.min(cap, (prevUg * limits.percent) / 100);
  if (limits.perDoseUg !== null) cap = Math.min(cap, limits.perDoseUg * activeDoses);
  if (limits.fromStartUg !== null) cap = Math.min(cap, limits.fromStartUg);
  if (limits.bands) cap = Math.min(cap, toUg(bandAt(limits.bands, toMg(prevUg)).capMg));
  return Math.max(limits.smallestTabletUg, cap);
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
