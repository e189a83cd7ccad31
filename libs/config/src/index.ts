export * from './environment';
export * from './config.module';
export * from './escalation-settings';
export * from './trust-proxy';
export * from './encryption-key';
export * from './oidc-settings';
export * from './cds-hooks-settings';
export * from './redis-settings';
