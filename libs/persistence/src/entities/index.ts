import { ActorEntity } from './actor.entity';
import { AlertEntity } from './alert.entity';
import { CdsHookAnswerEntity, CdsHookFeedbackEntity } from './cds-hook.entity';
import { AlertDeliveryEntity, DeliveryAttemptEntity } from './alert-delivery.entity';
import { AlertEscalationEntity } from './alert-escalation.entity';
import { AuditEventEntity } from './audit-event.entity';
import { AlertStreamEventEntity } from './alert-stream-event.entity';
import { ApiKeyEntity } from './api-key.entity';
import { DoseEntity } from './dose.entity';
import { EscalationPolicyEntity } from './escalation-policy.entity';
import { IdempotencyKeyEntity } from './idempotency-key.entity';
import { PatientEntity } from './patient.entity';
import { DispensingEntity, SupplyAlertEntity } from './dispensing.entity';
import { PatientLinkEntity } from './patient-link.entity';
import { PlanEntity } from './plan.entity';
import { PlanTransitionEntity } from './plan-transition.entity';
import { SymptomCheckEntity } from './symptom-check.entity';
import { TaperRequestEntity } from './taper-request.entity';
import { TenantEntity } from './tenant.entity';

export * from './actor.entity';
export * from './alert.entity';
export * from './alert-delivery.entity';
export * from './alert-escalation.entity';
export * from './alert-stream-event.entity';
export * from './api-key.entity';
export * from './audit-event.entity';
export * from './cds-hook.entity';
export * from './dispensing.entity';
export * from './dose.entity';
export * from './escalation-policy.entity';
export * from './idempotency-key.entity';
export * from './patient.entity';
export * from './patient-link.entity';
export * from './plan.entity';
export * from './plan-transition.entity';
export * from './symptom-check.entity';
export * from './taper-request.entity';
export * from './tenant.entity';

export const ENTITIES = [
  ActorEntity,
  TenantEntity,
  ApiKeyEntity,
  IdempotencyKeyEntity,
  PatientEntity,
  PatientLinkEntity,
  TaperRequestEntity,
  PlanEntity,
  PlanTransitionEntity,
  DoseEntity,
  SymptomCheckEntity,
  DispensingEntity,
  SupplyAlertEntity,
  AlertEntity,
  EscalationPolicyEntity,
  AlertEscalationEntity,
  AlertDeliveryEntity,
  DeliveryAttemptEntity,
  AuditEventEntity,
  AlertStreamEventEntity,
  CdsHookAnswerEntity,
  CdsHookFeedbackEntity,
];
export { numberOrNull } from './transformers';
