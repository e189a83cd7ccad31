export * from './clock';
export * from './request-context';
export * from './common.module';
export * from './one-at-a-time';
