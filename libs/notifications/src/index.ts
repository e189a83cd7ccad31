export * from './delivery-sender.service';
export * from './mailer';
export * from './webhook-sender';
export * from './webhook-signature';
export * from './notifications.module';
