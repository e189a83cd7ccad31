import { WorkerHost } from '@nestjs/bullmq';
import { Logger } from '@nestjs/common';
import { Job, WorkerOptions } from 'bullmq';
import { JobHandlers, QueueName, dispatchJob } from '@taperwatch/queues';
import { runJob } from './job-context';

/**
 * Every processor's worker options. Created paused (startWorker runs them once Postgres and Redis
 * answer). After a Redis error (a failover's CLUSTERDOWN or a lost connection) BullMQ waits
 * runRetryDelay before fetching again, 15 s by default: a second keeps a failover from pausing
 * every queue (and so every sweep and delayed check) far longer than the failover itself.
 */
export const WORKER_OPTIONS = {
  autorun: false,
  runRetryDelay: 1000,
} satisfies Partial<WorkerOptions>;

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
