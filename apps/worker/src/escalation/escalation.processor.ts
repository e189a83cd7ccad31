import { Processor, WorkerHost } from '@nestjs/bullmq';
import { Logger } from '@nestjs/common';
import { Job } from 'bullmq';
import { EscalationService } from '@taperwatch/alerts';
import { EscalateJob, JOB_NAMES, QUEUES } from '@taperwatch/queues';
import { runJob } from '../job-context';

/** Delayed per-step escalation jobs, and the sweep that fires steps whose job was lost. */
@Processor(QUEUES.escalations, { autorun: false })
export class EscalationProcessor extends WorkerHost {
  private readonly logger = new Logger(EscalationProcessor.name);

  constructor(private readonly escalation: EscalationService) {
    super();
  }

  process(job: Job<EscalateJob>) {
    return runJob<unknown>(this.logger, job, () => {
      if (job.name === JOB_NAMES.escalationSweep) return this.escalation.sweep();
      return this.escalation.advance(job.data);
    });
  }
}
