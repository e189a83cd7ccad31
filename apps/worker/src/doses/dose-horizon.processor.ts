import { Processor, WorkerHost } from '@nestjs/bullmq';
import { Logger } from '@nestjs/common';
import { Job } from 'bullmq';
import { DoseScheduleService } from '@taperwatch/plans';
import { QUEUES } from '@taperwatch/queues';
import { runJob } from '../job-context';

/**
 * Keeps DOSE_HORIZON_DAYS of dose rows written ahead for every plan in force, so a year-long
 * plan never writes all its rows at once. Postgres says what is written (plans.doses_until),
 * so a lost or doubled run only writes late or writes nothing new.
 */
@Processor(QUEUES.doseHorizon, { autorun: false })
export class DoseHorizonProcessor extends WorkerHost {
  private readonly logger = new Logger(DoseHorizonProcessor.name);

  constructor(private readonly doses: DoseScheduleService) {
    super();
  }

  process(job: Job) {
    return runJob(this.logger, job, () => this.doses.extendHorizon());
  }
}
