import { DRUGS } from './catalogue/drugs';
import { toMg, toUg } from './dispensing/grid';

/*
 * The one place where doses of different drugs are made comparable. Doses of two drugs are
 * never added or compared in their own mg: each is converted to the plan's equivalent unit (mg of
 * one drug, diazepam in a crossover), compared or added there, and converted back per drug.
 * Equivalences are [C] (sources differ twofold [S14a]): the request's diazepamMgPerMg replaces
 * the catalogue's for the request's drug.
 */

/** The request fields that decide a plan's equivalences (a TaperRequestInput has them all). */
export interface EquivalenceBasis {
  drugCode: string;
  substituteWith?: string;
  diazepamMgPerMg?: number;
}

const DIAZEPAM = 'diazepam';

/** Diazepam mg per 1 mg of `drugCode` (the override when given), or null when unknown. */
function diazepamPerMg(drugCode: string, overrideMgPerMg?: number): number | null {
  if (drugCode === DIAZEPAM) return 1;
  if (overrideMgPerMg !== undefined) return overrideMgPerMg;
  const eq = DRUGS.get(drugCode)?.diazepamEquivalence?.value;
  return eq ? eq.diazepamMg / eq.mg : null;
}

/**
 * mg of `unitDrugCode` equivalent to 1 mg of `drugCode`: 1 for the same drug, otherwise through
 * the catalogue's diazepam equivalence ([C], sourced) or `overrideMgPerMg` (diazepam mg per mg of
 * `drugCode`, the request's diazepamMgPerMg). Null when either drug has no known equivalence.
 */
export function equivalenceRatio(
  drugCode: string,
  unitDrugCode: string,
  overrideMgPerMg?: number,
): number | null {
  if (drugCode === unitDrugCode) return 1;
  const from = diazepamPerMg(drugCode, overrideMgPerMg);
  const to = diazepamPerMg(unitDrugCode);
  return from === null || to === null ? null : from / to;
}

/** `ug` of a drug in the equivalent unit, in whole micrograms (as the planner counts). */
export const equivalentUg = (ug: number, ratio: number): number => Math.round(ug * ratio);

/**
 * Whole micrograms of a drug whose equivalent is `equivalentUg`, rounded down: converting back
 * never gives more of a drug than the equivalent allows.
 */
export const fromEquivalentUg = (equivalentUg: number, ratio: number): number =>
  Math.floor(equivalentUg / ratio + 1e-9);

/** `mg` of `drugCode` in mg of `unitDrugCode` (null when no equivalence is known). */
export function toEquivalentMg(
  drugCode: string,
  mg: number,
  unitDrugCode: string,
  overrideMgPerMg?: number,
): number | null {
  const ratio = equivalenceRatio(drugCode, unitDrugCode, overrideMgPerMg);
  return ratio === null ? null : toMg(equivalentUg(toUg(mg), ratio));
}

/** mg of `drugCode` equivalent to `equivalentMg` of `unitDrugCode`, rounded down to whole µg. */
export function fromEquivalentMg(
  drugCode: string,
  equivalentMg: number,
  unitDrugCode: string,
  overrideMgPerMg?: number,
): number | null {
  const ratio = equivalenceRatio(drugCode, unitDrugCode, overrideMgPerMg);
  return ratio === null ? null : toMg(fromEquivalentUg(toUg(equivalentMg), ratio));
}

/** A plan's equivalences: its unit and a ratio for each drug it gives. */
export interface PlanEquivalence {
  /** The drug whose mg the plan's daily doses are counted in (the substitute in a crossover). */
  readonly unitDrugCode: string;
  /** The drugs this plan may give: its own and, in a crossover, the substitute. */
  readonly drugCodes: readonly string[];
  /** mg of the unit per mg of `drugCode`; null for a drug the plan does not give. */
  ratio(drugCode: string): number | null;
  /** `mg` of `drugCode` in the plan's unit; null for a drug the plan does not give. */
  toEquivalentMg(drugCode: string, mg: number): number | null;
  /** mg of `drugCode` equivalent to `equivalentMg` of the unit, rounded down; null as above. */
  fromEquivalentMg(drugCode: string, equivalentMg: number): number | null;
}

/**
 * The equivalences of the plan a request makes: the unit is the substitute in a crossover and
 * the drug itself otherwise; the request's diazepamMgPerMg applies to the request's own drug.
 * A drug outside the plan, or one with no known equivalence, has no ratio (null).
 */
export function planEquivalence(basis: EquivalenceBasis): PlanEquivalence {
  const unitDrugCode = basis.substituteWith ?? basis.drugCode;
  const drugCodes = basis.substituteWith
    ? [basis.drugCode, basis.substituteWith]
    : [basis.drugCode];
  const ratios = new Map<string, number | null>(
    drugCodes.map((code) => [
      code,
      equivalenceRatio(
        code,
        unitDrugCode,
        code === basis.drugCode ? basis.diazepamMgPerMg : undefined,
      ),
    ]),
  );
  const ratio = (code: string) => ratios.get(code) ?? null;
  return {
    unitDrugCode,
    drugCodes,
    ratio,
    toEquivalentMg: (code, mg) => {
      const r = ratio(code);
      return r === null ? null : toMg(equivalentUg(toUg(mg), r));
    },
    fromEquivalentMg: (code, equivalentMg) => {
      const r = ratio(code);
      return r === null ? null : toMg(fromEquivalentUg(toUg(equivalentMg), r));
    },
  };
}
