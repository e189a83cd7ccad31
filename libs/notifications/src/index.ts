export * from './delivery.service';
export * from './mailer';
export * from './webhook-sender';
export * from './webhook-signature';
export * from './notifications.module';
