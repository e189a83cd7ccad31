import type { DrugEntry } from './types';

/** Request fields that must carry a value because docs/clinical.md has none for this drug. */
export type SuppliedField = 'strengthsMg' | 'stepDays' | 'maxStepReductionPercent';

export function hasSourcedStepCap(drug: DrugEntry): boolean {
  return Boolean(drug.stepCap || drug.perDoseCapMg || drug.startFractionCap || drug.bands);
}

export function requestMustSupply(drug: DrugEntry): SuppliedField[] {
  const fields: SuppliedField[] = [];
  if (!drug.tabletsMg) fields.push('strengthsMg');
  // A sourced minimum taper length lets the planner spread the steps over it instead.
  if (!drug.defaultStepDays && !drug.minTaperDays) fields.push('stepDays');
  if (!hasSourcedStepCap(drug)) fields.push('maxStepReductionPercent');
  return fields;
}
