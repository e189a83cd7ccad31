import { Processor } from '@nestjs/bullmq';
import { DoseScheduleService } from '@taperwatch/doses';
import { JOB_NAMES, JobHandlers, QUEUES } from '@taperwatch/queues';
import { WORKER_OPTIONS, JobProcessor } from '../job-processor';

/**
 * Keeps DOSE_HORIZON_DAYS of dose rows written ahead for every plan in force, so a year-long
 * plan never writes all its rows at once. Postgres says what is written (plans.doses_until),
 * so a lost or doubled run only writes late or writes nothing new.
 */
@Processor(QUEUES.doseHorizon, WORKER_OPTIONS)
export class DoseHorizonProcessor extends JobProcessor<typeof QUEUES.doseHorizon> {
  protected readonly queue = QUEUES.doseHorizon;
  protected readonly handlers: JobHandlers<typeof QUEUES.doseHorizon> = {
    [JOB_NAMES.extendDoseHorizon]: () => this.doses.extendHorizon(),
  };

  constructor(private readonly doses: DoseScheduleService) {
    super();
  }
}
