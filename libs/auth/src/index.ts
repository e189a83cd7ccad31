export * from './permissions';
export * from './principal';
export * from './patient-links';
export * from './decorators';
export * from './api-keys.service';
export * from './api-key.guard';
export * from './unit-scope';
export * from './auth.module';
