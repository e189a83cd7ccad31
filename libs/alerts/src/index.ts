export * from './alert-view';
export * from './alert-events';
export * from './alerts.service';
export * from './alerts.module';
