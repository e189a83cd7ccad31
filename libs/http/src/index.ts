export * from './problem';
export * from './validation';
export * from './problem-details.filter';
export * from './idempotency';
export * from './pagination';
