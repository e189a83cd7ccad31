import type { Problem } from '../contract';
import type { DoseGrid } from '../dispensing/grid';
import { equivalentUg } from '../equivalents';

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
 * (rounded down to real strengths, never up), with the total otherwise unchanged.
 */
export function switchPhase(
  currentUg: readonly number[],
  fromGrid: DoseGrid,
  fromCode: string,
  ratio: number,
  dzGrid: DoseGrid,
  dzCode: string,
): { steps: Slot[][]; diazepamUg: number[] } | Problem {
  const exactEq = currentUg.map((ug) => equivalentUg(ug, ratio));
  if (!dzGrid.ensure(Math.max(...exactEq))) {
    return {
      code: 'dose_too_fine',
      field: 'strengthsMg',
      message: 'The diazepam equivalent is too large for the strengths.',
    };
  }
  const diazepamUg = exactEq.map((ug) => dzGrid.atOrBelow(ug));
  const switched = new Set<number>();
  const steps: Slot[][] = [];
  for (let i = currentUg.length - 1; i >= 0; i--) {
    if (currentUg[i] === 0) continue;
    switched.add(i);
    steps.push(
      currentUg.map((ug, j) =>
        switched.has(j)
          ? { ug: diazepamUg[j], eqUg: diazepamUg[j], grid: dzGrid, drugCode: dzCode }
          : { ug, eqUg: exactEq[j], grid: fromGrid, drugCode: fromCode },
      ),
    );
  }
  return { steps, diazepamUg };
}
