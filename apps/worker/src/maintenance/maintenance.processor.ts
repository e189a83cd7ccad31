import { Processor, WorkerHost } from '@nestjs/bullmq';
import { Logger } from '@nestjs/common';
import { Job } from 'bullmq';
import { AlertStreamLog } from '@taperwatch/alerts';
import { TaperRequestsService } from '@taperwatch/plans';
import { QUEUES } from '@taperwatch/queues';
import { runJob } from '../job-context';

/** How often the backstop looks for work whose job was lost (Redis flushed, crash). */
export const SWEEP_EVERY_MS = 30_000;

/**
 * Postgres is the truth and Redis the alarm clock: this periodic sweep re-queues any taper
 * request still waiting after a sweep interval, so a lost job delays a plan, never loses it.
 * It also deletes alert stream events past their retention (a reconnecting board's resume).
 */
@Processor(QUEUES.maintenance, { autorun: false })
export class MaintenanceProcessor extends WorkerHost {
  private readonly logger = new Logger(MaintenanceProcessor.name);

  constructor(
    private readonly requests: TaperRequestsService,
    private readonly streamLog: AlertStreamLog,
  ) {
    super();
  }

  process(job: Job) {
    return runJob(this.logger, job, async () => {
      const requeued = await this.requests.requeueStale(SWEEP_EVERY_MS);
      if (requeued > 0) this.logger.warn({ requeued }, 'sweep re-queued taper requests');
      const purgedStreamEvents = await this.streamLog.purge();
      return { requeued, purgedStreamEvents };
    });
  }
}
