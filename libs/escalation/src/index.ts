export * from './escalation.service';
export * from './escalation-policies.service';
export * from './escalation.repository';
export * from './escalation.module';
export * from './webhook-secret-vault';
