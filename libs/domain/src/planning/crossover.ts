import type { Problem } from '../contract';
import type { DoseGrid } from '../dispensing/grid';

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
