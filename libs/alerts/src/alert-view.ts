import type { ActorRef } from '@taperwatch/auth';
import {
  AlertEntity,
  AlertEscalationEntity,
  AlertEscalationStatus,
  PolicySource,
} from '@taperwatch/persistence';

/**
 * Where an alert's escalation stands, so the board can show an alert nobody can be told about
 * (`undeliverable`) or whose notifications failed. Part of the Alert of docs/api.md.
 */
export interface EscalationView {
  status: AlertEscalationStatus;
  step: number;
  loop: number;
  nextAt?: string;
  policySource?: PolicySource;
  failedDeliveries: number;
}

/** The Alert of docs/api.md (Alerts and escalation). */
export interface AlertView {
  id: string;
  type: AlertEntity['type'];
  severity: AlertEntity['severity'];
  status: AlertEntity['status'];
  patientId: string;
  /**
   * The ward's identifier for the patient, in the API's own answers only: stream events and
   * webhooks carry ids, never patient identifiers.
   */
  patientExternalId?: string;
  planId: string;
  unitId: string;
  doseIds: string[];
  level: number;
  message: string;
  createdAt: string;
  acknowledgedAt?: string;
  /** Who acknowledged it: an API key, or the person or system a token named. */
  acknowledgedBy?: ActorRef;
  resolvedAt?: string;
  escalation?: EscalationView;
}

export function toEscalationView(e: AlertEscalationEntity): EscalationView {
  return {
    status: e.status,
    step: e.step,
    // The round of the current escalation (it starts over when the alert is re-opened or moved).
    loop: e.loop - e.loopBase,
    ...(e.nextAt ? { nextAt: e.nextAt.toISOString() } : {}),
    ...(e.policySource ? { policySource: e.policySource } : {}),
    failedDeliveries: e.failedDeliveries,
  };
}

/** `acknowledgedBy`: who a.acknowledgedBy names (actorRefsOf); absent, the view omits it. */
export function toAlertView(
  a: AlertEntity,
  escalation?: AlertEscalationEntity | null,
  acknowledgedBy?: ActorRef | null,
): AlertView {
  return {
    id: a.id,
    type: a.type,
    severity: a.severity,
    status: a.status,
    patientId: a.patientId,
    planId: a.planId,
    unitId: a.unitId,
    doseIds: a.doseIds,
    level: a.level,
    message: a.message,
    createdAt: a.createdAt.toISOString(),
    ...(a.acknowledgedAt ? { acknowledgedAt: a.acknowledgedAt.toISOString() } : {}),
    ...(acknowledgedBy ? { acknowledgedBy } : {}),
    ...(a.resolvedAt ? { resolvedAt: a.resolvedAt.toISOString() } : {}),
    ...(escalation ? { escalation: toEscalationView(escalation) } : {}),
  };
}
