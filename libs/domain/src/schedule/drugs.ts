import type { PlanStep } from '../contract';

/** One drug a step gives and its own daily mg (never an equivalent). */
export interface StepDrug {
  drugCode: string;
  dailyDoseMg: number;
}

/**
 * The drugs a step gives, each with its own daily mg, in the order of the step's doses: a
 * switch's step dailyDoseMg is an equivalent total, and mg of two drugs are never added.
 */
export function stepDrugs(step: Pick<PlanStep, 'doses'>): StepDrug[] {
  const totals = new Map<string, number>();
  for (const dose of step.doses) {
    totals.set(dose.drugCode, (totals.get(dose.drugCode) ?? 0) + Math.round(dose.doseMg * 1000));
  }
  return [...totals].map(([drugCode, ug]) => ({ drugCode, dailyDoseMg: ug / 1000 }));
}

/** Every drug the steps give, in the order first given (a switch: the first drug, then diazepam). */
export function planDrugCodes(steps: readonly Pick<PlanStep, 'doses'>[]): string[] {
  const codes = new Set<string>();
  for (const step of steps) for (const dose of step.doses) codes.add(dose.drugCode);
  return [...codes];
}
