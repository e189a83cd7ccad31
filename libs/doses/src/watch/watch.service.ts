import { InjectQueue } from '@nestjs/bullmq';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { AlertsService } from '@taperwatch/alerts';
import { Clock, OneAtATime } from '@taperwatch/common';
import { APP_CONFIG, AppConfig } from '@taperwatch/config';
import { HOUR_MS, WatchedDose, evaluateDoseAlerts, toEquivalentMg } from '@taperwatch/domain';
import { alertsRaised, doseDetectionLateness, sweepFindings } from '@taperwatch/observability';
import { JOB_NAMES, JobQueue, QUEUES, addJobs, jobIds } from '@taperwatch/queues';
import { type AlertType, numberOrNull } from '@taperwatch/persistence';
import {
  WatchedPlan,
  currentStepDailyDose,
  drugName,
  planDrugCodes,
  planGraceMinutes,
  watchedDrugs,
  watchedPlan,
} from './plan-context';
import { OVERDUE_BATCH, WatchRepository } from './watch.repository';
import { WatchedDoseRow } from './watch.sql';

/**
 * Delayed checks are queued this far ahead; later doses wait for a later sweep. Redis then holds
 * about one check per plan and drug (doses are rarely closer than 4 h), not two days of each.
 */
export const CHECK_HORIZON_MS = 4 * HOUR_MS;
const BATCH = 1000;
/**
 * Unarmed doses read per arming page; their plans (up to this many, fewer when a plan has
 * several doses in the page) are armed whole, in one transaction.
 */
const ARM_PAGE = 500;
/** Bounds one sweep's work; what is left is the next sweep's. */
const MAX_BATCHES = 100;
/** The claim's batches are smaller (decision 0045); a sweep still marks up to 100,000 doses. */
const MAX_OVERDUE_BATCHES = Math.ceil((MAX_BATCHES * BATCH) / OVERDUE_BATCH);
type DetectedBy = 'job' | 'sweep' | 'recording';

/** What one sweep did: doses armed, checks queued, doses marked missed, plans judged. */
export interface WatchSweep {
  armed: number;
  queued: number;
  missed: number;
  judged: number;
}

/**
 * The watcher. Postgres holds every dose's state; BullMQ's delayed job per dose is the alarm
 * clock, and the periodic sweep (SKIP LOCKED over a partial index of pending doses) is the net
 * that catches whatever a lost job, a flushed Redis or a killed worker left behind.
 */
@Injectable()
export class WatchService {
  private readonly logger = new Logger(WatchService.name);

  constructor(
    private readonly repository: WatchRepository,
    private readonly clock: Clock,
    private readonly alerts: AlertsService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @InjectQueue(QUEUES.doseChecks) private readonly queue: JobQueue<typeof QUEUES.doseChecks>,
  ) {}

  /**
   * A sweep in this process at a time: a sweep job (or its retry) arriving while one runs would
   * compete for the same rows, each slower, and the next tick's would pile on (seen at 50,000
   * plans); it waits and shares the one sweep that starts after.
   */
  private readonly sweeps = new OneAtATime(() => this.sweepOnce());

  /**
   * One sweep: arm new doses, queue their checks, mark whatever is overdue, then judge every plan
   * whose judgement is owed (those just marked, and any a crash or error left behind).
   */
  sweep(): Promise<WatchSweep> {
    return this.sweeps.run();
  }

  private async sweepOnce(): Promise<WatchSweep> {
    const armed = await this.armDoses();
    const queued = await this.queueChecks();
    const missed = await this.markOverdue();
    const judged = await this.judgePending();
    return { armed, queued, missed, judged };
  }

  /**
   * Gives new scheduled doses their missedAfter: dueAt + the plan's grace, or never for an
   * outpatient's (an unrecorded dose at home is not a miss by itself). A page at a time: the
   * plans of the soonest-due unarmed doses, their plans in force read at once, every unarmed dose
   * of those plans armed in one transaction (decision 0044).
   */
  async armDoses(): Promise<number> {
    let armed = 0;
    let after: { dueAt: Date; id: string } | undefined;
    for (let batch = 0; batch < MAX_BATCHES; batch++) {
      const doses = await this.repository.unarmedDoses(after, ARM_PAGE);
      if (doses.length === 0) break;
      const planIds = [...new Set(doses.map((d) => d.plan_id))];
      const plans = await this.repository.plansToArm(planIds);
      armed += await this.repository.armPlans(
        plans.map((row) => ({
          planId: row.armed_plan_id,
          patientId: row.patient_id,
          graceSeconds:
            planGraceMinutes(
              { drugCode: row.drug_code, dosesPerDay: row.doses_per_day },
              this.config.DOSE_GRACE_MINUTES,
            ) * 60,
        })),
      );
      if (doses.length < ARM_PAGE) break;
      const last = doses[doses.length - 1]!;
      after = { dueAt: last.due_at, id: last.id };
    }
    return armed;
  }

