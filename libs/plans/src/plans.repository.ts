import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import type { QueryDeepPartialEntity } from 'typeorm/query-builder/QueryPartialEntity';
import { ActorRef, actorRefsOf } from '@taperwatch/auth';
import type { PlanAction, TaperGoal } from '@taperwatch/domain';
import {
  PatientEntity,
  PlanEntity,
  PlanStatus,
  TaperRequestEntity,
  numberOrNull,
  preparedQuery,
  newestFirst,
} from '@taperwatch/persistence';
import { TransitionRecord, applyTransition, insertTransition, lockPlan } from '@taperwatch/doses';
import type { StoredRuleContext } from './plan-rules';
import type { plannedColumns } from './planned-columns';
import {
  COURSE_PLANS_SQL,
  CoursePlanRow,
  PLAN_UNIT_SQL,
  VISIBLE_PLAN_SQL,
  VisiblePlanRow,
} from './plans.sql';

/** A plan with its patient's unit and who approved it, as the visibility check reads it. */
export type VisiblePlan = PlanEntity & { unitId: string; approvedByActor: ActorRef | null };

/** What a list of plans is filtered by: the caller's tenant and units, and the query's own. */
export interface PlanFilter {
  tenantId: string;
  units: readonly string[] | undefined;
  patientId?: string;
  status?: PlanStatus;
  after?: { createdAt: Date; id: string };
  limit: number;
}

/** A new plan row: a request's first version or a revision, as the planner produced it. */
export type NewPlan = Pick<
  PlanEntity,
  'id' | 'tenantId' | 'requestId' | 'patientId' | 'drugCode' | 'version' | 'status'
> &
  ReturnType<typeof plannedColumns> & { parentPlanId?: string };

/**
 * Every statement of plans, their lifecycle, documents and courses (decision 0030). Methods
 * taking a manager run in the caller's transaction; the rest on a pooled connection.
 */
