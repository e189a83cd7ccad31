import type { AlertEntity, AlertEscalationEntity } from '@taperwatch/persistence';

const rank = (severity: string) =>
  `array_position(ARRAY['info', 'warning', 'critical'], ${severity})`;

/**
 * Adds $2's dose ids to a live alert, takes $3 as its message and raises its severity to
 * `severity` when that is higher (never lowers it): the same SET for the plain UPDATE of a
 * further miss and for the ON CONFLICT of a raise that raced another.
 */
export const addDoses = (severity: string) =>
  `dose_ids = ARRAY(SELECT DISTINCT d FROM unnest(alerts.dose_ids || $2::uuid[]) AS d ORDER BY d),
           message = $3,
           severity = CASE WHEN ${rank(severity)} > ${rank('alerts.severity')} THEN ${severity}
                           ELSE alerts.severity END,
           updated_at = now()`;

/**
 * What an acknowledgement already covers: every dose of this raise, at no higher severity, unless
 * the raise is an event of its own (`standalone`: a symptom check, a cancellation), which is news
 * however often it comes and so re-opens an acknowledged alert rather than folding into it unseen.
 */
export const coveredBy = (alert: string, severity: string, standalone: string) =>
  `(NOT ${standalone}::boolean AND ${alert}.dose_ids @> $2::uuid[]
    AND ${rank(`${alert}.severity`)} >= ${rank(severity)})`;

/**
 * Opens an alert and its escalation in one statement, so it needs no transaction and holds no
 * connection between round trips: the escalation row is written only when the alert row is
 * new. A raise racing another meets it at the partial unique index and adds its doses instead,
 * unless that alert is acknowledged and the raise is news to it (coveredBy): then no row comes
 * back, and the caller re-opens it.
 *
 * $1 dedup key, $2 dose ids, $3 message, $4 id, $5 tenant, $6 type, $7 severity, $8 patient,
 * $9 plan, $10 unit; the escalation: $11 status, $12 step, $13 loop, $14 level, $15 next at,
 * $16 policy (json), $17 policy source; $18 standalone (see coveredBy).
 */
export const OPEN_ALERT_SQL = `
WITH a AS (
  INSERT INTO alerts (id, tenant_id, type, severity, patient_id, plan_id, unit_id, dose_ids, message, dedup_key)
  VALUES ($4, $5, $6, $7, $8, $9, $10, $2::uuid[], $3, $1)
  ON CONFLICT (dedup_key) WHERE status <> 'resolved' DO UPDATE SET ${addDoses('$7')}
    WHERE alerts.status = 'open' OR ${coveredBy('alerts', '$7', '$18')}
  RETURNING id, (xmax = 0) AS created, dose_ids, created_at, updated_at
), e AS (
  INSERT INTO alert_escalations (alert_id, tenant_id, unit_id, status, step, loop, level, next_at,
                                 policy, policy_source)
  SELECT a.id, $5, $10, $11, $12, $13, $14, $15, $16::jsonb, $17 FROM a WHERE a.created
  RETURNING updated_at
)
SELECT a.id, a.created, a.dose_ids, a.created_at, a.updated_at,
       (SELECT updated_at FROM e) AS escalation_updated_at
FROM a`;

export interface OpenedAlertRow {
  id: string;
  created: boolean;
  dose_ids: string[];
  created_at: Date;
  updated_at: Date;
  escalation_updated_at: Date | null;
}

export function escalationParams(e: AlertEscalationEntity): unknown[] {
  return [
    e.status,
    e.step,
    e.loop,
    e.level,
    e.nextAt,
    e.policy === null ? null : JSON.stringify(e.policy),
    e.policySource,
  ];
}

/** The alert as OPEN_ALERT_SQL created it: what was sent, and what the database set. */
export function openedAlert(
  fields: Pick<
    AlertEntity,
    | 'id'
    | 'tenantId'
    | 'type'
    | 'severity'
    | 'patientId'
    | 'planId'
    | 'unitId'
    | 'message'
    | 'dedupKey'
  >,
  row: OpenedAlertRow,
): AlertEntity {
  return {
    ...fields,
    status: 'open',
    doseIds: row.dose_ids,
    level: 0,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    acknowledgedAt: null,
    acknowledgedBy: null,
    resolvedAt: null,
    resolvedBy: null,
    resolutionNote: null,
  };
}
