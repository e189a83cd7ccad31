export * from './delivery-query.service';
export * from './delivery-sender.service';
export * from './mailer';
export * from './notifications.repository';
export * from './webhook-sender';
export * from './webhook-signature';
export * from './notifications.module';
