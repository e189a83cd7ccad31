export * from './entities';
export * from './data-source-options';
export * from './migrate';
export * from './persistence.module';
export * from './postgres-errors';
export * from './prepared';
export * from './newest-first';
export * from './statement-filters';