@Injectable()
export class PlansRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** Outside any transaction: for a read that otherwise takes the caller's manager. */
  get manager(): EntityManager {
    return this.dataSource.manager;
  }

  /** A transaction of its own, or a savepoint inside the caller's (`within`). */
  transaction<T>(work: (manager: EntityManager) => Promise<T>, within?: EntityManager): Promise<T> {
    return (within ?? this.dataSource.manager).transaction(work);
  }

  /** The plan with its patient's unit, if it is the tenant's: one named statement. */
  async visible(id: string, tenantId: string): Promise<VisiblePlan | undefined> {
    const [row] = await preparedQuery<VisiblePlanRow>(
      this.dataSource.manager,
      'visible-plan',
      VISIBLE_PLAN_SQL,
      [id, tenantId],
    );
    return (
      row && {
        ...row,
        startDailyDoseMg: numberOrNull(row.startDailyDoseMg)!,
        targetDailyDoseMg: numberOrNull(row.targetDailyDoseMg)!,
      }
    );
  }

  /** The unit of the plan's patient, if the plan is the tenant's (its steps left unread). */
  async unitOf(id: string, tenantId: string): Promise<{ unitId: string } | undefined> {
    const [row] = await preparedQuery<{ unitId: string }>(
      this.dataSource.manager,
      'plan-unit',
      PLAN_UNIT_SQL,
      [id, tenantId],
    );
    return row;
  }

  /** Newest first from the filter's cursor, `limit` rows at most. */
  list(filter: PlanFilter): Promise<PlanEntity[]> {
    const qb = this.dataSource
      .getRepository(PlanEntity)
      .createQueryBuilder('plan')
      .innerJoin(PatientEntity, 'patient', 'patient.id = plan.patient_id')
      .where('plan.tenant_id = :tenantId', { tenantId: filter.tenantId });
    if (filter.units) qb.andWhere('patient.unit_id IN (:...units)', { units: filter.units });
    if (filter.patientId) {
      qb.andWhere('plan.patient_id = :patientId', { patientId: filter.patientId });
    }
    if (filter.status) qb.andWhere('plan.status = :status', { status: filter.status });
    return newestFirst(qb, 'plan', filter.after, filter.limit);
  }

  /** Who each key or token id is, by id. */
  actorRefs(ids: readonly (string | null | undefined)[]): Promise<Map<string, ActorRef>> {
    return actorRefsOf(this.dataSource, ids);
  }

  patient(id: string, manager: EntityManager = this.dataSource.manager): Promise<PatientEntity> {
    return manager.findOneByOrFail(PatientEntity, { id });
  }

  /** The patient's plan versions with each one's course phase, courses oldest first. */
  coursePlans(tenantId: string, patientId: string): Promise<CoursePlanRow[]> {
    return preparedQuery<CoursePlanRow>(this.dataSource.manager, 'course-plans', COURSE_PLANS_SQL, [
      tenantId,
      patientId,
    ]);
  }

  /** Locks the plan row for the rest of the caller's transaction. */
  lock(manager: EntityManager, id: string): Promise<PlanEntity | null> {
    return lockPlan(manager, id);
  }

  find(manager: EntityManager, id: string): Promise<PlanEntity | null> {
    return manager.findOneBy(PlanEntity, { id });
  }

  /** The plan as it now is, within the caller's transaction. */
  reload(manager: EntityManager, id: string): Promise<PlanEntity> {
    return manager.findOneByOrFail(PlanEntity, { id });
  }

  /** The patient's plan for the drug that is in force (active or paused), if any. */
  inForce(patientId: string, drugCode: string): Promise<PlanEntity | null> {
    return this.dataSource
      .getRepository(PlanEntity)
      .createQueryBuilder('plan')
      .where(
        "plan.patient_id = :p AND plan.drug_code = :d AND plan.status IN ('active', 'paused')",
        { p: patientId, d: drugCode },
      )
      .getOne();
  }

  request(manager: EntityManager, id: string): Promise<TaperRequestEntity> {
    return manager.findOneByOrFail(TaperRequestEntity, { id });
  }

  /** The rule context the plan's 'propose' transition kept, if any (a first version has none). */
  async proposedRuleContext(
    manager: EntityManager,
    planId: string,
  ): Promise<StoredRuleContext | undefined> {
    const proposed = await manager.query<{ details: { ruleContext?: StoredRuleContext } | null }[]>(
      `SELECT details FROM plan_transitions WHERE plan_id = $1 AND action = 'propose'`,
      [planId],
    );
    return proposed[0]?.details?.ruleContext;
  }

  /** The goal the plan's 'propose' transition kept (a revision's own phase), if any. */
  async proposedGoal(
    manager: EntityManager,
    planId: string,
  ): Promise<TaperGoal | null | undefined> {
    const [phase] = await manager.query<{ goal: TaperGoal | null }[]>(
      `SELECT details -> 'goal' AS goal FROM plan_transitions WHERE plan_id = $1 AND action = 'propose'`,
      [planId],
    );
    return phase?.goal;
  }

  /** The version after the request's newest. */
  async nextVersion(manager: EntityManager, requestId: string): Promise<number> {
    const { max } = (await manager
      .getRepository(PlanEntity)
      .createQueryBuilder('plan')
      .select('MAX(plan.version)', 'max')
      .where('plan.request_id = :r', { r: requestId })
      .getRawOne<{ max: number }>())!;
    return Number(max) + 1;
  }

  async insert(manager: EntityManager, plan: NewPlan): Promise<void> {
    await manager.insert(PlanEntity, plan as QueryDeepPartialEntity<PlanEntity>);
  }

  /** Moves the locked plan through the state machine and records the move (plan-transitions). */
  applyTransition(
    manager: EntityManager,
    plan: PlanEntity,
    action: PlanAction,
    record: TransitionRecord,
    patch: Partial<PlanEntity> = {},
  ): Promise<PlanEntity> {
    return applyTransition(manager, plan, action, record, patch);
  }

  /** Records a new version's 'propose' transition. */
  async recordProposal(
    manager: EntityManager,
    plan: Pick<PlanEntity, 'id' | 'tenantId'>,
    record: TransitionRecord,
  ): Promise<void> {
    await insertTransition(manager, plan, 'propose', null, 'proposed', record);
  }

  /** A proposed revision of `planId` that a symptom check made, if one waits. */
  async pendingAutomaticHold(planId: string): Promise<string | undefined> {
    const row = await this.dataSource
      .getRepository(PlanEntity)
      .createQueryBuilder('plan')
      .innerJoin('plan_transitions', 't', "t.plan_id = plan.id AND t.action = 'propose'")
      .where("plan.parent_plan_id = :planId AND plan.status = 'proposed'", { planId })
      .andWhere("t.details ->> 'symptomCheckId' IS NOT NULL")
      .getOne();
    return row?.id;
  }
}
