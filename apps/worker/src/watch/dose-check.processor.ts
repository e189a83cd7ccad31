import { Processor } from '@nestjs/bullmq';
import { JOB_NAMES, JobHandlers, QUEUES } from '@taperwatch/queues';
import { OutpatientWatchService, WatchService } from '@taperwatch/doses';
import { WORKER_OPTIONS, JobProcessor } from '../job-processor';

/**
 * Delayed per-dose checks, the periodic sweep that is their safety net, and the outpatients'
 * sweep (their doses have no checks: only reports and silence count).
 */
@Processor(QUEUES.doseChecks, WORKER_OPTIONS)
export class DoseCheckProcessor extends JobProcessor<typeof QUEUES.doseChecks> {
  protected readonly queue = QUEUES.doseChecks;
  protected readonly handlers: JobHandlers<typeof QUEUES.doseChecks> = {
    [JOB_NAMES.doseCheck]: ({ doseId }) => this.watch.checkDose(doseId),
    [JOB_NAMES.watchSweep]: () => this.watch.sweep(),
    [JOB_NAMES.outpatientSweep]: () => this.outpatients.sweep(),
  };

  constructor(
    private readonly watch: WatchService,
    private readonly outpatients: OutpatientWatchService,
  ) {
    super();
  }
}
