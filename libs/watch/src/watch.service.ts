import { InjectQueue } from '@nestjs/bullmq';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { Queue } from 'bullmq';
import { DataSource, EntityManager } from 'typeorm';
import { AlertsService } from '@taperwatch/alerts';
import { Clock } from '@taperwatch/common';
import { APP_CONFIG, AppConfig } from '@taperwatch/config';
import { HOUR_MS, WatchedDose, evaluateDoseAlerts } from '@taperwatch/domain';
import { alertsRaised, doseDetectionLateness, sweepFindings } from '@taperwatch/observability';
import { DoseEntity, PatientEntity, PlanEntity } from '@taperwatch/persistence';
import { DoseCheckJob, JOB_NAMES, QUEUES, jobIds } from '@taperwatch/queues';
import { WatchedPlan, currentStepDailyDose, watchedPlan } from './plan-context';

/** Delayed checks are queued this far ahead; later doses wait for a later sweep (Redis memory). */
const CHECK_HORIZON_MS = 48 * HOUR_MS;
const BATCH = 1000;
/** Bounds one sweep's work; what is left is the next sweep's. */
const MAX_BATCHES = 100;
/** Rows one claim of the sweep takes at most (`npm run bench` times the claim with it). */
export const OVERDUE_BATCH = BATCH;

/**
 * The sweep's claim: marks up to $2 overdue doses ($1 = now) missed that no other worker holds,
 * through the partial index of pending doses. Exported for `npm run bench`, which times it.
 */
export const CLAIM_OVERDUE_SQL = `UPDATE doses SET status = 'missed', missed_at = $1, updated_at = now()
         WHERE id IN (
           SELECT id FROM doses
           WHERE status = 'scheduled' AND missed_after <= $1
           ORDER BY missed_after LIMIT $2
           FOR UPDATE SKIP LOCKED)
         RETURNING plan_id, missed_after`;

type DetectedBy = 'job' | 'sweep' | 'recording';

/**
 * The watcher. Postgres holds every dose's state; BullMQ's delayed job per dose is the alarm
 * clock, and the periodic sweep (SKIP LOCKED over a partial index of pending doses) is the net
 * that catches whatever a lost job, a flushed Redis or a killed worker left behind.
 */
@Injectable()
export class WatchService {
  private readonly logger = new Logger(WatchService.name);

  constructor(
    private readonly dataSource: DataSource,
    private readonly clock: Clock,
    private readonly alerts: AlertsService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @InjectQueue(QUEUES.doseChecks) private readonly queue: Queue<DoseCheckJob>,
  ) {}

  /** One sweep: arm new doses, queue their checks, then mark whatever is overdue. */
  async sweep(): Promise<{ armed: number; queued: number; missed: number }> {
    const armed = await this.armDoses();
    const queued = await this.queueChecks();
    const missed = await this.markOverdue();
    return { armed, queued, missed };
  }

  /** Gives new scheduled doses their missedAfter (dueAt + the plan's grace). */
  async armDoses(): Promise<number> {
    const plans: { plan_id: string }[] = await this.dataSource.query(
      `SELECT DISTINCT plan_id FROM doses WHERE status = 'scheduled' AND missed_after IS NULL LIMIT $1`,
      [BATCH],
    );
    let armed = 0;
    for (const { plan_id } of plans) {
      const plan = await this.loadPlan(this.dataSource.manager, plan_id);
      if (!plan) continue;
      const [, count] = (await this.dataSource.query(
        `UPDATE doses SET missed_after = due_at + make_interval(secs => $2), updated_at = now()
         WHERE plan_id = $1 AND status = 'scheduled' AND missed_after IS NULL`,
        [plan_id, plan.graceMinutes * 60],
      )) as [unknown, number];
      armed += count;
    }
    return armed;
  }

  /** Queues a delayed check at missedAfter for armed doses within the next 48 hours. */
  async queueChecks(): Promise<number> {
    let queued = 0;
    for (let batch = 0; batch < MAX_BATCHES; batch++) {
      // Read per batch: BullMQ counts a delay from when the job is added, so a `now` taken before
      // the loop would make every later batch fire later (a staircase the bench measured).
      const now = this.clock.now().getTime();
      const rows: { id: string; missed_after: Date }[] = await this.dataSource.query(
        `SELECT id, missed_after FROM doses
         WHERE status = 'scheduled' AND NOT check_queued AND missed_after < $1
         ORDER BY missed_after LIMIT $2`,
        [new Date(now + CHECK_HORIZON_MS), BATCH],
      );
      if (rows.length === 0) break;
      await this.queue.addBulk(
        rows.map((row) => ({
          name: JOB_NAMES.doseCheck,
          data: { doseId: row.id },
          opts: {
            jobId: jobIds.doseCheck(row.id),
            delay: Math.max(0, row.missed_after.getTime() - now),
          },
        })),
      );
      await this.dataSource.query(
        `UPDATE doses SET check_queued = true WHERE id = ANY($1::uuid[])`,
        [rows.map((r) => r.id)],
      );
      queued += rows.length;
      if (rows.length < BATCH) break;
    }
    return queued;
  }

