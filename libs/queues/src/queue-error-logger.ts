import { getQueueToken } from '@nestjs/bullmq';
import { Logger, Provider } from '@nestjs/common';
import { Queue } from 'bullmq';
import { ALL_QUEUES } from './queue-names';

const REPEAT_AFTER_MS = 30_000;

/**
 * BullMQ emits connection errors as events; without a listener Node prints each one. Log them
 * instead, at most once per queue every 30 s, so an outage is visible but does not flood logs.
 */
export class QueueErrorLogger {
  private readonly logger = new Logger('Queues');
  private readonly lastLogged = new Map<string, number>();

  /** Listens from the moment the queues exist: an error with no listener would throw. */
  constructor(queues: Queue[]) {
    for (const queue of queues) queue.on('error', (error: Error) => this.report(queue.name, error));
  }

  private report(queue: string, error: Error): void {
    const now = Date.now();
    if (now - (this.lastLogged.get(queue) ?? 0) < REPEAT_AFTER_MS) return;
    this.lastLogged.set(queue, now);
    // The error itself: pino's err serializer (libs/observability) keeps class, message and code.
    this.logger.warn({ queue, err: error }, 'queue connection error');
  }
}

export const queueErrorLoggerProvider: Provider = {
  provide: QueueErrorLogger,
  inject: ALL_QUEUES.map((name) => getQueueToken(name)),
  useFactory: (...queues: Queue[]) => new QueueErrorLogger(queues),
};
