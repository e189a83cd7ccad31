import { Processor, WorkerHost } from '@nestjs/bullmq';
import { Logger } from '@nestjs/common';
import { Job } from 'bullmq';
import { QUEUES } from '@taperwatch/queues';
import { SupplyWatchService } from '@taperwatch/supply';
import { runJob } from '../job-context';

/** The supply watch's sweep: supply_low before a dispensed supply runs out, abrupt_cessation_risk after. */
@Processor(QUEUES.supply, { autorun: false })
export class SupplyWatchProcessor extends WorkerHost {
  private readonly logger = new Logger(SupplyWatchProcessor.name);

  constructor(private readonly watch: SupplyWatchService) {
    super();
  }

  process(job: Job) {
    return runJob(this.logger, job, () => this.watch.sweep());
  }
}
