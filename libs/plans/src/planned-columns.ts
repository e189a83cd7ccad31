import { PlannedTaper, administrationsPerDay } from '@taperwatch/domain';
import { PlanEntity } from '@taperwatch/persistence';

/** The columns of a plan row that come from the planner's output (first plans and revisions). */
export function plannedColumns(plan: PlannedTaper) {
  return {
    strategy: plan.strategy,
    startDate: plan.startDate,
    endDate: plan.endDate,
    startDailyDoseMg: plan.startDailyDoseMg,
    targetDailyDoseMg: plan.targetDailyDoseMg,
    steps: plan.steps,
    // A switch's totals are diazepam mg: recorded so every reader labels them as equivalents.
    equivalentDrugCode: plan.doseUnitDrugCode ?? null,
    dosesPerDay: administrationsPerDay(plan.steps),
    warnings: plan.warnings,
    rationale: plan.rationale,
  } satisfies Partial<Record<keyof PlanEntity, unknown>>;
}
