import {
  PlanStep,
  WatchedDrug,
  dosingIntervalHours,
  drugCessationRule,
  findDrug,
  resolveGraceMinutes,
  stepOn,
  zonedDate,
} from '@taperwatch/domain';
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
  /** The drug whose mg the steps' daily doses count (diazepam in a switch); null: drugCode. */
  equivalentDrugCode: string | null;
  steps: PlanStep[];
  startDailyDoseMg: number;
  approvedAt: Date | null;
  dosesPerDay: number;
  graceMinutes: number;
  cessationMissedFraction: number | null;
}

/** The plan fields watchedPlan reads (an entity, or a row loaded by the watcher's own SQL). */
export type PlanFacts = Pick<
  PlanEntity,
  | 'id'
  | 'tenantId'
  | 'patientId'
  | 'drugCode'
  | 'equivalentDrugCode'
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
    equivalentDrugCode: plan.equivalentDrugCode,
    steps,
    startDailyDoseMg: plan.startDailyDoseMg,
    approvedAt: plan.approvedAt,
    dosesPerDay: perDay,
    graceMinutes: planGraceMinutes(plan, graceOverrideMinutes),
    cessationMissedFraction: drug?.cessationMissedFraction ?? null,
  };
}

/**
 * A plan's grace: the override, else its drug's (the catalogue), else ISMP's for its
 * administrations a day. Arming needs no more of the plan than this.
 */
export function planGraceMinutes(
  plan: Pick<PlanFacts, 'drugCode' | 'dosesPerDay'>,
  graceOverrideMinutes: number | undefined,
): number {
  return resolveGraceMinutes({
    overrideMinutes: graceOverrideMinutes ?? null,
    drugGraceMinutes: findDrug(plan.drugCode)?.graceMinutes ?? null,
    dosesPerDay: plan.dosesPerDay,
  });
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

/** The drugs a plan gives (its own and, in a switch, the substitute): what the watcher reads. */
export function planDrugCodes(
  plan: Pick<WatchedPlan, 'drugCode' | 'equivalentDrugCode'>,
): string[] {
  return plan.equivalentDrugCode && plan.equivalentDrugCode !== plan.drugCode
    ? [plan.drugCode, plan.equivalentDrugCode]
    : [plan.drugCode];
}

export const drugName = (code: string): string => findDrug(code)?.name ?? code;

/**
 * The drugs the patient is meant to take at `now`, each with its cessation rule from its own
 * administration times in the step in force (before the first step: the plan's drug, at the
 * first step's times; after the last: the last step's) and the half-life range of the catalogue.
 * Also rule (b)'s window: 72 h only when every drug given now has a long half-life.
 */
export function watchedDrugs(
  plan: WatchedPlan,
  now: Date,
  halfLives: number,
  lastTakenAt: Readonly<Record<string, Date | null | undefined>>,
): { drugs: WatchedDrug[]; fractionWindowHours: number } {
  const today = zonedDate(now, plan.timezone);
  const first = plan.steps[0];
  const before = !first || today < first.startDate;
  const step = before ? first : (stepOn(plan.steps, today) ?? plan.steps[plan.steps.length - 1]);
  const codes = before ? [plan.drugCode] : [...new Set((step?.doses ?? []).map((d) => d.drugCode))];
  let window = Infinity;
  const drugs = codes.map((code): WatchedDrug => {
    // Before the plan starts the patient takes its drug at every one of its clock times.
    const times = (step?.doses ?? [])
      .filter((d) => before || d.drugCode === code)
      .map((d) => d.time);
    const interval =
      times.length > 0
        ? dosingIntervalHours(times, before ? 1 : step?.intervalDays)
        : 24 / Math.max(1, plan.dosesPerDay);
    const rule = drugCessationRule(findDrug(code)?.halfLifeHours ?? null, interval, halfLives);
    window = Math.min(window, rule.windowHours);
    return {
      drugCode: code,
      name: drugName(code),
      cessationRiskHours: rule.cessationRiskHours,
      lastTakenAt: lastTakenAt[code]?.getTime() ?? null,
    };
  });
  return { drugs, fractionWindowHours: Number.isFinite(window) ? window : 24 };
}
