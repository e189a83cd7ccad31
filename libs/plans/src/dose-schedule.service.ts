import { Inject, Injectable, Logger } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { Clock } from '@taperwatch/common';
import { APP_CONFIG, AppConfig } from '@taperwatch/config';
import { PlanStep, ScheduledDose, expandDoses, heldSteps, zonedDate } from '@taperwatch/domain';
import { PatientEntity, PlanEntity, countedQuery } from '@taperwatch/persistence';
import { applyTransition } from './plan-transitions';

const HOUR_MS = 3_600_000;
/**
 * Plans a horizon run locks and writes in one transaction: the run goes through every plan a page
 * at a time, so its memory and the time a page holds its plans' locks stay bounded.
 */
const HORIZON_PAGE = 250;

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
    let written = await insertDoses(
      manager,
      doses.map((dose) => ({ plan, dose })),
      onConflict,
    );
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
   * write the missing days; a running plan whose last day has passed is completed. One run goes
   * through all such plans, a page at a time in plan id order; two workers skip each other's
   * locked plans.
   */
  async extendHorizon(): Promise<HorizonRun> {
    const now = this.clock.now();
    const until = this.horizonEnd(now);
    const run: HorizonRun = { plans: 0, rows: 0, completed: 0 };
    let after: string | null = null;
    do {
      after = await this.dataSource.transaction((manager) =>
        this.extendPage(manager, now, until, after, run),
      );
    } while (after !== null);
    if (run.rows > 0 || run.completed > 0) this.logger.log(run, 'dose horizon extended');
    return run;
  }

  /**
   * One page of a horizon run: locks up to HORIZON_PAGE plans after plan `after` (skipping those
   * locked elsewhere), writes their missing rows with one INSERT and their new horizon with one
   * UPDATE, and completes those whose last day has passed. Adds to `run`; the last plan's id, or
   * null when no page follows.
   */
  private async extendPage(
    manager: EntityManager,
    now: Date,
    until: Date,
    after: string | null,
    run: HorizonRun,
  ): Promise<string | null> {
    const query = manager
      .getRepository(PlanEntity)
      .createQueryBuilder('plan')
      .setLock('pessimistic_write')
      .setOnLocked('skip_locked')
      .where("plan.status IN ('active', 'paused')")
      .andWhere('(plan.doses_until IS NULL OR plan.doses_until < :until)', { until });
    if (after !== null) query.andWhere('plan.id > :after', { after });
    const plans = await query.orderBy('plan.id', 'ASC').limit(HORIZON_PAGE).getMany();
    if (plans.length === 0) return null;
    const zones = await this.zonesOf(manager, plans);
    const rows: DoseRowInput[] = [];
    const extended: string[] = [];
    for (const plan of plans) {
      const zone = zones(plan);
      const from = plan.dosesUntil ?? plan.approvedAt ?? now;
      if (from < until) {
        for (const dose of expandDoses(this.effectiveSteps(plan, zone), zone, from, until)) {
          rows.push({ plan, dose });
        }
        extended.push(plan.id);
      }
    }
    run.rows += await insertDoses(manager, rows, 'DO NOTHING');
    if (extended.length > 0) {
      await manager.query(`UPDATE plans SET doses_until = $1 WHERE id = ANY($2::uuid[])`, [
        until,
        extended,
      ]);
    }
    run.plans += plans.length;
    for (const plan of plans) {
      if (plan.status === 'active' && zonedDate(now, zones(plan)) > plan.endDate) {
        await this.complete(manager, plan);
        run.completed++;
      }
    }
    return plans.length < HORIZON_PAGE ? null : plans[plans.length - 1]!.id;
  }

  /** The plans' patients' time zones in one read: a lookup that fails for a patient not found. */
  private async zonesOf(
    manager: EntityManager,
    plans: readonly PlanEntity[],
  ): Promise<(plan: PlanEntity) => string> {
    const rows: { id: string; timezone: string }[] = await manager.query(
      `SELECT id, timezone FROM patients WHERE id = ANY($1::uuid[])`,
      [plans.map((p) => p.patientId)],
    );
    const zones = new Map(rows.map((r) => [r.id, r.timezone]));
    return (plan) => {
      const zone = zones.get(plan.patientId);
      if (zone === undefined) throw new Error(`the patient of plan ${plan.id} was not found`);
      return zone;
    };
  }

  private async complete(manager: EntityManager, plan: PlanEntity): Promise<void> {
    await applyTransition(manager, plan, 'complete', {
      actorKeyId: null,
      reason: `The last step ended on ${plan.endDate}.`,
    });
  }
}

/** A dose row to write: the plan it belongs to and the dose expanded from its steps. */
interface DoseRowInput {
  plan: Pick<PlanEntity, 'id' | 'tenantId' | 'patientId'>;
  dose: ScheduledDose;
}

/**
 * Writes dose rows of any number of plans with one INSERT (keyed by plan, due time and drug;
 * `onConflict` says what a row already there becomes). The rows inserted or changed.
 */
async function insertDoses(
  manager: EntityManager,
  rows: readonly DoseRowInput[],
  onConflict: string,
): Promise<number> {
  if (rows.length === 0) return 0;
  const { count } = await countedQuery(
    manager,
    `INSERT INTO doses (id, tenant_id, plan_id, patient_id, step_index, due_at, drug_code,
                        dose_mg, equivalent_mg)
     SELECT gen_random_uuid(), t.tenant, t.plan, t.patient, t.step, t.due, t.drug, t.mg, t.eq
     FROM unnest($1::uuid[], $2::uuid[], $3::uuid[], $4::int[], $5::timestamptz[], $6::text[],
                 $7::numeric[], $8::numeric[])
       AS t(tenant, plan, patient, step, due, drug, mg, eq)
     ON CONFLICT (plan_id, due_at, drug_code) ${onConflict}`,
    [
      rows.map((r) => r.plan.tenantId),
      rows.map((r) => r.plan.id),
      rows.map((r) => r.plan.patientId),
      rows.map((r) => r.dose.stepIndex),
      rows.map((r) => r.dose.dueAt.toISOString()),
      rows.map((r) => r.dose.drugCode),
      rows.map((r) => r.dose.doseMg),
      rows.map((r) => r.dose.equivalentMg),
    ],
  );
  return count;
}
