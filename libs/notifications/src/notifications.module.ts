import { Module } from '@nestjs/common';
import { AlertsModule } from '@taperwatch/alerts';
import { DeliveryService } from './delivery-sender.service';
import { Mailer } from './mailer';
import { WebhookSender } from './webhook-sender';

@Module({
  imports: [AlertsModule],
  providers: [DeliveryService, WebhookSender, Mailer],
  exports: [DeliveryService],
})
export class NotificationsModule {}
