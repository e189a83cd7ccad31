import { Processor } from '@nestjs/bullmq';
import { DeliverySenderService } from '@taperwatch/notifications';
import { JOB_NAMES, JobHandlers, QUEUES } from '@taperwatch/queues';
import { WORKER_OPTIONS, JobProcessor } from '../job-processor';

/** One job per delivery attempt (webhook or e-mail), and the sweep for lost ones. */
@Processor(QUEUES.deliveries, WORKER_OPTIONS)
export class DeliveryProcessor extends JobProcessor<typeof QUEUES.deliveries> {
  protected readonly queue = QUEUES.deliveries;
  protected readonly handlers: JobHandlers<typeof QUEUES.deliveries> = {
    [JOB_NAMES.deliver]: ({ deliveryId }) => this.deliveries.deliver(deliveryId),
    [JOB_NAMES.deliverySweep]: () => this.deliveries.rescue(),
  };

  constructor(private readonly deliveries: DeliverySenderService) {
    super();
  }
}
