export * from './problem';
export * from './validation';
export * from './problem-details.filter';
export * from './idempotency';
export * from './pagination';
export * from './storable-input';
export * from './framework-errors';
