import { InjectQueue } from '@nestjs/bullmq';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { Queue } from 'bullmq';
import { DataSource } from 'typeorm';
import { AlertsService } from '@taperwatch/alerts';
import { Clock } from '@taperwatch/common';
import { APP_CONFIG, AppConfig } from '@taperwatch/config';
import { HOUR_MS, WatchedDose, evaluateDoseAlerts, toEquivalentMg } from '@taperwatch/domain';
import { alertsRaised, doseDetectionLateness, sweepFindings } from '@taperwatch/observability';
import { DoseCheckJob, JOB_NAMES, QUEUES, jobIds } from '@taperwatch/queues';
import { DoseRow } from '@taperwatch/plans';
import {
  type AlertType,
  type MonitoringMode,
  numberOrNull,
  preparedQuery,
} from '@taperwatch/persistence';
import {
  WatchedPlan,
  currentStepDailyDose,
  drugName,
  planDrugCodes,
  watchedDrugs,
  watchedPlan,
} from './plan-context';

/** Delayed checks are queued this far ahead; later doses wait for a later sweep (Redis memory). */
const CHECK_HORIZON_MS = 48 * HOUR_MS;
const BATCH = 1000;
/** Bounds one sweep's work; what is left is the next sweep's. */
const MAX_BATCHES = 100;
/** Rows one claim of the sweep takes at most (`npm run bench` times the claim with it). */
export const OVERDUE_BATCH = BATCH;

/**
 * The sweep's claim: marks up to $2 overdue doses ($1 = now) missed that no other worker holds,
 * through the partial index of pending doses, each with the duty to judge its plan
 * (judge_pending), so no crash between the mark and the judgement loses the alert. Exported for
 * `npm run bench`, which times it.
 */
export const CLAIM_OVERDUE_SQL = `UPDATE doses SET status = 'missed', missed_at = $1, judge_pending = true,
                         updated_at = now()
         WHERE id IN (
           SELECT id FROM doses
           WHERE status = 'scheduled' AND missed_after <= $1
           ORDER BY missed_after LIMIT $2
           FOR UPDATE SKIP LOCKED)
         RETURNING plan_id, missed_after`;

/**
 * The plans with doses whose judgement is still owed (after plan $1, $2 at most, by plan id so a
 * sweep pages through them all), each with those doses: through the partial index of pending
 * judgements, which is empty but for a judgement under way or one a crash or error cut short.
 */
const PENDING_JUDGEMENTS_SQL = `
SELECT plan_id, array_agg(id) AS dose_ids FROM doses
WHERE judge_pending AND plan_id > $1
GROUP BY plan_id ORDER BY plan_id LIMIT $2`;

/**
 * Settles the judgement of doses $1: a judgement that started after each was written has seen
 * it. updated_at is left alone: it says when the dose was recorded (the outpatients' watch reads
 * it as the last report).
 */
const JUDGED_SQL = `UPDATE doses SET judge_pending = false WHERE id = ANY($1::uuid[]) AND judge_pending`;

type DetectedBy = 'job' | 'sweep' | 'recording';

/**
 * An outpatient's dose is armed with this missedAfter: it leaves the unarmed index, and no
 * delayed check, sweep claim or per-dose statement ever reaches it (each compares missed_after
 * with a finite time), so outpatients cost the watcher's hot paths nothing (decision 0013).
 */
export const NEVER_MISSED = `'infinity'::timestamptz`;

/**
 * The plan in force of plan $1's course (itself, or the version that superseded it: a dose of
 * an old version missed after a revision is judged, and alerted, under the version in force),
 * with its patient's unit and zone, and any `extra` columns.
 */
const planSql = (extra = '') => `
SELECT p.id, p.tenant_id, p.patient_id, p.drug_code, p.equivalent_drug_code, p.steps,
       p.start_daily_dose_mg, p.approved_at, p.doses_per_day, pt.unit_id, pt.timezone,
       pt.monitoring${extra}
FROM plans p JOIN patients pt ON pt.id = p.patient_id
WHERE p.request_id = (SELECT q.request_id FROM plans q WHERE q.id = $1)
  AND p.status IN ('active', 'paused')
LIMIT 1`;
/** Raw SQL, not entities: it runs for every missed dose. */
const PLAN_SQL = planSql();

