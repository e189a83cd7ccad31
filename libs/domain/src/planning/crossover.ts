import type { Problem, Warning } from '../contract';
import { toMg, type DoseGrid } from '../dispensing/grid';

/** One administration in a planned step: the amount, its diazepam-equivalent (or itself) and what makes it. */
export interface Slot {
  ug: number;
  eqUg: number;
  grid: DoseGrid;
  drugCode?: string;
}

/**
 * NHS Scotland's switch to diazepam [S16a, S16b] (G1): one administration per step, the bedtime
 * dose first and then backwards through the day, each replaced by its diazepam equivalent
 * (rounded down to real strengths, never up), with the total otherwise unchanged. `current` may
 * be mid-switch (a re-plan): times already on diazepam stay as they are and the switch goes on
 * from the latest time still on the first drug.
 */
export function switchPhase(
  current: readonly Slot[],
  dzGrid: DoseGrid,
  dzCode: string,
): { steps: Slot[][]; diazepamUg: number[] } | Problem {
  const switched = (s: Slot) => s.drugCode === dzCode;
  if (!dzGrid.ensure(Math.max(...current.map((s) => (switched(s) ? s.ug : s.eqUg))))) {
    return {
      code: 'dose_too_fine',
      field: 'strengthsMg',
      message: 'The diazepam equivalent is too large for the strengths.',
    };
  }
  const diazepamUg = current.map((s) => (switched(s) ? s.ug : dzGrid.atOrBelow(s.eqUg)));
  // A dose whose equivalent rounds down to no diazepam at all would stop it, not switch it.
  const lost = current.findIndex((s, i) => !switched(s) && s.ug > 0 && diazepamUg[i] === 0);
  if (lost >= 0) {
    return {
      code: 'switch_not_dispensable',
      field: 'substituteWith',
      message: `A dose of ${toMg(current[lost].ug)} mg is ${toMg(current[lost].eqUg)} mg diazepam, less than the smallest diazepam dose the strengths make (${toMg(dzGrid.smallestDoseUg)} mg): taper it without switching, or allow the diazepam liquid (allowLiquid with liquidMgPerMl).`,
    };
  }
  const steps: Slot[][] = [];
  let state = current.slice();
  for (let i = current.length - 1; i >= 0; i--) {
    if (switched(current[i]) || current[i].ug === 0) continue;
    state = state.slice();
    state[i] = { ug: diazepamUg[i], eqUg: diazepamUg[i], grid: dzGrid, drugCode: dzCode };
    steps.push(state);
  }
  return { steps, diazepamUg };
}

const eqTotal = (slots: readonly Slot[]) => slots.reduce((a, s) => a + s.eqUg, 0);

/**
 * A switch step is also a cut where the diazepam strengths cannot make the exact equivalent (it
 * is rounded down): one `cut_exceeds_source` warning per switch step whose loss is above the
 * limit at that dose (`capUg`), as for any reduction the strengths cannot make within it.
 * `firstIndex` is the plan index of `steps[0]`.
 */
export function switchCutWarnings(
  current: readonly Slot[],
  steps: readonly Slot[][],
  capUg: (prevUg: number) => number,
  firstIndex: number,
): Warning[] {
  const out: Warning[] = [];
  let prevUg = eqTotal(current);
  steps.forEach((step, k) => {
    const nowUg = eqTotal(step);
    const cap = capUg(prevUg);
    if (prevUg - nowUg > cap) {
      const index = firstIndex + k;
      out.push({
        code: 'cut_exceeds_source',
        severity: 'warning',
        stepIndex: index,
        message: `Step ${index} (${toMg(prevUg)} → ${toMg(nowUg)} mg/day diazepam-equivalent) switches a dose whose equivalent the diazepam strengths cannot make: it is rounded down, a cut of ${toMg(prevUg - nowUg)} mg, above the limit of ${toMg(cap)} mg at this dose. It would keep the limit with the diazepam liquid (allowLiquid with liquidMgPerMl) or the equivalence confirmed for this patient (diazepamMgPerMg).`,
      });
    }
    prevUg = nowUg;
  });
  return out;
}
