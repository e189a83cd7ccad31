import { ActorRef, actorRefSql } from '@taperwatch/auth';
import type { PlanStep, TaperGoal } from '@taperwatch/domain';
import type { PlanEntity, PlanStatus } from '@taperwatch/persistence';

/**
 * A plan by id with its patient's unit, as one named statement: plans are read by id on every
 * poll and every lifecycle call, and the query builder's unnamed statement had Postgres parse
 * and plan a 22-column join each time.
 */
export const VISIBLE_PLAN_SQL = `
SELECT p.id, p.tenant_id AS "tenantId", p.request_id AS "requestId",
  p.patient_id AS "patientId", p.drug_code AS "drugCode",
  p.equivalent_drug_code AS "equivalentDrugCode", p.version, p.status, p.strategy,
  p.start_date AS "startDate", p.end_date AS "endDate",
  p.start_daily_dose_mg AS "startDailyDoseMg", p.target_daily_dose_mg AS "targetDailyDoseMg",
  p.steps, p.doses_per_day AS "dosesPerDay", p.warnings, p.rationale,
  p.created_at AS "createdAt", p.approved_at AS "approvedAt", p.approved_by AS "approvedBy",
  ${actorRefSql('p.approved_by')} AS "approvedByActor",
  p.parent_plan_id AS "parentPlanId", p.paused_at AS "pausedAt", p.doses_until AS "dosesUntil",
  p.reanchored_from AS "reanchoredFrom", p.reanchored_by_days AS "reanchoredByDays",
  pt.unit_id AS "unitId"
FROM plans p JOIN patients pt ON pt.id = p.patient_id
WHERE p.id = $1 AND p.tenant_id = $2`;

/** VISIBLE_PLAN_SQL's row: numerics come back as text. */
export type VisiblePlanRow = Omit<PlanEntity, 'startDailyDoseMg' | 'targetDailyDoseMg'> & {
  startDailyDoseMg: string;
  targetDailyDoseMg: string;
  unitId: string;
  approvedByActor: ActorRef | null;
};

/** A plan's patient's unit alone, for a visibility check that need not load the plan. */
export const PLAN_UNIT_SQL = `
SELECT pt.unit_id AS "unitId" FROM plans p JOIN patients pt ON pt.id = p.patient_id
WHERE p.id = $1 AND p.tenant_id = $2`;

/**
 * A patient's plan versions with each version's goal (its course phase: a revision's own goal
 * from its 'propose' transition, else the request's), oldest course first, versions in order.
 */
export const COURSE_PLANS_SQL = `
SELECT p.id, p.request_id AS "requestId", p.drug_code AS "drugCode",
       p.equivalent_drug_code AS "equivalentDrugCode", p.version, p.status,
       p.start_date AS "startDate", p.end_date AS "endDate", p.steps,
       p.approved_at AS "approvedAt", r.created_at AS "courseCreatedAt",
       coalesce((SELECT t.details -> 'goal' FROM plan_transitions t
                 WHERE t.plan_id = p.id AND t.action = 'propose' LIMIT 1),
                r.body -> 'goal') AS goal
FROM plans p JOIN taper_requests r ON r.id = p.request_id
WHERE p.tenant_id = $1 AND p.patient_id = $2
ORDER BY r.created_at, p.request_id, p.version`;

export interface CoursePlanRow {
  id: string;
  requestId: string;
  drugCode: string;
  equivalentDrugCode: string | null;
  version: number;
  status: PlanStatus;
  startDate: string;
  endDate: string;
  steps: PlanStep[];
  approvedAt: Date | null;
  courseCreatedAt: Date;
  goal: TaperGoal;
}
