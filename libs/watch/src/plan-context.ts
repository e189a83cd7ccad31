import { PlanStep, findDrug, resolveGraceMinutes, stepOn, zonedDate } from '@taperwatch/domain';
import { PlanEntity } from '@taperwatch/persistence';

/** What the watcher needs to know about a plan in force to judge its doses. */
export interface WatchedPlan {
  id: string;
  tenantId: string;
  patientId: string;
  unitId: string;
  timezone: string;
  drugCode: string;
  drugName: string;
  steps: PlanStep[];
  startDailyDoseMg: number;
  approvedAt: Date | null;
  dosesPerDay: number;
  graceMinutes: number;
  cessationRiskHours: number | null;
  cessationMissedFraction: number | null;
}

/** The plan fields watchedPlan reads (an entity, or a row loaded by the watcher's own SQL). */
export type PlanFacts = Pick<
  PlanEntity,
  | 'id'
  | 'tenantId'
  | 'patientId'
  | 'drugCode'
  | 'steps'
  | 'startDailyDoseMg'
  | 'approvedAt'
  | 'dosesPerDay'
>;

export function watchedPlan(
  plan: PlanFacts,
  patient: { unitId: string; timezone: string },
  graceOverrideMinutes: number | undefined,
): WatchedPlan {
  const drug = findDrug(plan.drugCode);
  const steps = plan.steps as PlanStep[];
  const perDay = plan.dosesPerDay;
  return {
    id: plan.id,
    tenantId: plan.tenantId,
    patientId: plan.patientId,
    unitId: patient.unitId,
    timezone: patient.timezone,
    drugCode: plan.drugCode,
    drugName: drug?.name ?? plan.drugCode,
    steps,
    startDailyDoseMg: plan.startDailyDoseMg,
    approvedAt: plan.approvedAt,
    dosesPerDay: perDay,
    graceMinutes: resolveGraceMinutes({
      overrideMinutes: graceOverrideMinutes ?? null,
      drugGraceMinutes: drug?.graceMinutes ?? null,
      dosesPerDay: perDay,
    }),
    cessationRiskHours: drug?.cessationRiskHours ?? null,
    cessationMissedFraction: drug?.cessationMissedFraction ?? null,
  };
}

/**
 * The daily dose in force on the patient's calendar day at `now`: before the first step the
 * patient is still on the starting dose, after the last the target holds.
 */
export function currentStepDailyDose(plan: WatchedPlan, now: Date): number {
  const today = zonedDate(now, plan.timezone);
  const first = plan.steps[0];
  if (!first || today < first.startDate) return plan.startDailyDoseMg;
  return (stepOn(plan.steps, today) ?? plan.steps[plan.steps.length - 1]!).dailyDoseMg;
}
