export * from './alert-view';
export * from './alert-events';
export * from './alert-stream-log';
export * from './alerts.service';
export * from './alerts.module';
export * from './escalation.service';
export * from './escalation-policies.service';
export * from './webhook-address';
