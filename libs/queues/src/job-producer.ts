import { ServiceUnavailableException } from '@nestjs/common';
import { JobsOptions, Queue } from 'bullmq';
import { JobName, JobOf, JobQueue, JobSpec } from './job-registry';
import { QueueName } from './queue-names';
import { queueRedisClient } from './redis-connection';

/** How long a producer waits for Redis before answering 503 instead of hanging. */
const ENQUEUE_TIMEOUT_MS = 2000;

export class QueueUnavailableError extends ServiceUnavailableException {
  constructor() {
    super('The job queue is unavailable; try again shortly.');
  }
}

/** The untyped BullMQ queue behind a JobQueue: only this file's typed adds reach through. */
function bullQueue(queue: JobQueue<QueueName>): Queue {
  return queue as unknown as Queue;
}

/** Adds jobs with no fail-fast guard (enqueueBulkOrFail is the guarded add). */
export async function addJobs<Q extends QueueName>(
  queue: JobQueue<Q>,
  jobs: readonly JobSpec<Q>[],
): Promise<void> {
  await bullQueue(queue).addBulk([...jobs]);
}

/** Fails fast (503) when the queue's Redis connection is not up. */
export async function assertQueueReady(queue: JobQueue<QueueName>): Promise<void> {
  const client = await queueRedisClient(queue);
  if (client.status !== 'ready') throw new QueueUnavailableError();
}

/**
 * Adds a job or fails fast. A request that cannot be queued is answered 503 with Retry-After
 * (by the problem-details filter) so the caller retries; nothing is half-accepted.
 */
export function enqueueOrFail<Q extends QueueName, N extends JobName<Q>>(
  queue: JobQueue<Q>,
  name: N,
  data: JobOf<Q, N>,
  opts: JobsOptions,
): Promise<void> {
  return withinTimeout(queue, () => bullQueue(queue).add(name, data, opts));
}

/** addBulk with the same fail-fast guard: a Redis outage never hangs the caller. */
export function enqueueBulkOrFail<Q extends QueueName>(
  queue: JobQueue<Q>,
  jobs: readonly JobSpec<Q>[],
): Promise<void> {
  return withinTimeout(queue, () => addJobs(queue, jobs));
}

async function withinTimeout(
  queue: JobQueue<QueueName>,
  add: () => Promise<unknown>,
): Promise<void> {
  await assertQueueReady(queue);
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new QueueUnavailableError()), ENQUEUE_TIMEOUT_MS);
  });
  try {
    await Promise.race([add(), timeout]);
  } catch (error) {
    if (error instanceof QueueUnavailableError) throw error;
    throw new QueueUnavailableError();
  } finally {
    clearTimeout(timer);
  }
}
