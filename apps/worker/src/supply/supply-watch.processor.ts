import { Processor } from '@nestjs/bullmq';
import { JOB_NAMES, JobHandlers, QUEUES } from '@taperwatch/queues';
import { SupplyWatchService } from '@taperwatch/supply';
import { WORKER_OPTIONS, JobProcessor } from '../job-processor';

/** The supply watch's sweep: supply_low before a dispensed supply runs out, abrupt_cessation_risk after. */
@Processor(QUEUES.supply, WORKER_OPTIONS)
export class SupplyWatchProcessor extends JobProcessor<typeof QUEUES.supply> {
  protected readonly queue = QUEUES.supply;
  protected readonly handlers: JobHandlers<typeof QUEUES.supply> = {
    [JOB_NAMES.supplySweep]: () => this.watch.sweep(),
  };

  constructor(private readonly watch: SupplyWatchService) {
    super();
  }
}
