import { InjectQueue, Processor, WorkerHost } from '@nestjs/bullmq';
import { Logger, OnApplicationBootstrap } from '@nestjs/common';
import { Job, Queue } from 'bullmq';
import { TaperRequestsService } from '@taperwatch/plans';
import { JOB_NAMES, QUEUES, jobIds } from '@taperwatch/queues';
import { runJob } from '../job-context';

/** How often the backstop looks for work whose job was lost (Redis flushed, crash). */
export const SWEEP_EVERY_MS = 30_000;

/**
 * Postgres is the truth and Redis the alarm clock: this periodic sweep re-queues any taper
 * request still waiting after a sweep interval, so a lost job delays a plan, never loses it.
 */
@Processor(QUEUES.maintenance, { autorun: false })
export class MaintenanceProcessor extends WorkerHost implements OnApplicationBootstrap {
  private readonly logger = new Logger(MaintenanceProcessor.name);

  constructor(
    private readonly requests: TaperRequestsService,
    @InjectQueue(QUEUES.maintenance) private readonly queue: Queue,
  ) {
    super();
  }

  /** Idempotent per scheduler id: every worker process may call it. */
  async onApplicationBootstrap(): Promise<void> {
    await this.queue.upsertJobScheduler(
      jobIds.requeueStaleRequestsScheduler,
      { every: SWEEP_EVERY_MS },
      { name: JOB_NAMES.requeueStaleRequests, data: {} },
    );
  }

  process(job: Job) {
    return runJob(this.logger, job, async () => {
      const requeued = await this.requests.requeueStale(SWEEP_EVERY_MS);
      if (requeued > 0) this.logger.warn({ requeued }, 'sweep re-queued taper requests');
      return { requeued };
    });
  }
}
