import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { ActorRef, Principal, actorRefSql, actorRefsOf, assertVisible } from '@taperwatch/auth';
import { Page, decodeCursor, toPage } from '@taperwatch/http';
import {
  PatientEntity,
  PlanEntity,
  PlanStatus,
  numberOrNull,
  preparedQuery,
} from '@taperwatch/persistence';
import { PlanView, toPlanView } from './plan-views';

/**
 * A plan by id with its patient's unit, as one named statement: plans are read by id on every
 * poll and every lifecycle call, and the query builder's unnamed statement had Postgres parse
 * and plan a 22-column join each time.
 */
const VISIBLE_PLAN_SQL = `
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

type VisiblePlanRow = Omit<PlanEntity, 'startDailyDoseMg' | 'targetDailyDoseMg'> & {
  startDailyDoseMg: string;
  targetDailyDoseMg: string;
  unitId: string;
  approvedByActor: ActorRef | null;
};

export interface PlanListQuery {
  patientId?: string;
  status?: PlanStatus;
  limit: number;
  cursor?: string;
}

@Injectable()
export class PlansService {
  constructor(private readonly dataSource: DataSource) {}

  /** The plan if this caller may see its patient's unit; 404 otherwise. */
  async findVisible(
    principal: Principal,
    id: string,
  ): Promise<PlanEntity & { unitId: string; approvedByActor: ActorRef | null }> {
    const [row] = await preparedQuery<VisiblePlanRow>(
      this.dataSource.manager,
      'visible-plan',
      VISIBLE_PLAN_SQL,
      [id, principal.tenantId],
    );
    const plan = row && {
      ...row,
      startDailyDoseMg: numberOrNull(row.startDailyDoseMg)!,
      targetDailyDoseMg: numberOrNull(row.targetDailyDoseMg)!,
    };
    return assertVisible(principal, plan ?? null, 'Plan');
  }

  /** findVisible's 404 without loading the plan (its steps and rationale can be large). */
  async assertVisible(principal: Principal, id: string): Promise<void> {
    const [row] = await preparedQuery<{ unitId: string }>(
      this.dataSource.manager,
      'plan-unit',
      `SELECT pt.unit_id AS "unitId" FROM plans p JOIN patients pt ON pt.id = p.patient_id
       WHERE p.id = $1 AND p.tenant_id = $2`,
      [id, principal.tenantId],
    );
    assertVisible(principal, row, 'Plan');
  }

  async get(principal: Principal, id: string): Promise<PlanView> {
    const plan = await this.findVisible(principal, id);
    return toPlanView(plan, plan.approvedByActor);
  }

  /** Newest first, keyset-paginated, limited to the caller's units. */
  async list(principal: Principal, query: PlanListQuery): Promise<Page<PlanView>> {
    const qb = this.dataSource
      .getRepository(PlanEntity)
      .createQueryBuilder('plan')
      .innerJoin(PatientEntity, 'patient', 'patient.id = plan.patient_id')
      .where('plan.tenant_id = :tenantId', { tenantId: principal.tenantId });
    if (principal.unitFilter) {
      qb.andWhere('patient.unit_id IN (:...units)', { units: principal.unitFilter });
    }
    if (query.patientId)
      qb.andWhere('plan.patient_id = :patientId', { patientId: query.patientId });
    if (query.status) qb.andWhere('plan.status = :status', { status: query.status });
    const after = decodeCursor(query.cursor);
    if (after) {
      qb.andWhere('(plan.created_at, plan.id) < (:at, :id)', { at: after.createdAt, id: after.id });
    }
    const rows = await qb
      .orderBy('plan.created_at', 'DESC')
      .addOrderBy('plan.id', 'DESC')
      .limit(query.limit + 1)
      .getMany();
    const approvers = await actorRefsOf(
      this.dataSource,
      rows.map((p) => p.approvedBy),
    );
    return toPage(rows, query.limit, (p) => toPlanView(p, approvers.get(p.approvedBy ?? '')));
  }

  /** A plan just changed, as the API shows it (who approved it resolved). */
  async viewOf(plan: PlanEntity): Promise<PlanView> {
    const approvers = await actorRefsOf(this.dataSource, [plan.approvedBy]);
    return toPlanView(plan, approvers.get(plan.approvedBy ?? ''));
  }
}