  /** Queues a delayed check at missedAfter for armed doses within CHECK_HORIZON_MS. */
  async queueChecks(): Promise<number> {
    let queued = 0;
    for (let batch = 0; batch < MAX_BATCHES; batch++) {
      // Read per batch: BullMQ counts a delay from when the job is added, so a `now` taken before
      // the loop would make every later batch fire later (a staircase the bench measured).
      const now = this.clock.now().getTime();
      const rows = await this.repository.dosesToQueue(new Date(now + CHECK_HORIZON_MS), BATCH);
      if (rows.length === 0) break;
      await addJobs(
        this.queue,
        rows.map((row) => ({
          name: JOB_NAMES.doseCheck,
          data: { doseId: row.id },
          opts: {
            jobId: jobIds.doseCheck(row.id),
            delay: Math.max(0, row.missed_after.getTime() - now),
          },
        })),
      );
      await this.repository.markChecksQueued(rows.map((r) => r.id));
      queued += rows.length;
      if (rows.length < BATCH) break;
    }
    return queued;
  }

  /**
   * The delayed job: marks the dose missed if it is still unrecorded and due, then judges its
   * plan. One guarded UPDATE, no lock or transaction: a recorded dose (the common case, as
   * recordings leave their job to fire) costs one statement that matches nothing. The mark
   * carries the duty to judge (judge_pending) in the same row, so a crash or error before the
   * judgement leaves the sweep something to do.
   */
  async checkDose(doseId: string): Promise<'missed' | 'skipped'> {
    const now = this.clock.now();
    const missed = await this.repository.markMissed(doseId, now);
    // Recorded, cancelled or gone; or not yet due by this clock (the next sweep will see it).
    if (!missed) return 'skipped';
    this.observeLateness('job', missed.missed_after, now);
    await this.judge(missed.plan_id, [doseId], 'job');
    return 'missed';
  }

  /**
   * Judges a plan for doses that owe it a judgement, then settles their duty. A failure leaves
   * the duty set (the sweep judges it again); judging twice raises nothing twice.
   */
  async judge(planId: string, doseIds: readonly string[], detectedBy: DetectedBy): Promise<void> {
    await this.evaluatePlan(planId, detectedBy);
    await this.repository.settleJudgements(doseIds);
  }

  /**
   * The sweep's judgement of every plan that is owed one. A plan that fails is logged and left
   * owed for the next sweep; the others are judged all the same.
   */
  async judgePending(): Promise<number> {
    let after = '00000000-0000-0000-0000-000000000000';
    let judged = 0;
    for (let batch = 0; batch < MAX_BATCHES; batch++) {
      const rows = await this.repository.pendingJudgements(after, BATCH);
      for (const row of rows) {
        try {
          await this.judge(row.plan_id, row.dose_ids, 'sweep');
          judged++;
        } catch (error) {
          this.logger.warn(
            { planId: row.plan_id, err: { message: (error as Error).message } },
            'judging a plan failed; the next sweep tries again',
          );
        }
      }
      if (rows.length < BATCH) break;
      after = rows[rows.length - 1]!.plan_id;
    }
    return judged;
  }

  /**
   * The sweep's net: claims overdue doses in batches no other worker holds. Each is marked with
   * its duty to judge; judgePending judges them.
   */
  async markOverdue(): Promise<number> {
    const now = this.clock.now();
    const plans = new Set<string>();
    let marked = 0;
    for (let batch = 0; batch < MAX_OVERDUE_BATCHES; batch++) {
      const { rows, full } = await this.repository.claimOverdue(now);
      for (const row of rows) {
        plans.add(row.plan_id);
        this.observeLateness('sweep', row.missed_after, now);
      }
      marked += rows.length;
      if (!full) break;
    }
    if (marked > 0) {
      sweepFindings.inc(marked);
      this.logger.warn(
        { doses: marked, plans: plans.size },
        'sweep marked doses missed that no job had',
      );
    }
    return marked;
  }

