export * from './escalation.service';
export * from './escalation-policies.service';
export * from './webhook-secret-vault';
