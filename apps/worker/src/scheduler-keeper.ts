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
import { JOB_NAMES, QUEUES, QueueName, jobIds } from '@taperwatch/queues';

interface Schedule {
  queue: QueueName;
  id: string;
  jobName: string;
  every: (config: AppConfig) => number;
}

/** Every periodic job of the workers, in one place. */
export const SCHEDULES: Schedule[] = [
  {
    queue: QUEUES.maintenance,
    id: jobIds.requeueStaleRequestsScheduler,
    jobName: JOB_NAMES.requeueStaleRequests,
    every: (config) => config.MAINTENANCE_SWEEP_MS,
  },
  {
    queue: QUEUES.maintenance,
    id: jobIds.purgeIdempotencyKeysScheduler,
    jobName: JOB_NAMES.purgeIdempotencyKeys,
    every: (config) => config.IDEMPOTENCY_PURGE_INTERVAL_MS,
  },
  {
    queue: QUEUES.doseHorizon,
    id: jobIds.extendDoseHorizonScheduler,
    jobName: JOB_NAMES.extendDoseHorizon,
    every: (config) => config.DOSE_HORIZON_INTERVAL_MS,
  },
  {
    queue: QUEUES.doseChecks,
    id: jobIds.watchSweepScheduler,
    jobName: JOB_NAMES.watchSweep,
    every: (config) => config.WATCH_SWEEP_MS,
  },
  {
    queue: QUEUES.doseChecks,
    id: jobIds.outpatientSweepScheduler,
    jobName: JOB_NAMES.outpatientSweep,
    every: (config) => config.OUTPATIENT_SWEEP_MS,
  },
  {
    queue: QUEUES.escalations,
    id: jobIds.escalationSweepScheduler,
    jobName: JOB_NAMES.escalationSweep,
    every: (config) => config.ESCALATION_SWEEP_MS,
  },
  {
    queue: QUEUES.deliveries,
    id: jobIds.deliverySweepScheduler,
    jobName: JOB_NAMES.deliverySweep,
    every: (config) => config.ESCALATION_SWEEP_MS,
  },
  {
    queue: QUEUES.supply,
    id: jobIds.supplySweepScheduler,
    jobName: JOB_NAMES.supplySweep,
    every: (config) => config.SUPPLY_SWEEP_MS,
  },
];

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
