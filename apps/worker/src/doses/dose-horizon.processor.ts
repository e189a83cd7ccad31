import { InjectQueue, Processor, WorkerHost } from '@nestjs/bullmq';
import { Inject, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { Job, Queue } from 'bullmq';
import { APP_CONFIG, AppConfig } from '@taperwatch/config';
import { DoseScheduleService } from '@taperwatch/plans';
import { JOB_NAMES, QUEUES, jobIds } from '@taperwatch/queues';
import { runJob } from '../job-context';

/**
 * Keeps DOSE_HORIZON_DAYS of dose rows written ahead for every plan in force, so a year-long
 * plan never writes all its rows at once. Postgres says what is written (plans.doses_until),
 * so a lost or doubled run only writes late or writes nothing new.
 */
@Processor(QUEUES.doseHorizon, { autorun: false })
export class DoseHorizonProcessor extends WorkerHost implements OnApplicationBootstrap {
  private readonly logger = new Logger(DoseHorizonProcessor.name);

  constructor(
    private readonly doses: DoseScheduleService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @InjectQueue(QUEUES.doseHorizon) private readonly queue: Queue,
  ) {
    super();
  }

  /** Idempotent per scheduler id: every worker process may call it. */
  async onApplicationBootstrap(): Promise<void> {
    await this.queue.upsertJobScheduler(
      jobIds.extendDoseHorizonScheduler,
      { every: this.config.DOSE_HORIZON_INTERVAL_MS },
      { name: JOB_NAMES.extendDoseHorizon, data: {} },
    );
  }

  process(job: Job) {
    return runJob(this.logger, job, () => this.doses.extendHorizon());
  }
}
