import { Processor, WorkerHost } from '@nestjs/bullmq';
import { Logger } from '@nestjs/common';
import { Job } from 'bullmq';
import { DoseCheckJob, JOB_NAMES, QUEUES } from '@taperwatch/queues';
import { OutpatientWatchService, WatchService } from '@taperwatch/watch';
import { runJob } from '../job-context';

/**
 * Delayed per-dose checks, the periodic sweep that is their safety net, and the outpatients'
 * sweep (their doses have no checks: only reports and silence count).
 */
@Processor(QUEUES.doseChecks, { autorun: false })
export class DoseCheckProcessor extends WorkerHost {
  private readonly logger = new Logger(DoseCheckProcessor.name);

  constructor(
    private readonly watch: WatchService,
    private readonly outpatients: OutpatientWatchService,
  ) {
    super();
  }

  process(job: Job<DoseCheckJob>) {
    return runJob<unknown>(this.logger, job, () => {
      if (job.name === JOB_NAMES.watchSweep) return this.watch.sweep();
      if (job.name === JOB_NAMES.outpatientSweep) return this.outpatients.sweep();
      return this.watch.checkDose(job.data.doseId);
    });
  }
}
