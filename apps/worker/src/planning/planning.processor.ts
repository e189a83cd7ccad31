import { Processor } from '@nestjs/bullmq';
import { TaperRequestsService } from '@taperwatch/plans';
import { JOB_NAMES, JobHandlers, QUEUES } from '@taperwatch/queues';
import { WORKER_OPTIONS, JobProcessor } from '../job-processor';

/**
 * Turns a queued taper request into a proposed plan (or a rejection with problems). Attempts are
 * counted in Postgres, which ends the request failed when they run out; a job that runs out of
 * BullMQ's retries first (Postgres away) is re-queued by the maintenance sweep.
 */
@Processor(QUEUES.planning, WORKER_OPTIONS)
export class PlanningProcessor extends JobProcessor<typeof QUEUES.planning> {
  protected readonly queue = QUEUES.planning;
  protected readonly handlers: JobHandlers<typeof QUEUES.planning> = {
    [JOB_NAMES.planRequest]: ({ requestId }) => this.requests.plan(requestId),
  };

  constructor(private readonly requests: TaperRequestsService) {
    super();
  }
}
