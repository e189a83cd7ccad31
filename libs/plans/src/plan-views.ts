import type { ActorRef } from '@taperwatch/auth';
import { PlanStep, StepDrug, stepDrugs } from '@taperwatch/domain';
import { PlanEntity, TaperRequestEntity } from '@taperwatch/persistence';

export interface TaperRequestView {
  id: string;
  status: TaperRequestEntity['status'];
  patientId: string;
  drugCode: string;
  planId?: string;
  problems?: { code: string; message: string; field?: string }[];
  /** What else the patient takes, as the request named it (the planner's interaction checks). */
  coMedications: string[];
  createdAt: string;
  updatedAt: string;
}

export function toTaperRequestView(
  r: Pick<
    TaperRequestEntity,
    'id' | 'status' | 'patientId' | 'drugCode' | 'planId' | 'problems' | 'createdAt' | 'updatedAt'
  > & { coMedications?: string[] | null },
): TaperRequestView {
  return {
    id: r.id,
    status: r.status,
    patientId: r.patientId,
    drugCode: r.drugCode,
    ...(r.planId ? { planId: r.planId } : {}),
    ...(r.problems ? { problems: r.problems } : {}),
    coMedications: r.coMedications ?? [],
    createdAt: r.createdAt.toISOString(),
    updatedAt: r.updatedAt.toISOString(),
  };
}

export interface PlanView {
  id: string;
  requestId: string;
  patientId: string;
  drugCode: string;
  /**
   * Present when startDailyDoseMg, targetDailyDoseMg and each step's dailyDoseMg are mg of this
   * drug, not of drugCode: a switch to diazepam totals diazepam equivalents.
   */
  equivalentDrugCode?: string;
  version: number;
  status: PlanEntity['status'];
  strategy: string;
  startDate: string;
  endDate: string;
  startDailyDoseMg: number;
  targetDailyDoseMg: number;
  steps: PlanStepView[];
  warnings: unknown[];
  rationale: unknown[];
  createdAt: string;
  approvedAt?: string;
  /** Who approved it: an API key, or the person or system a token named. */
  approvedBy?: ActorRef;
  /** A revision names the version it revises. */
  parentPlanId?: string;
  pausedAt?: string;
  /**
   * Approved after its start date: every step moved later so step 1 starts on the approval day
   * (no step skipped). The start date it was planned for, and the days each step moved.
   */
  reanchoredFrom?: string;
  reanchoredByDays?: number;
}

/** A step as planned, with each drug it gives and that drug's own daily mg. */
export type PlanStepView = PlanStep & { drugs: StepDrug[] };

/** `approvedBy`: who p.approvedBy names (actorRefsOf), or null while it is not approved. */
export function toPlanView(p: PlanEntity, approvedBy: ActorRef | null | undefined): PlanView {
  return {
    id: p.id,
    requestId: p.requestId,
    patientId: p.patientId,
    drugCode: p.drugCode,
    ...(p.equivalentDrugCode ? { equivalentDrugCode: p.equivalentDrugCode } : {}),
    version: p.version,
    status: p.status,
    strategy: p.strategy,
    startDate: p.startDate,
    endDate: p.endDate,
    startDailyDoseMg: p.startDailyDoseMg,
    targetDailyDoseMg: p.targetDailyDoseMg,
    steps: (p.steps as PlanStep[]).map((step) => ({ ...step, drugs: stepDrugs(step) })),
    warnings: p.warnings,
    rationale: p.rationale,
    createdAt: p.createdAt.toISOString(),
    ...(p.approvedAt ? { approvedAt: p.approvedAt.toISOString() } : {}),
    ...(approvedBy ? { approvedBy } : {}),
    ...(p.parentPlanId ? { parentPlanId: p.parentPlanId } : {}),
    ...(p.pausedAt ? { pausedAt: p.pausedAt.toISOString() } : {}),
    ...(p.reanchoredFrom
      ? { reanchoredFrom: p.reanchoredFrom, reanchoredByDays: p.reanchoredByDays ?? 0 }
      : {}),
  };
}
