export * from './hook-request';
export * from './cds-hooks.service';
