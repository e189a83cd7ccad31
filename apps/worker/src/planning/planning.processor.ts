import { OnWorkerEvent, Processor, WorkerHost } from '@nestjs/bullmq';
import { Logger } from '@nestjs/common';
import { Job } from 'bullmq';
import { TaperRequestsService } from '@taperwatch/plans';
import { PlanRequestJob, QUEUES } from '@taperwatch/queues';
import { runJob } from '../job-context';

/** Turns a queued taper request into a proposed plan (or a rejection with problems). */
@Processor(QUEUES.planning, { autorun: false })
export class PlanningProcessor extends WorkerHost {
  private readonly logger = new Logger(PlanningProcessor.name);

  constructor(private readonly requests: TaperRequestsService) {
    super();
  }

  process(job: Job<PlanRequestJob>) {
    return runJob(this.logger, job, () => this.requests.plan(job.data.requestId));
  }

  @OnWorkerEvent('failed')
  async onFailed(job: Job<PlanRequestJob> | undefined): Promise<void> {
    if (job && job.attemptsMade >= (job.opts.attempts ?? 1)) {
      await this.requests.markFailed(job.data.requestId);
    }
  }
}
