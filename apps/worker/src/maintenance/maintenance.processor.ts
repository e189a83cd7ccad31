import { Processor, WorkerHost } from '@nestjs/bullmq';
import { Inject, Logger } from '@nestjs/common';
import { Job } from 'bullmq';
import { AlertStreamLog } from '@taperwatch/alerts';
import { APP_CONFIG, AppConfig } from '@taperwatch/config';
import { IdempotencyStore } from '@taperwatch/http';
import { SymptomChecksService, TaperRequestsService } from '@taperwatch/plans';
import { JOB_NAMES, QUEUES } from '@taperwatch/queues';
import { runJob } from '../job-context';

/**
 * Postgres is the truth and Redis the alarm clock: this periodic sweep re-queues any taper
 * request still waiting after a sweep interval, so a lost or failed job delays a plan, never
 * loses it; and it raises the alerts symptom checks still owe (one whose raise failed).
 * It also deletes alert stream events past their retention (a reconnecting board's resume).
 * Its other job deletes expired Idempotency-Key answers, which may hold patient data.
 */
@Processor(QUEUES.maintenance, { autorun: false })
export class MaintenanceProcessor extends WorkerHost {
  private readonly logger = new Logger(MaintenanceProcessor.name);

  constructor(
    private readonly requests: TaperRequestsService,
    private readonly symptomChecks: SymptomChecksService,
    private readonly idempotencyKeys: IdempotencyStore,
    private readonly streamLog: AlertStreamLog,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {
    super();
  }

  process(job: Job) {
    return runJob(this.logger, job, async () => {
      if (job.name === JOB_NAMES.purgeIdempotencyKeys) {
        return { purged: await this.idempotencyKeys.purgeExpired() };
      }
      const requeued = await this.requests.requeueStale(this.config.MAINTENANCE_SWEEP_MS);
      if (requeued > 0) this.logger.warn({ requeued }, 'sweep re-queued taper requests');
      const symptomAlerts = await this.symptomChecks.raisePendingAlerts();
      const purgedStreamEvents = await this.streamLog.purge();
      return { requeued, symptomAlerts, purgedStreamEvents };
    });
  }
}
