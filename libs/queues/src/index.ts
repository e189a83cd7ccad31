export * from './queue-names';
export * from './job-options';
export * from './job-registry';
export * from './redis-connection';
export * from './job-producer';
export * from './queues.module';
