import { WorkerHost } from '@nestjs/bullmq';
import { Logger } from '@nestjs/common';
import { Job } from 'bullmq';
import { JobHandlers, QueueName, dispatchJob } from '@taperwatch/queues';
import { runJob } from './job-context';

/**
 * A queue's processor: runs the handler its job's name has in `handlers` (typed against the job
 * registry, so every name of the queue is handled), timed, counted and logged by runJob.
 */
export abstract class JobProcessor<Q extends QueueName> extends WorkerHost {
  protected readonly logger = new Logger(this.constructor.name);
  protected abstract readonly queue: Q;
  protected abstract readonly handlers: JobHandlers<Q>;

  process(job: Job): Promise<unknown> {
    return runJob(this.logger, job, () => dispatchJob(this.queue, this.handlers, job));
  }
}
