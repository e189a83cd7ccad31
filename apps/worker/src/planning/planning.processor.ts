import { Processor, WorkerHost } from '@nestjs/bullmq';
import { Logger } from '@nestjs/common';
import { Job } from 'bullmq';
import { TaperRequestsService } from '@taperwatch/plans';
import { PlanRequestJob, QUEUES } from '@taperwatch/queues';
import { runJob } from '../job-context';

/**
 * Turns a queued taper request into a proposed plan (or a rejection with problems). Attempts are
 * counted in Postgres, which ends the request failed when they run out; a job that runs out of
 * BullMQ's retries first (Postgres away) is re-queued by the maintenance sweep.
 */
@Processor(QUEUES.planning, { autorun: false })
export class PlanningProcessor extends WorkerHost {
  private readonly logger = new Logger(PlanningProcessor.name);

  constructor(private readonly requests: TaperRequestsService) {
    super();
  }

  process(job: Job<PlanRequestJob>) {
    return runJob(this.logger, job, () => this.requests.plan(job.data.requestId));
  }
}
