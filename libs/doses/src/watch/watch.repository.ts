import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { countedQuery, preparedQuery } from '@taperwatch/persistence';
import {
  ARM_PLANS_SQL,
  CLAIM_OVERDUE_SQL,
  JUDGED_SQL,
  OUTPATIENT_PLANS_SQL,
  OutpatientPlanRow,
  PENDING_JUDGEMENTS_SQL,
  PLANS_TO_ARM_SQL,
  PLAN_TO_JUDGE_SQL,
  PlanRow,
  PlanToArmRow,
  RECENT_DOSES_SQL,
  UNARMED_DOSES_SQL,
  WatchedDoseRow,
  WorklistRow,
  worklistSql,
} from './watch.sql';

/**
 * Rows one claim of the sweep marks at most. Each claimed dose costs the same whatever the table's
 * size (its heap page and a leaf of its plan's key touched, most first since a checkpoint), so the
 * batch's time and how long it holds its row locks grow with this alone (decision 0045).
 */
export const OVERDUE_BATCH = 50;

/** One claim of the sweep: the doses it marked missed; `full` when more may be overdue. */
export interface OverdueClaim {
  rows: { plan_id: string; missed_after: Date }[];
  full: boolean;
}

/** The caller's reach: a tenant, and its units (null = every unit of the tenant). */
export interface UnitScope {
  tenantId: string;
  units: readonly string[] | null;
}

/**
 * Every statement of the dose watch and the ward's worklist (decision 0030): the services
 * decide, this reads and writes. Hot paths are named statements. The recordings' statements
 * are DosesRepository's.
 */
@Injectable()
export class WatchRepository {
  constructor(private readonly dataSource: DataSource) {}

  /**
   * A page of scheduled doses not yet given a missedAfter, soonest due first, after `after`
   * (UNARMED_DOSES_SQL): `limit` at most.
   */
  unarmedDoses(
    after: { dueAt: Date; id: string } | undefined,
    limit: number,
  ): Promise<{ id: string; plan_id: string; due_at: Date }[]> {
    return preparedQuery(this.dataSource.manager, 'unarmed-doses', UNARMED_DOSES_SQL, [
      after?.dueAt ?? '-infinity',
      after?.id ?? '00000000-0000-0000-0000-000000000000',
      limit,
    ]);
  }

  /** The plan in force of each plan's course, in one read (PLANS_TO_ARM_SQL). */
  plansToArm(planIds: readonly string[]): Promise<PlanToArmRow[]> {
    return preparedQuery(this.dataSource.manager, 'plans-to-arm', PLANS_TO_ARM_SQL, [planIds]);
  }

  /**
   * Arms the plans' unarmed doses in one transaction: dueAt + the plan's grace, or never while
   * its patient is an outpatient. The modes are read under a share lock on the patients (taken
   * first, in id order, before any dose): a switch of mode (which updates the patient, then
   * re-arms its pending doses) waits for this arming or is seen by it, so no dose is armed under
   * a mode that no longer holds. The number armed.
   */
  armPlans(
    plans: readonly { planId: string; patientId: string; graceSeconds: number }[],
  ): Promise<number> {
    if (plans.length === 0) return Promise.resolve(0);
    const patientIds = [...new Set(plans.map((p) => p.patientId))];
    return this.dataSource.transaction(async (manager) => {
      await manager.query(
        `SELECT 1 FROM patients WHERE id = ANY($1::uuid[]) ORDER BY id FOR SHARE`,
        [patientIds],
      );
      const { count } = await countedQuery(manager, ARM_PLANS_SQL, [
        plans.map((p) => p.planId),
        plans.map((p) => p.patientId),
        plans.map((p) => p.graceSeconds),
      ]);
      return count;
    });
  }

  /** Armed doses due to be missed before `before` whose check is not queued, soonest first. */
  dosesToQueue(before: Date, limit: number): Promise<{ id: string; missed_after: Date }[]> {
    return this.dataSource.query(
      `SELECT id, missed_after FROM doses
       WHERE status = 'scheduled' AND NOT check_queued AND missed_after < $1
       ORDER BY missed_after LIMIT $2`,
      [before, limit],
    );
  }

  async markChecksQueued(doseIds: readonly string[]): Promise<void> {
    await this.dataSource.query(`UPDATE doses SET check_queued = true WHERE id = ANY($1::uuid[])`, [
      doseIds,
    ]);
  }