/**
 * PLAN_SQL, plus when the course was first approved (monitoring starts there: a revision gives no
 * fresh grace), when each of its drugs was last taken by the patient under any plan version (the
 * hours rule's clock), and the types of the plan's live alerts (a raise then knows whether it
 * adds to one or opens one). The patient's plans (`c`, any version or course) come through
 * plans_tenant_patient_idx; per plan and drug, the last given doses by a backward scan of the
 * (plan_id, due_at, drug_code) key that stops at the 8th (the latest taken is among them unless
 * a dose was recorded given after 8 later ones). No index on doses by patient: every recording
 * would pay for one (decision 0008).
 */
const PLAN_TO_JUDGE_SQL = planSql(`,
       (SELECT min(v.approved_at) FROM plans v WHERE v.request_id = p.request_id) AS first_approved_at,
       (SELECT coalesce(jsonb_object_agg(t.code, t.at), '{}'::jsonb) FROM (
          SELECT k.code, max(g.at) AS at
          FROM plans c
          CROSS JOIN unnest(ARRAY[p.drug_code, p.equivalent_drug_code]) AS k(code)
          CROSS JOIN LATERAL (
            SELECT coalesce(d.administered_at, d.due_at) AS at FROM doses d
            WHERE d.plan_id = c.id AND d.drug_code = k.code AND d.status = 'given'
            ORDER BY d.due_at DESC LIMIT 8) g
          WHERE c.tenant_id = p.tenant_id AND c.patient_id = p.patient_id AND k.code IS NOT NULL
            AND (c.drug_code IN (p.drug_code, p.equivalent_drug_code)
                 OR c.equivalent_drug_code IN (p.drug_code, p.equivalent_drug_code))
          GROUP BY k.code) t) AS last_taken,
       ARRAY(SELECT a.type FROM alerts a
             WHERE a.plan_id = p.id AND a.status <> 'resolved') AS live_alert_types`);

interface PlanRow {
  id: string;
  tenant_id: string;
  patient_id: string;
  drug_code: string;
  equivalent_drug_code: string | null;
  steps: unknown[];
  start_daily_dose_mg: string;
  approved_at: Date | null;
  doses_per_day: number;
  unit_id: string;
  timezone: string;
  monitoring: MonitoringMode;
  first_approved_at?: Date | null;
  /** Drug code to an ISO instant. */
  last_taken?: Record<string, string>;
  live_alert_types?: AlertType[];
}

/**
 * The patient's ($1 tenant, $2 patient) doses of the drugs $3 under any plan version due in
 * ($4, $5], and later ones already recorded (a refusal written before its dose is due counts at
 * once): what the rules judge. A revision or hold starts a new plan, not a new window.
 * `report_only`: armed as an outpatient's (never missed), so only a report settles it.
 */
const RECENT_DOSES_SQL = `
SELECT d.id, d.drug_code, d.due_at, d.dose_mg, d.equivalent_mg,
       coalesce(c.equivalent_drug_code, c.drug_code) AS unit_drug_code,
       d.status, d.recorded_outcome, d.administered_at, d.given_mg,
       d.missed_after = ${NEVER_MISSED} AS report_only
FROM plans c JOIN doses d ON d.plan_id = c.id
WHERE c.tenant_id = $1 AND c.patient_id = $2
  AND (c.drug_code = ANY($3::text[]) OR c.equivalent_drug_code = ANY($3::text[]))
  AND d.drug_code = ANY($3::text[]) AND d.due_at > $4
  AND (d.due_at <= $5 OR d.recorded_outcome IS NOT NULL)`;

type WatchedDoseRow = Pick<
  DoseRow,
  'id' | 'due_at' | 'dose_mg' | 'status' | 'recorded_outcome' | 'administered_at' | 'given_mg'
