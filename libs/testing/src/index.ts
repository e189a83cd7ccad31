export * from './databases';
export * from './eventually';
export * from './stack';
export * from './factories';
export * from './event-stream';
export * from './watch-fixtures';
export * from './browser';
export * from './alert-fixtures';
