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

/** What an escalation's view is made of: its row, or the columns a list's statement joined. */
export type EscalationState = Pick<
  AlertEscalationEntity,
  'status' | 'step' | 'loop' | 'loopBase' | 'nextAt' | 'policySource' | 'failedDeliveries'
>;

export function toEscalationView(e: EscalationState): EscalationView {
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

/** A row of AlertsRepository.listPage: an alert's columns with its view's joins, snake_case. */
export interface AlertPageRow {
  id: string;
  type: AlertEntity['type'];
  severity: AlertEntity['severity'];
  status: AlertEntity['status'];
  patient_id: string;
  plan_id: string;
  unit_id: string;
  dose_ids: string[];
  level: number;
  message: string;
  created_at: Date;
  acknowledged_at: Date | null;
  resolved_at: Date | null;
  acknowledged_by_actor: ActorRef | null;
  patient_external_id: string | null;
  /** Null with the rest of the escalation_ columns when the alert has no escalation row. */
  escalation_status: AlertEscalationStatus | null;
  escalation_step: number;
  escalation_loop: number;
  escalation_loop_base: number;
  escalation_next_at: Date | null;
  escalation_policy_source: PolicySource | null;
  escalation_failed_deliveries: number;
}

/** The view of a listPage row: what toAlertView and the patient's externalId make of it. */
export function alertViewFromRow(r: AlertPageRow): AlertView {
  return {
    id: r.id,
    type: r.type,
    severity: r.severity,
    status: r.status,
    patientId: r.patient_id,
    planId: r.plan_id,
    unitId: r.unit_id,
    doseIds: r.dose_ids,
    level: r.level,
    message: r.message,
    createdAt: r.created_at.toISOString(),
    ...(r.acknowledged_at ? { acknowledgedAt: r.acknowledged_at.toISOString() } : {}),
    ...(r.acknowledged_by_actor ? { acknowledgedBy: r.acknowledged_by_actor } : {}),
    ...(r.resolved_at ? { resolvedAt: r.resolved_at.toISOString() } : {}),
    ...(r.escalation_status
      ? {
          escalation: toEscalationView({
            status: r.escalation_status,
            step: r.escalation_step,
            loop: r.escalation_loop,
            loopBase: r.escalation_loop_base,
            nextAt: r.escalation_next_at,
            policySource: r.escalation_policy_source,
            failedDeliveries: r.escalation_failed_deliveries,
          }),
        }
      : {}),
    ...(r.patient_external_id ? { patientExternalId: r.patient_external_id } : {}),
  };
}
