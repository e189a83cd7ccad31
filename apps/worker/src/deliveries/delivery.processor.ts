import { Processor, WorkerHost } from '@nestjs/bullmq';
import { Logger } from '@nestjs/common';
import { Job } from 'bullmq';
import { DeliveryService } from '@taperwatch/notifications';
import { DeliverJob, JOB_NAMES, QUEUES } from '@taperwatch/queues';
import { runJob } from '../job-context';

/** One job per delivery attempt (webhook or e-mail), and the sweep for lost ones. */
@Processor(QUEUES.deliveries, { autorun: false })
export class DeliveryProcessor extends WorkerHost {
  private readonly logger = new Logger(DeliveryProcessor.name);

  constructor(private readonly deliveries: DeliveryService) {
    super();
  }

  process(job: Job<DeliverJob>) {
    return runJob<unknown>(this.logger, job, () => {
      if (job.name === JOB_NAMES.deliverySweep) return this.deliveries.rescue();
      return this.deliveries.deliver(job.data.deliveryId);
    });
  }
}
