export * from './plan-view';
export * from './plans.service';
export * from './taper-requests.service';
export * from './plans.module';
