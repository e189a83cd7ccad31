export * from './hook-request';
export * from './cds-hooks.service';
export * from './cds-hooks.repository';
