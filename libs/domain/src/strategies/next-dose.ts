import type { DoseBand } from '../catalogue/types';
import { toUg } from '../dispensing/grid';
import { bandAt } from '../safety/pace';

/** What a strategy knows when it proposes the next daily dose (µg). */
export interface StepState {
  prevUg: number;
  startUg: number;
  /** 1-based index of the step being planned (after any switch steps). */
  step: number;
  activeDoses: number;
}

/** The ideal next daily dose in µg; the planner caps it and rounds it to real strengths. */
export type NextDose = (s: StepState) => number;

/** Linear: the same cut every step. */
export const linear =
  (deltaUg: number): NextDose =>
  (s) =>
    s.prevUg - deltaUg;

/**
 * Linear per administration: the label titration run backwards (baclofen: 5 mg per dose). The
 * daily aim is 5 mg per active dose; the cut itself keeps every administration within 5 mg.
 */
export const perDose =
  (perDoseUg: number): NextDose =>
  (s) =>
    s.prevUg - perDoseUg * s.activeDoses;

/** Banded linear: each band's step, never crossing into the next band in one step. */
export const banded =
  (bands: readonly DoseBand[]): NextDose =>
  (s) => {
    const band = bandAt(bands, s.prevUg / 1000);
    return Math.max(s.prevUg - toUg(band.stepMg), toUg(band.aboveMg));
  };

/**
 * Proportional: a percent of the current dose, a smaller percent once the dose has halved
 * (NICE: "smaller as the dose falls"; the halfway point is this planner's choice), and a final
 * stop once the next dose would fall below the smallest dispensable dose.
 */
export const proportional =
  (percent: number, lowDosePercent: number | undefined, floorUg: number): NextDose =>
  (s) => {
    const p = lowDosePercent !== undefined && s.prevUg * 2 <= s.startUg ? lowDosePercent : percent;
    const next = s.prevUg * (1 - p / 100);
    return next < floorUg ? 0 : next;
  };

/**
 * Hyperbolic: occupancy O(D) = Emax·D / (ED50 + D) [S32] falls by the same amount each step,
 * that amount being the first step's drop at `firstPercent`; D = ED50·O / (Emax - O). Final
 * stop below the smallest dispensable dose.
 */
export const hyperbolic = (
  emaxPercent: number,
  ed50Ug: number,
  firstPercent: number,
  floorUg: number,
): NextDose => {
  const occupancy = (d: number) => (emaxPercent * d) / (ed50Ug + d);
  return (s) => {
    const o0 = occupancy(s.startUg);
    const drop = o0 - occupancy(s.startUg * (1 - firstPercent / 100));
    const o = o0 - s.step * drop;
    if (o <= 0) return 0;
    const next = (ed50Ug * o) / (emaxPercent - o);
    return next < floorUg ? 0 : next;
  };
};