  /**
   * The delayed job: marks the dose missed if it is still unrecorded and due, then judges its
   * plan. One guarded UPDATE, no lock or transaction: a recorded dose (the common case, as
   * recordings leave their job to fire) costs one statement that matches nothing.
   */
  async checkDose(doseId: string): Promise<'missed' | 'skipped'> {
    const now = this.clock.now();
    const [rows] = (await this.dataSource.query(
      `UPDATE doses SET status = 'missed', missed_at = $2, updated_at = now()
       WHERE id = $1 AND status = 'scheduled' AND missed_after <= $2
       RETURNING plan_id, missed_after`,
      [doseId, now],
    )) as [{ plan_id: string; missed_after: Date }[], number];
    // Recorded, cancelled or gone; or not yet due by this clock (the next sweep will see it).
    const [missed] = rows;
    if (!missed) return 'skipped';
    this.observeLateness('job', missed.missed_after, now);
    await this.evaluatePlan(missed.plan_id);
    return 'missed';
  }

  /** The sweep's net: claims overdue doses in batches no other worker holds. */
  async markOverdue(): Promise<number> {
    const now = this.clock.now();
    const plans = new Set<string>();
    let marked = 0;
    for (let batch = 0; batch < MAX_BATCHES; batch++) {
      const [rows] = (await this.dataSource.query(CLAIM_OVERDUE_SQL, [now, BATCH])) as [
        { plan_id: string; missed_after: Date }[],
        number,
      ];
      for (const row of rows) {
        plans.add(row.plan_id);
        this.observeLateness('sweep', row.missed_after, now);
      }
      marked += rows.length;
      if (rows.length < BATCH) break;
    }
    if (marked > 0) {
      sweepFindings.inc(marked);
      this.logger.warn(
        { doses: marked, plans: plans.size },
        'sweep marked doses missed that no job had',
      );
    }
    for (const planId of plans) await this.evaluatePlan(planId);
    return marked;
  }

  /**
   * Applies the missed-dose and abrupt-cessation rules to a plan's recent doses and raises what
   * they call for. Raising is idempotent (one live alert per plan and type), so two workers or a
   * job and the sweep judging the same plan open one alert.
   */
  async evaluatePlan(planId: string, detectedBy: DetectedBy = 'job'): Promise<void> {
    const plan = await this.loadPlan(this.dataSource.manager, planId);
    if (!plan || !plan.approvedAt) return;
    const now = this.clock.now();
    const lookbackHours = Math.max(24, plan.cessationRiskHours ?? 0);
    const doses = await this.dataSource
      .getRepository(DoseEntity)
      .createQueryBuilder('d')
      .where('d.plan_id = :planId AND d.due_at > :from AND d.due_at <= :now', {
        planId,
        from: new Date(now.getTime() - lookbackHours * HOUR_MS),
        now,
      })
      .getMany();
    const [last] = (await this.dataSource.query(
      `SELECT max(coalesce(administered_at, due_at)) AS at FROM doses WHERE plan_id = $1 AND status = 'given'`,
      [planId],
    )) as { at: Date | null }[];
    const decisions = evaluateDoseAlerts({
      now: now.getTime(),
      monitoringStartedAt: plan.approvedAt.getTime(),
      lastTakenAt: last?.at ? last.at.getTime() : null,
      stepDailyDoseMg: currentStepDailyDose(plan, now),
      doses: doses.map(toWatchedDose),
      cessationMissedFraction: plan.cessationMissedFraction,
      cessationRiskHours: plan.cessationRiskHours,
      graceMinutes: plan.graceMinutes,
    });
    for (const decision of decisions) {
      const { created } = await this.alerts.raise({
        tenantId: plan.tenantId,
        type: decision.type,
        severity: decision.severity,
        patientId: plan.patientId,
        planId: plan.id,
        unitId: plan.unitId,
        doseIds: decision.doseIds,
        message: `${plan.drugName}: ${decision.message}`,
      });
      if (created) {
        alertsRaised.inc({ type: decision.type });
        this.logger.log({ planId, type: decision.type, detectedBy }, 'alert raised');
      }
    }
  }

  private observeLateness(by: DetectedBy, missedAfter: Date, now: Date): void {
    doseDetectionLateness.observe(
      { detected_by: by },
      Math.max(0, now.getTime() - missedAfter.getTime()) / 1000,
    );
  }

  private async loadPlan(manager: EntityManager, planId: string): Promise<WatchedPlan | null> {
    const plan = await manager.findOneBy(PlanEntity, { id: planId });
    if (!plan || (plan.status !== 'active' && plan.status !== 'paused')) return null;
    const patient = await manager.findOneByOrFail(PatientEntity, { id: plan.patientId });
    return watchedPlan(plan, patient, this.config.DOSE_GRACE_MINUTES);
  }
}

function toWatchedDose(d: DoseEntity): WatchedDose {
  const recordedNotGiven = d.recordedOutcome === 'not_given';
  return {
    id: d.id,
    dueAt: d.dueAt.getTime(),
    doseMg: d.doseMg,
    status: recordedNotGiven ? 'not_given' : d.status,
    administeredAt: d.administeredAt?.getTime() ?? null,
    givenMg: d.givenMg,
  };
}
