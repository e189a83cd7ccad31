import { getQueueToken } from '@nestjs/bullmq';
import {
  Inject,
  Injectable,
  Logger,
  OnApplicationBootstrap,
  OnApplicationShutdown,
} from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { Queue } from 'bullmq';
import { APP_CONFIG, AppConfig } from '@taperwatch/config';
import { SCHEDULES } from '@taperwatch/queues';

/** How often the schedulers are written again, in case Redis lost them. */
const KEEP_EVERY_MS = 10_000;

/**
 * Job schedulers live in Redis, so a flushed Redis would silently stop every sweep — the very
 * net that must survive it. Each worker therefore upserts them at start and every 10 s again
 * (idempotent per scheduler id).
 */
@Injectable()
export class SchedulerKeeper implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(SchedulerKeeper.name);
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly moduleRef: ModuleRef,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.keep();
    this.timer = setInterval(() => {
      this.keep().catch((error: Error) =>
        this.logger.warn({ err: { message: error.message } }, 'could not renew job schedulers'),
      );
    }, KEEP_EVERY_MS);
  }

  onApplicationShutdown(): void {
    clearInterval(this.timer);
  }

  private async keep(): Promise<void> {
    for (const schedule of SCHEDULES) {
      const queue = this.moduleRef.get<Queue>(getQueueToken(schedule.queue), { strict: false });
      await queue.upsertJobScheduler(
        schedule.id,
        { every: schedule.every(this.config) },
        { name: schedule.jobName, data: {} },
      );
    }
  }
}