  /**
   * Applies the missed-dose and abrupt-cessation rules to a plan's recent doses and raises what
   * they call for. Raising is idempotent (one live alert per plan and type), so two workers or a
   * job and the sweep judging the same plan open one alert.
   */
  async evaluatePlan(planId: string, detectedBy: DetectedBy = 'job'): Promise<void> {
    const context = await this.loadPlan(planId);
    if (!context) return;
    const { plan, lastTakenAt, liveAlertTypes, firstApprovedAt, outpatient } = context;
    if (!plan.approvedAt) return;
    const now = this.clock.now();
    const { drugs, fractionWindowHours } = watchedDrugs(
      plan,
      now,
      this.config.CESSATION_HALF_LIVES,
      lastTakenAt,
    );
    const lookbackHours = Math.max(
      fractionWindowHours,
      ...drugs.map((d) => d.cessationRiskHours ?? 0),
    );
    const codes = planDrugCodes(plan);
    const doses = await this.repository.recentDoses(
      plan,
      codes,
      new Date(now.getTime() - lookbackHours * HOUR_MS),
      now,
    );
    const unit = plan.equivalentDrugCode ?? plan.drugCode;
    const decisions = evaluateDoseAlerts({
      now: now.getTime(),
      monitoringStartedAt: (firstApprovedAt ?? plan.approvedAt).getTime(),
      stepDailyDoseMg: currentStepDailyDose(plan, now),
      doses: doses.map((d) => toWatchedDose(d, unit, outpatient)),
      drugs,
      fractionWindowHours,
      drugNames: Object.fromEntries(codes.map((c) => [c, drugName(c)])),
      ...(unit === plan.drugCode
        ? {}
        : { doseUnitLabel: `${drugName(unit).toLowerCase()}-equivalent` }),
      cessationMissedFraction: plan.cessationMissedFraction,
      graceMinutes: plan.graceMinutes,
    });
    // Different types are different alerts: raised side by side.
    await Promise.all(
      decisions.map(async (decision) => {
        const { created } = await this.alerts.raise(
          {
            tenantId: plan.tenantId,
            type: decision.type,
            severity: decision.severity,
            patientId: plan.patientId,
            planId: plan.id,
            unitId: plan.unitId,
            doseIds: decision.doseIds,
            // The domain names the drugs actually missed (both, in a switch).
            message: decision.message,
          },
          { live: liveAlertTypes.includes(decision.type) },
        );
        if (created) {
          alertsRaised.inc({ type: decision.type });
          this.logger.log({ planId, type: decision.type, detectedBy }, 'alert raised');
        }
      }),
    );
  }

  private observeLateness(by: DetectedBy, missedAfter: Date, now: Date): void {
    doseDetectionLateness.observe(
      { detected_by: by },
      Math.max(0, now.getTime() - missedAfter.getTime()) / 1000,
    );
  }

  /**
   * The plan if it is in force, when its last dose was taken and which of its alerts are live:
   * one round trip.
   */
  private async loadPlan(planId: string): Promise<{
    plan: WatchedPlan;
    /** The patient is an outpatient now: none of their unrecorded doses is a miss. */
    outpatient: boolean;
    firstApprovedAt: Date | null;
    lastTakenAt: Record<string, Date>;
    liveAlertTypes: AlertType[];
  } | null> {
    const row = await this.repository.planInForce(planId);
    if (!row) return null;
    const plan = watchedPlan(
      {
        id: row.id,
        tenantId: row.tenant_id,
        patientId: row.patient_id,
        drugCode: row.drug_code,
        equivalentDrugCode: row.equivalent_drug_code,
        steps: row.steps,
        startDailyDoseMg: Number(row.start_daily_dose_mg),
        approvedAt: row.approved_at,
        dosesPerDay: row.doses_per_day,
      },
      { unitId: row.unit_id, timezone: row.timezone },
      this.config.DOSE_GRACE_MINUTES,
    );
    return {
      plan,
      outpatient: row.monitoring === 'outpatient',
      firstApprovedAt: row.first_approved_at ?? null,
      lastTakenAt: Object.fromEntries(
        Object.entries(row.last_taken ?? {}).map(([code, at]) => [code, new Date(at)]),
      ),
      liveAlertTypes: row.live_alert_types ?? [],
    };
  }
}

/**
 * A dose row for the rules, its equivalent in the unit of the plan judged (`unit`): the row's own
 * when its plan counts in that unit, else converted through the catalogue (null if unknown).
 * Report-only: every dose of an outpatient, and a dose armed while the patient was one.
 */
function toWatchedDose(d: WatchedDoseRow, unit: string, outpatient: boolean): WatchedDose {
  const doseMg = Number(d.dose_mg);
  return {
    id: d.id,
    dueAt: d.due_at.getTime(),
    doseMg,
    drugCode: d.drug_code,
    equivalentMg:
      d.unit_drug_code === unit
        ? Number(d.equivalent_mg)
        : toEquivalentMg(d.drug_code, doseMg, unit),
    status: d.recorded_outcome === 'not_given' ? 'not_given' : d.status,
    administeredAt: d.administered_at?.getTime() ?? null,
    givenMg: numberOrNull(d.given_mg),
    ...(outpatient || d.report_only === true ? { reportOnly: true } : {}),
  };
}
