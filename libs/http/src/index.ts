export * from './problem';
export * from './validation';
export * from './problem-details.filter';
export * from './idempotency.interceptor';
export * from './pagination';
