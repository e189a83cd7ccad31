import { Processor } from '@nestjs/bullmq';
import { Inject } from '@nestjs/common';
import { AlertStreamLog } from '@taperwatch/alerts';
import { APP_CONFIG, AppConfig } from '@taperwatch/config';
import { IdempotencyStore } from '@taperwatch/http';
import { SymptomChecksService, TaperRequestsService } from '@taperwatch/plans';
import { JOB_NAMES, JobHandlers, QUEUES } from '@taperwatch/queues';
import { WORKER_OPTIONS, JobProcessor } from '../job-processor';

/**
 * Postgres is the truth and Redis the alarm clock: this periodic sweep re-queues any taper
 * request still waiting after a sweep interval, so a lost or failed job delays a plan, never
 * loses it; and it raises the alerts symptom checks still owe (one whose raise failed).
 * It also deletes alert stream events past their retention (a reconnecting board's resume).
 * Its other job deletes expired Idempotency-Key answers, which may hold patient data.
 */
@Processor(QUEUES.maintenance, WORKER_OPTIONS)
export class MaintenanceProcessor extends JobProcessor<typeof QUEUES.maintenance> {
  protected readonly queue = QUEUES.maintenance;
  protected readonly handlers: JobHandlers<typeof QUEUES.maintenance> = {
    [JOB_NAMES.requeueStaleRequests]: () => this.sweep(),
    [JOB_NAMES.purgeIdempotencyKeys]: async () => ({
      purged: await this.idempotencyKeys.purgeExpired(),
    }),
  };

  constructor(
    private readonly requests: TaperRequestsService,
    private readonly symptomChecks: SymptomChecksService,
    private readonly idempotencyKeys: IdempotencyStore,
    private readonly streamLog: AlertStreamLog,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {
    super();
  }

  private async sweep() {
    const requeued = await this.requests.requeueStale(this.config.MAINTENANCE_SWEEP_MS);
    if (requeued > 0) this.logger.warn({ requeued }, 'sweep re-queued taper requests');
    const symptomAlerts = await this.symptomChecks.raisePendingAlerts();
    const purgedStreamEvents = await this.streamLog.purge();
    return { requeued, symptomAlerts, purgedStreamEvents };
  }
}
