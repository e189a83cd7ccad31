import { Module } from '@nestjs/common';
import { AlertsModule } from '@taperwatch/alerts';
import { EscalationModule } from '@taperwatch/escalation';
import { DeliveryQueryService } from './delivery-query.service';
import { DeliverySenderService } from './delivery-sender.service';
import { Mailer } from './mailer';
import { NotificationsRepository } from './notifications.repository';
import { WebhookSender } from './webhook-sender';

/** The worker's sender (DeliverySenderService) and the API's listing (DeliveryQueryService). */
@Module({
  imports: [AlertsModule, EscalationModule],
  providers: [
    NotificationsRepository,
    DeliverySenderService,
    DeliveryQueryService,
    WebhookSender,
    Mailer,
  ],
  exports: [DeliverySenderService, DeliveryQueryService],
})
export class NotificationsModule {}
