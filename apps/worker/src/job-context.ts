import { Logger } from '@nestjs/common';
import { Job } from 'bullmq';
import { jobDuration, jobsProcessed } from '@taperwatch/observability';

/** Runs a job's handler with its timing, outcome metric and a log line carrying the request id. */
function requestIdOf(job: Job): string | undefined {
  return (job.data as { correlationId?: string } | undefined)?.correlationId;
}

export async function runJob<T>(logger: Logger, job: Job, handler: () => Promise<T>): Promise<T> {
  const stop = jobDuration.startTimer({ queue: job.queueName });
  try {
    const result = await handler();
    jobsProcessed.inc({ queue: job.queueName, outcome: 'completed' });
    logger.debug({ jobId: job.id, requestId: requestIdOf(job), result }, `${job.name} done`);
    return result;
  } catch (error) {
    jobsProcessed.inc({ queue: job.queueName, outcome: 'failed' });
    logger.warn(
      {
        jobId: job.id,
        requestId: requestIdOf(job),
        attempt: job.attemptsMade + 1,
        // Class, message and code only (the logger's err serializer): never driver parameters.
        err: error,
      },
      `${job.name} failed`,
    );
    throw error;
  } finally {
    stop();
  }
}
