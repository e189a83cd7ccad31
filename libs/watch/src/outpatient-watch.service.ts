import { Inject, Injectable, Logger } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { AlertsService } from '@taperwatch/alerts';
import { Clock } from '@taperwatch/common';
import { APP_CONFIG, AppConfig } from '@taperwatch/config';
import { HOUR_MS, noContactAlert } from '@taperwatch/domain';
import { alertsRaised } from '@taperwatch/observability';
import { preparedQuery } from '@taperwatch/persistence';
import { drugName } from './plan-context';
import { WatchService } from './watch.service';

const BATCH = 500;
/** Bounds one sweep's work; what is left waits for the next sweep. */
const MAX_BATCHES = 100;
/**
 * A report counts as contact when its dose was due at most this long before the silence
 * threshold: the patient's page reports today's doses, so older reports are rare, and the bound
 * keeps the read to the patient's recent doses.
 */
const REPORT_LOOKBACK_MS = 7 * 24 * HOUR_MS;

/**
 * Outpatients' plans in force after plan $3 (by id, $4 at most), each with what the silence
 * rule needs: the course's first approval; the patient's last report ($2: of doses due since
 * then), any plan, any course, by a patient or staff (a recorded dose's updated_at: a recording
 * writes it with the clock, and nothing writes a recorded dose again); and the course's doses due
 * by $1 since the silence began and still unrecorded (the first, and how many). Plans in force
 * come through their partial index, the patient's plans through plans_tenant_patient_idx, doses
 * through the (plan_id, due_at, drug_code) key.
 */
const OUTPATIENT_PLANS_SQL = `
SELECT p.id, p.tenant_id, p.patient_id, p.drug_code, pt.unit_id, f.first_approved_at,
       r.last_report_at, u.first_id, u.first_due_at, u.unreported
FROM plans p
JOIN patients pt ON pt.id = p.patient_id
CROSS JOIN LATERAL (
  SELECT min(v.approved_at) AS first_approved_at FROM plans v WHERE v.request_id = p.request_id) f
CROSS JOIN LATERAL (
  SELECT max(d.updated_at) AS last_report_at
  FROM plans c JOIN doses d ON d.plan_id = c.id
  WHERE c.tenant_id = p.tenant_id AND c.patient_id = p.patient_id
    AND d.due_at > $2 AND d.recorded_outcome IS NOT NULL) r
CROSS JOIN LATERAL (
  SELECT (array_agg(d.id ORDER BY d.due_at))[1] AS first_id, min(d.due_at) AS first_due_at,
         count(*)::int AS unreported
  FROM plans v JOIN doses d ON d.plan_id = v.id
  WHERE v.request_id = p.request_id
    AND d.due_at > greatest(r.last_report_at, f.first_approved_at) AND d.due_at <= $1
    AND d.status = 'scheduled' AND d.recorded_outcome IS NULL) u
WHERE p.status IN ('active', 'paused') AND p.approved_at IS NOT NULL
  AND pt.monitoring = 'outpatient' AND p.id > $3
ORDER BY p.id
LIMIT $4`;

interface OutpatientPlanRow {
  id: string;
  tenant_id: string;
  patient_id: string;
  drug_code: string;
  unit_id: string;
  first_approved_at: Date;
  last_report_at: Date | null;
  first_id: string | null;
  first_due_at: Date | null;
  unreported: number;
}

/**
 * The outpatients' watch. Their doses are never marked missed (decision 0013), so nothing
 * per dose wakes the watcher: a periodic sweep judges each outpatient's plan in force — silence
 * (no_contact) and the cessation rules, whose hours since the last taken dose count from the
 * last dose reported taken. It claims nothing: every raise is idempotent (one live alert per plan
 * and type, a repeated finding folds into it), so two workers sweeping at once raise one alert.
 */
@Injectable()
export class OutpatientWatchService {
  private readonly logger = new Logger(OutpatientWatchService.name);

  constructor(
    private readonly dataSource: DataSource,
    private readonly clock: Clock,
    private readonly alerts: AlertsService,
    private readonly watch: WatchService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async sweep(): Promise<{ plans: number; noContact: number }> {
    let after = '00000000-0000-0000-0000-000000000000';
    let plans = 0;
    let noContact = 0;
    for (let batch = 0; batch < MAX_BATCHES; batch++) {
      const now = this.clock.now();
      const hours = this.config.NO_CONTACT_HOURS;
      const rows = await preparedQuery<OutpatientPlanRow>(
        this.dataSource.manager,
        'outpatient-plans',
        OUTPATIENT_PLANS_SQL,
        [now, new Date(now.getTime() - hours * HOUR_MS - REPORT_LOOKBACK_MS), after, BATCH],
      );
      for (const row of rows) {
        if (await this.judgeSilence(row, now)) noContact++;
        // The hours rule has no miss to wake it for an outpatient: judged here.
        await this.watch.evaluatePlan(row.id, 'sweep');
      }
      plans += rows.length;
      if (rows.length < BATCH) break;
      after = rows[rows.length - 1]!.id;
    }
    return { plans, noContact };
  }

  /** Raises no_contact when the patient has been silent too long; true when it did. */
  private async judgeSilence(row: OutpatientPlanRow, now: Date): Promise<boolean> {
    const alert = noContactAlert({
      now: now.getTime(),
      noContactHours: this.config.NO_CONTACT_HOURS,
      lastReportAt: row.last_report_at?.getTime() ?? null,
      monitoringStartedAt: row.first_approved_at.getTime(),
      firstUnreported:
        row.first_id && row.first_due_at
          ? { id: row.first_id, dueAt: row.first_due_at.getTime() }
          : null,
      unreportedCount: row.unreported,
      drugName: drugName(row.drug_code),
    });
    if (!alert) return false;
    // Not standalone: a sweep repeats its finding, which must not re-open an acknowledgement.
    const { created } = await this.alerts.raise({
      tenantId: row.tenant_id,
      type: alert.type,
      severity: alert.severity,
      patientId: row.patient_id,
      planId: row.id,
      unitId: row.unit_id,
      doseIds: alert.doseIds,
      message: alert.message,
    });
    if (created) {
      alertsRaised.inc({ type: alert.type });
      this.logger.log({ planId: row.id, type: alert.type, detectedBy: 'sweep' }, 'alert raised');
    }
    return true;
  }
}
