import { Processor } from '@nestjs/bullmq';
import { EscalationService } from '@taperwatch/escalation';
import { JOB_NAMES, JobHandlers, QUEUES } from '@taperwatch/queues';
import { WORKER_OPTIONS, JobProcessor } from '../job-processor';

/** Delayed per-step escalation jobs, and the sweep that fires steps whose job was lost. */
@Processor(QUEUES.escalations, WORKER_OPTIONS)
export class EscalationProcessor extends JobProcessor<typeof QUEUES.escalations> {
  protected readonly queue = QUEUES.escalations;
  protected readonly handlers: JobHandlers<typeof QUEUES.escalations> = {
    [JOB_NAMES.escalate]: (step) => this.escalation.advance(step),
    [JOB_NAMES.escalationSweep]: () => this.escalation.sweep(),
  };

  constructor(private readonly escalation: EscalationService) {
    super();
  }
}
