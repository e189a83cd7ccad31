import { DefaultJobOptions } from 'bullmq';

/**
 * Retries with exponential backoff for transient failures (Postgres restart, lock timeouts);
 * finished jobs are removed by age and count so Redis does not grow without bound.
 */
export const DEFAULT_JOB_OPTIONS: DefaultJobOptions = {
  attempts: 8,
  backoff: { type: 'exponential', delay: 500 },
  removeOnComplete: { age: 3600, count: 1000 },
  removeOnFail: { age: 7 * 24 * 3600, count: 5000 },
};
