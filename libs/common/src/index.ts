export * from './clock';
export * from './request-context';
export * from './common.module';
