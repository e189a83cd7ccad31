import { Inject, Injectable, Logger } from '@nestjs/common';
import { AlertsService } from '@taperwatch/alerts';
import { Clock } from '@taperwatch/common';
import { APP_CONFIG, AppConfig } from '@taperwatch/config';
import { HOUR_MS, noContactAlert } from '@taperwatch/domain';
import { alertsRaised } from '@taperwatch/observability';
import { drugName } from './plan-context';
import { WatchRepository } from './watch.repository';
import { WatchService } from './watch.service';
import { OutpatientPlanRow } from './watch.sql';

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
    private readonly repository: WatchRepository,
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
      const rows = await this.repository.outpatientPlans(
        now,
        new Date(now.getTime() - hours * HOUR_MS - REPORT_LOOKBACK_MS),
        after,
        BATCH,
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