> & {
  drug_code: string;
  equivalent_mg: string;
  unit_drug_code: string;
  report_only: boolean | null;
};

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

  /**
   * One sweep: arm new doses, queue their checks, mark whatever is overdue, then judge every plan
   * whose judgement is owed (those just marked, and any a crash or error left behind).
   */
  async sweep(): Promise<{ armed: number; queued: number; missed: number; judged: number }> {
    const armed = await this.armDoses();
    const queued = await this.queueChecks();
    const missed = await this.markOverdue();
    const judged = await this.judgePending();
    return { armed, queued, missed, judged };
  }

  /**
   * Gives new scheduled doses their missedAfter: dueAt + the plan's grace, or never for an
   * outpatient's (an unrecorded dose at home is not a miss by itself).
   */
  async armDoses(): Promise<number> {
    const plans: { plan_id: string }[] = await this.dataSource.query(
      `SELECT DISTINCT plan_id FROM doses WHERE status = 'scheduled' AND missed_after IS NULL LIMIT $1`,
      [BATCH],
    );
    let armed = 0;
    for (const { plan_id } of plans) {
      const context = await this.loadPlan(plan_id);
      if (!context) continue;
      armed += await this.dataSource.transaction(async (manager) => {
        // The mode is read under a share lock on the patient: a switch of mode (which updates
        // the patient, then re-arms its pending doses) waits for this arming or is seen by it,
        // so no dose is armed under a mode that no longer holds.
        const [patient] = (await manager.query(
          `SELECT monitoring FROM patients WHERE id = $1 FOR SHARE`,
          [context.plan.patientId],
        )) as { monitoring: MonitoringMode }[];
        const [, count] = (await manager.query(
          `UPDATE doses SET missed_after = CASE WHEN $3 THEN ${NEVER_MISSED}
                                                ELSE due_at + make_interval(secs => $2) END,
                            updated_at = now()
           WHERE plan_id = $1 AND status = 'scheduled' AND missed_after IS NULL`,
          [plan_id, context.plan.graceMinutes * 60, patient?.monitoring === 'outpatient'],
        )) as [unknown, number];
        return count;
      });
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
   * recordings leave their job to fire) costs one statement that matches nothing. The mark
   * carries the duty to judge (judge_pending) in the same row, so a crash or error before the
   * judgement leaves the sweep something to do.
   */
  async checkDose(doseId: string): Promise<'missed' | 'skipped'> {
    const now = this.clock.now();
    const [missed] = await preparedQuery<{ plan_id: string; missed_after: Date }>(
      this.dataSource.manager,
      'check-dose',
      `UPDATE doses SET status = 'missed', missed_at = $2, judge_pending = true, updated_at = now()
       WHERE id = $1 AND status = 'scheduled' AND missed_after <= $2
       RETURNING plan_id, missed_after`,
      [doseId, now],
    );
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
    await preparedQuery(this.dataSource.manager, 'doses-judged', JUDGED_SQL, [doseIds]);
  }

  /**
   * The sweep's judgement of every plan that is owed one. A plan that fails is logged and left
   * owed for the next sweep; the others are judged all the same.
   */
  async judgePending(): Promise<number> {
    let after = '00000000-0000-0000-0000-000000000000';
    let judged = 0;
    for (let batch = 0; batch < MAX_BATCHES; batch++) {
      const rows = await preparedQuery<{ plan_id: string; dose_ids: string[] }>(
        this.dataSource.manager,
        'pending-judgements',
        PENDING_JUDGEMENTS_SQL,
        [after, BATCH],
      );
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
    return marked;
  }

  /**
   * Applies the missed-dose and abrupt-cessation rules to a plan's recent doses and raises what
   * they call for. Raising is idempotent (one live alert per plan and type), so two workers or a
   * job and the sweep judging the same plan open one alert.
   */
  async evaluatePlan(planId: string, detectedBy: DetectedBy = 'job'): Promise<void> {
    const context = await this.loadPlan(planId, true);
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
    const doses = await preparedQuery<WatchedDoseRow>(
      this.dataSource.manager,
      'recent-doses-of-drugs',
      RECENT_DOSES_SQL,
      [
        plan.tenantId,
        plan.patientId,
        codes,
        new Date(now.getTime() - lookbackHours * HOUR_MS),
        now,
      ],
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
   * The plan if it is in force, and (when judging) when its last dose was taken and which of
   * its alerts are live: one round trip.
   */
  private async loadPlan(
    planId: string,
    toJudge = false,
  ): Promise<{
    plan: WatchedPlan;
    /** The patient is an outpatient now: none of their unrecorded doses is a miss. */
    outpatient: boolean;
    firstApprovedAt: Date | null;
    lastTakenAt: Record<string, Date>;
    liveAlertTypes: AlertType[];
  } | null> {
    const [row] = await preparedQuery<PlanRow>(
      this.dataSource.manager,
      toJudge ? 'plan-to-judge' : 'watched-plan',
      toJudge ? PLAN_TO_JUDGE_SQL : PLAN_SQL,
      [planId],
    );
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
