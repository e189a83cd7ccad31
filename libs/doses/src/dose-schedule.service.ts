import { Inject, Injectable, Logger } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { Clock } from '@taperwatch/common';
import { APP_CONFIG, AppConfig } from '@taperwatch/config';
import { PlanStep, expandDoses, heldSteps, zonedDate } from '@taperwatch/domain';
import { PatientEntity, PlanEntity, countedQuery } from '@taperwatch/persistence';
import { applyTransition } from './plan-transitions';

const HOUR_MS = 3_600_000;
/** Plans one horizon run takes; the next run takes the rest. */
const HORIZON_BATCH = 500;

export interface HorizonRun {
  plans: number;
  rows: number;
  completed: number;
}

/** Locks one plan row for the rest of the transaction; null when it is locked and `skip`. */
export function lockPlan(
  manager: EntityManager,
  id: string,
  skipLocked = false,
): Promise<PlanEntity | null> {
  const qb = manager
    .getRepository(PlanEntity)
    .createQueryBuilder('plan')
    .setLock('pessimistic_write')
    .where('plan.id = :id', { id });
  return (skipLocked ? qb.setOnLocked('skip_locked') : qb).getOne();
}

/**
 * Turns plans into dose rows at the patient's clock times, a rolling horizon at a time: a
 * 60-week plan has a week of rows, never thousands. Rows are keyed (plan, dueAt, drug), so writing
 * a window again never duplicates a dose.
 */
@Injectable()
export class DoseScheduleService {
  private readonly logger = new Logger(DoseScheduleService.name);

  constructor(
    private readonly dataSource: DataSource,
    private readonly clock: Clock,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  horizonEnd(now: Date): Date {
    return new Date(now.getTime() + this.config.DOSE_HORIZON_DAYS * 24 * HOUR_MS);
  }

  /** The steps doses follow now: while paused, the held step without end. */
  effectiveSteps(plan: PlanEntity, zone: string): PlanStep[] {
    const steps = plan.steps as PlanStep[];
    return plan.status === 'paused' && plan.pausedAt
      ? heldSteps(steps, zonedDate(plan.pausedAt, zone))
      : steps;
  }

  /**
   * Writes the plan's doses due in [from, to). `replace` also re-doses rows still scheduled in
   * the window (pause, resume) and cancels those the plan no longer has; recorded doses are
   * never touched. Returns the rows inserted or changed.
   */
  async writeWindow(
    manager: EntityManager,
    plan: PlanEntity,
    zone: string,
    from: Date,
    to: Date,
    mode: 'keep' | 'replace',
  ): Promise<number> {
    const doses = expandDoses(this.effectiveSteps(plan, zone), zone, from, to);
    const dueAts = doses.map((d) => d.dueAt.toISOString());
    const drugCodes = doses.map((d) => d.drugCode);
    // A row's drug is part of its key, never updated: a time that now gives another drug cancels
    // the old row and writes a new one, so a recording always names what was given.
    const onConflict =
      mode === 'keep'
        ? 'DO NOTHING'
        : `DO UPDATE SET dose_mg = EXCLUDED.dose_mg, equivalent_mg = EXCLUDED.equivalent_mg,
             step_index = EXCLUDED.step_index, status = 'scheduled', updated_at = now()
           WHERE doses.status IN ('scheduled', 'cancelled')
             AND (doses.dose_mg, doses.equivalent_mg, doses.step_index, doses.status)
                 IS DISTINCT FROM
                 (EXCLUDED.dose_mg, EXCLUDED.equivalent_mg, EXCLUDED.step_index, 'scheduled')`;
    let written = 0;
    if (doses.length > 0) {
      const result: unknown = await manager.query(
        `INSERT INTO doses (id, tenant_id, plan_id, patient_id, step_index, due_at, drug_code,
                            dose_mg, equivalent_mg)
         SELECT gen_random_uuid(), $1, $2, $3, t.step, t.due, t.drug, t.mg, t.eq
         FROM unnest($4::int[], $5::timestamptz[], $6::text[], $7::numeric[], $8::numeric[])
           AS t(step, due, drug, mg, eq)
         ON CONFLICT (plan_id, due_at, drug_code) ${onConflict}
         RETURNING id`,
        [
          plan.tenantId,
          plan.id,
          plan.patientId,
          doses.map((d) => d.stepIndex),
          dueAts,
          drugCodes,
          doses.map((d) => d.doseMg),
          doses.map((d) => d.equivalentMg),
        ],
      );
      written += (result as unknown[]).length;
    }
    if (mode === 'replace') {
      const cancelled = await countedQuery(
        manager,
        `UPDATE doses SET status = 'cancelled', updated_at = now()
         WHERE plan_id = $1 AND status = 'scheduled' AND due_at >= $2 AND due_at < $3
           AND (due_at, drug_code) NOT IN (
             SELECT * FROM unnest($4::timestamptz[], $5::text[]))`,
        [plan.id, from, to, dueAts, drugCodes],
      );
      written += cancelled.count;
    }
    return written;
  }

  /** Cancels the plan's doses still scheduled from `from` on (cancel, supersede). */
  async cancelFrom(manager: EntityManager, planId: string, from: Date): Promise<number> {
    const { count } = await countedQuery(
      manager,
      `UPDATE doses SET status = 'cancelled', updated_at = now()
       WHERE plan_id = $1 AND status = 'scheduled' AND due_at >= $2`,
      [planId, from],
    );
    return count;
  }

  async zoneOf(manager: EntityManager, patientId: string): Promise<string> {
    const patient = await manager.findOneByOrFail(PatientEntity, { id: patientId });
    return patient.timezone;
  }

  /**
   * The job scheduler's work: for every plan in force whose rows end before now + horizon,
   * write the missing days; a running plan whose last day has passed is completed. Two workers
   * skip each other's locked plans.
   */
  async extendHorizon(): Promise<HorizonRun> {
    const now = this.clock.now();
    const until = this.horizonEnd(now);
    const due = await this.dataSource
      .getRepository(PlanEntity)
      .createQueryBuilder('plan')
      .select('plan.id', 'id')
      .where("plan.status IN ('active', 'paused')")
      .andWhere('(plan.doses_until IS NULL OR plan.doses_until < :until)', { until })
      .orderBy('plan.doses_until', 'ASC', 'NULLS FIRST')
      .limit(HORIZON_BATCH)
      .getRawMany<{ id: string }>();
    const run: HorizonRun = { plans: 0, rows: 0, completed: 0 };
    for (const { id } of due) {
      await this.dataSource.transaction(async (manager) => {
        const plan = await lockPlan(manager, id, true);
        if (!plan || (plan.status !== 'active' && plan.status !== 'paused')) return;
        const zone = await this.zoneOf(manager, plan.patientId);
        const from = plan.dosesUntil ?? plan.approvedAt ?? now;
        if (from < until) {
          run.rows += await this.writeWindow(manager, plan, zone, from, until, 'keep');
          await manager.update(PlanEntity, { id }, { dosesUntil: until });
        }
        run.plans++;
        if (plan.status === 'active' && zonedDate(now, zone) > plan.endDate) {
          await this.complete(manager, plan);
          run.completed++;
        }
      });
    }
    if (run.rows > 0 || run.completed > 0) this.logger.log(run, 'dose horizon extended');
    return run;
  }

  private async complete(manager: EntityManager, plan: PlanEntity): Promise<void> {
    await applyTransition(manager, plan, 'complete', {
      actorKeyId: null,
      reason: `The last step ended on ${plan.endDate}.`,
    });
  }
}
