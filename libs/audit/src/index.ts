export * from './audit-chain';
export * from './audit-events.service';
export * from './audit-fhir';
export * from './audit-hooks';
export * from './audit-trail';
export * from './audit.module';
export * from './audited';
export * from './chain-verifier';