  /**
   * Marks the dose missed, with its duty to judge, if it is still scheduled and missed by `now`:
   * one guarded UPDATE, no lock or transaction. Its plan and missedAfter, or undefined.
   */
  async markMissed(
    doseId: string,
    now: Date,
  ): Promise<{ plan_id: string; missed_after: Date } | undefined> {
    const [missed] = await preparedQuery<{ plan_id: string; missed_after: Date }>(
      this.dataSource.manager,
      'check-dose',
      `UPDATE doses SET status = 'missed', missed_at = $2, judge_pending = true, updated_at = now()
       WHERE id = $1 AND status = 'scheduled' AND missed_after <= $2
       RETURNING plan_id, missed_after`,
      [doseId, now],
    );
    return missed;
  }

  /**
   * The sweep's claim (CLAIM_OVERDUE_SQL): a batch of overdue doses marked missed, on the
   * manager's connection (`npm run bench` times it in a transaction it rolls back).
   */
  async claimOverdue(now: Date, manager = this.dataSource.manager): Promise<OverdueClaim> {
    const { rows } = await countedQuery<{ plan_id: string; missed_after: Date }>(
      manager,
      CLAIM_OVERDUE_SQL,
      [now, OVERDUE_BATCH],
    );
    return { rows, full: rows.length === OVERDUE_BATCH };
  }

  /**
   * EXPLAIN (ANALYZE, BUFFERS) of one claim, which it runs: the caller rolls `manager`'s
   * transaction back. `npm run bench` checks the claim reads the partial index.
   */
  async explainClaimOverdue(manager: EntityManager, now: Date): Promise<string> {
    const plan: { 'QUERY PLAN': string }[] = await manager.query(
      `EXPLAIN (ANALYZE, BUFFERS) ${CLAIM_OVERDUE_SQL}`,
      [now, OVERDUE_BATCH],
    );
    return plan.map((row) => row['QUERY PLAN']).join('\n');
  }

  /** Settles the duty to judge of these doses (JUDGED_SQL). */
  async settleJudgements(doseIds: readonly string[]): Promise<void> {
    await preparedQuery(this.dataSource.manager, 'doses-judged', JUDGED_SQL, [doseIds]);
  }

  /** Plans owed a judgement after plan `after`, by id, `limit` at most, with their doses. */
  pendingJudgements(
    after: string,
    limit: number,
  ): Promise<{ plan_id: string; dose_ids: string[] }[]> {
    return preparedQuery(this.dataSource.manager, 'pending-judgements', PENDING_JUDGEMENTS_SQL, [
      after,
      limit,
    ]);
  }

  /** The plan in force of the plan's course, with what a judgement needs (PLAN_TO_JUDGE_SQL). */
  async planInForce(planId: string): Promise<PlanRow | undefined> {
    const [row] = await preparedQuery<PlanRow>(
      this.dataSource.manager,
      'plan-to-judge',
      PLAN_TO_JUDGE_SQL,
      [planId],
    );
    return row;
  }

  /** The patient's doses of these drugs the rules judge (RECENT_DOSES_SQL). */
  recentDoses(
    plan: { tenantId: string; patientId: string },
    drugCodes: readonly string[],
    dueAfter: Date,
    now: Date,
  ): Promise<WatchedDoseRow[]> {
    return preparedQuery(this.dataSource.manager, 'recent-doses-of-drugs', RECENT_DOSES_SQL, [
      plan.tenantId,
      plan.patientId,
      drugCodes,
      dueAfter,
      now,
    ]);
  }

  /** Outpatients' plans in force after plan `after` (OUTPATIENT_PLANS_SQL). */
  outpatientPlans(
    now: Date,
    reportsSince: Date,
    after: string,
    limit: number,
  ): Promise<OutpatientPlanRow[]> {
    return preparedQuery(this.dataSource.manager, 'outpatient-plans', OUTPATIENT_PLANS_SQL, [
      now,
      reportsSince,
      after,
      limit,
    ]);
  }

  /** A page of the units' worklist (worklistSql): due in [from, to), after the cursor. */
  worklist(
    scope: UnitScope,
    window: { from: Date; to: Date },
    after: { createdAt: Date; id: string } | undefined,
    limit: number,
  ): Promise<WorklistRow[]> {
    const shape = { units: scope.units !== null, after: after !== undefined };
    const values: unknown[] = [scope.tenantId, window.from, window.to];
    if (scope.units) values.push(scope.units);
    if (after) values.push(after.createdAt, after.id);
    values.push(limit);
    return preparedQuery(
      this.dataSource.manager,
      `worklist${shape.units ? '-units' : ''}${shape.after ? '-after' : ''}`,
      worklistSql(shape),
      values,
    );
  }
}
