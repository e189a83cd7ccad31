export * from './alert-view';
export * from './alert-events';
export * from './alert-escalations';
export * from './alert-stream-log';
export * from './alerts.service';
export * from './alerts.repository';
export * from './alerts.module';
export * from './webhook-address';
