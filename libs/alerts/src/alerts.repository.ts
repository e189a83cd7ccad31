import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager, In } from 'typeorm';
import {
  AlertEntity,
  AlertEscalationEntity,
  AlertSeverity,
  AlertStatus,
  AlertType,
  countedQuery,
  preparedQuery,
  StatementFilters,
} from '@taperwatch/persistence';
import { actorRefSql } from '@taperwatch/auth';
import type { AlertEvent } from './alert-events';
import type { AlertPageRow } from './alert-view';
import {
  OPEN_ALERT_SQL,
  OpenedAlertRow,
  addDoses,
  coveredBy,
  escalationParams,
} from './open-alert.sql';

/** Keys the per-tenant lock of the two-key advisory space (apart from the migration lock's). */
const STREAM_LOCK_CLASS = 7465;

/** A row of the stream log (alert_stream_events). */
export interface StreamEventRow {
  id: string;
  type: AlertEvent['type'];
  alert: AlertEvent['alert'];
  from_unit_id: string | null;
}

/** The doses a raise brings to an alert, and what it says. */
export interface AlertNews {
  dedupKey: string;
  doseIds: string[];
  message: string;
  severity: AlertSeverity;
  /** An event of its own: it re-opens an acknowledged alert even with no new dose. */
  standalone: boolean;
}

/** A new alert's columns (OPEN_ALERT_SQL). */
export interface NewAlert {
  id: string;
  tenantId: string;
  type: AlertType;
  patientId: string;
  planId: string;
  unitId: string;
}

/** What a list of alerts is filtered by: the caller's tenant and units, and the query's own. */
export interface AlertFilter {
  tenantId: string;
  units: readonly string[] | undefined;
  unitId?: string;
  status?: AlertStatus;
  patientId?: string;
  type?: AlertType;
  after?: { createdAt: Date; id: string };
  limit: number;
}

/**
 * Every statement of the alerts service and the stream log (decision 0030). Methods taking a manager run in the
 * caller's transaction; the escalation rows are locked before the alerts' everywhere.
 */
@Injectable()
export class AlertsRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** Outside any transaction: for another feature's reads that take a manager. */
  get manager(): EntityManager {
    return this.dataSource.manager;
  }

  transaction<T>(work: (manager: EntityManager) => Promise<T>): Promise<T> {
    return this.dataSource.transaction(work);
  }

  /**
   * Adds the news to the live alert when it is open, or acknowledged and the news is covered by
   * it: one statement, no transaction. The alert's id, or undefined.
   */
  async addToLive(news: AlertNews): Promise<string | undefined> {
    const [added] = await preparedQuery<{ id: string }>(
      this.dataSource.manager,
      'add-alert-doses',
      `UPDATE alerts SET ${addDoses('$4')} WHERE dedup_key = $1 AND status <> 'resolved'
         AND (status = 'open' OR ${coveredBy('alerts', '$4', '$5')}) RETURNING id`,
      [news.dedupKey, news.doseIds, news.message, news.severity, news.standalone],
    );
    return added?.id;
  }

  /** Opens the alert with its escalation, or adds the news to the live one (OPEN_ALERT_SQL). */
  async open(
    alert: NewAlert,
    news: AlertNews,
    escalation: AlertEscalationEntity,
  ): Promise<OpenedAlertRow | undefined> {
    const [row] = await preparedQuery<OpenedAlertRow>(
      this.dataSource.manager,
      'open-alert',
      OPEN_ALERT_SQL,
      [
        news.dedupKey,
        news.doseIds,
        news.message,
        alert.id,
        alert.tenantId,
        alert.type,
        news.severity,
        alert.patientId,
        alert.planId,
        alert.unitId,
        ...escalationParams(escalation),
        news.standalone,
      ],
    );
    return row;
  }

  /** The acknowledged live alert the news is not covered by, its escalation row locked. */
  async lockAcknowledgedFor(
    manager: EntityManager,
    news: AlertNews,
  ): Promise<{ id: string; tenant_id: string; unit_id: string } | undefined> {
    const [live] = (await manager.query(
      `SELECT a.id, a.tenant_id, a.unit_id FROM alerts a
       JOIN alert_escalations e ON e.alert_id = a.id
       WHERE a.dedup_key = $1 AND a.status = 'acknowledged' AND NOT ${coveredBy('a', '$3', '$4')}
       FOR UPDATE OF e`,
      [news.dedupKey, news.doseIds, news.severity, news.standalone],
    )) as { id: string; tenant_id: string; unit_id: string }[];
    return live;
  }

  /** Opens the acknowledged alert again with the news. */
  async reopen(manager: EntityManager, id: string, news: AlertNews): Promise<void> {
    await manager.query(
      `UPDATE alerts SET ${addDoses('$4')}, status = 'open', acknowledged_at = NULL,
         acknowledged_by = NULL
       WHERE id = $1`,
      [id, news.doseIds, news.message, news.severity],
    );
  }

  /** The patient's live alerts in units other than `toUnitId`, their escalation rows locked. */
  lockLiveElsewhere(
    manager: EntityManager,
    tenantId: string,
    patientId: string,
    toUnitId: string,
  ): Promise<{ id: string; unit_id: string; status: AlertStatus }[]> {
    return manager.query(
      `SELECT a.id, a.unit_id, a.status FROM alerts a
       JOIN alert_escalations e ON e.alert_id = a.id
       WHERE a.tenant_id = $1 AND a.patient_id = $2 AND a.status <> 'resolved' AND a.unit_id <> $3
       ORDER BY a.id
       FOR UPDATE OF e`,
      [tenantId, patientId, toUnitId],
    );
  }

  /** An acknowledged alert's escalation follows its patient's unit (it does not restart). */
  async moveEscalation(manager: EntityManager, alertId: string, unitId: string): Promise<void> {
    await manager.update(AlertEscalationEntity, { alertId }, { unitId });
  }

  async moveAlerts(manager: EntityManager, ids: readonly string[], unitId: string): Promise<void> {
    await manager.query(
      `UPDATE alerts SET unit_id = $2, updated_at = now() WHERE id = ANY($1::uuid[])`,
      [ids, unitId],
    );
  }

  /**
   * A page of alerts newest first, keyset-paginated over (created_at, id), each row with what its
   * view shows: escalation, who acknowledged it, the patient's externalId. One statement: a board
   * polls its unit's list, and three round trips with entity hydration cost it more than its rows.
   */
  listPage(filter: AlertFilter): Promise<AlertPageRow[]> {
    const f = new StatementFilters('alert-page', [filter.tenantId], 'tenant_id = $1');
    if (filter.units) f.and('units', (p) => `unit_id = ANY(${p}::text[])`, filter.units);
    if (filter.unitId) f.and('unit', (p) => `unit_id = ${p}`, filter.unitId);
    if (filter.status) f.and('status', (p) => `status = ${p}`, filter.status);
    if (filter.patientId) f.and('patient', (p) => `patient_id = ${p}::uuid`, filter.patientId);
    if (filter.type) f.and('type', (p) => `type = ${p}`, filter.type);
    if (filter.after) {
      const { createdAt, id } = filter.after;
      f.and(
        'after',
        (at, last) => `(created_at, id) < (${at}::timestamptz, ${last}::uuid)`,
        createdAt,
        id,
      );
    }
    const limit = f.param(filter.limit);
    // The page is cut first and joined after, so the joins run once per row shown.
    return preparedQuery<AlertPageRow>(
      this.dataSource.manager,
      f.name,
      `SELECT a.id, a.type, a.severity, a.status, a.patient_id, a.plan_id, a.unit_id,
              a.dose_ids::text[] AS dose_ids, a.level, a.message, a.created_at, a.acknowledged_at,
              a.resolved_at,
              CASE WHEN a.acknowledged_by IS NOT NULL THEN ${actorRefSql('a.acknowledged_by')} END
                AS acknowledged_by_actor,
              pt.external_id AS patient_external_id,
              e.status AS escalation_status, e.step AS escalation_step,
              e.loop AS escalation_loop, e.loop_base AS escalation_loop_base,
              e.next_at AS escalation_next_at,
              e.policy_source AS escalation_policy_source,
              e.failed_deliveries AS escalation_failed_deliveries
       FROM (SELECT * FROM alerts WHERE ${f.where.join(' AND ')}
             ORDER BY created_at DESC, id DESC LIMIT ${limit}) a
       LEFT JOIN alert_escalations e ON e.alert_id = a.id
       LEFT JOIN patients pt ON pt.id = a.patient_id
       ORDER BY a.created_at DESC, a.id DESC`,
      f.values,
    );
  }

  /** Acknowledges an open alert; the number acknowledged (0 or 1). */
  async acknowledge(manager: EntityManager, id: string, at: Date, by: string): Promise<number> {
    const result = await manager.update(
      AlertEntity,
      { id, status: 'open' },
      { status: 'acknowledged', acknowledgedAt: at, acknowledgedBy: by },
    );
    return result.affected ?? 0;
  }

  /** Resolves a live alert; the number resolved (0 or 1). */
  async resolve(
    manager: EntityManager,
    id: string,
    resolution: { at: Date; by: string; note: string | null },
  ): Promise<number> {
    const { count } = await countedQuery(
      manager,
      `UPDATE alerts SET status = 'resolved', resolved_at = $2, resolved_by = $3, resolution_note = $4,
         updated_at = now()
       WHERE id = $1 AND status <> 'resolved'`,
      [id, resolution.at, resolution.by, resolution.note],
    );
    return count;
  }

  /** The escalation rows of some alerts, for views. */
  async escalationsOf(
    manager: EntityManager,
    alertIds: readonly string[],
  ): Promise<Map<string, AlertEscalationEntity>> {
    if (alertIds.length === 0) return new Map();
    const rows = await manager.findBy(AlertEscalationEntity, { alertId: In([...alertIds]) });
    return new Map(rows.map((r) => [r.alertId, r]));
  }

  find(manager: EntityManager, id: string): Promise<AlertEntity> {
    return manager.findOneByOrFail(AlertEntity, { id });
  }

  findOfTenant(id: string, tenantId: string): Promise<AlertEntity | null> {
    return this.dataSource.getRepository(AlertEntity).findOneBy({ id, tenantId });
  }

  /** The patients' externalIds by patient id: one query for a page. */
  async patientExternalIds(patientIds: readonly string[]): Promise<Map<string, string>> {
    const rows = (await this.dataSource.query(
      `SELECT id, external_id FROM patients WHERE id = ANY($1::uuid[])`,
      [[...new Set(patientIds)]],
    )) as { id: string; external_id: string }[];
    return new Map(rows.map((r) => [r.id, r.external_id]));
  }

  /**
   * Numbers an event in the stream log. Each tenant's rows are written one at a time (an advisory
   * lock held by the insert), so they commit in id order.
   */
  async appendStreamEvent(event: AlertEvent): Promise<string> {
    const [row] = await preparedQuery<{ id: string }>(
      this.dataSource.manager,
      'append-alert-stream-event',
      `WITH locked AS (SELECT pg_advisory_xact_lock(${STREAM_LOCK_CLASS}, hashtext($1::text)))
       INSERT INTO alert_stream_events (tenant_id, type, alert, from_unit_id)
       SELECT $1::uuid, $2::text, $3::jsonb, $4::text FROM locked
       RETURNING id`,
      [event.tenantId, event.type, JSON.stringify(event.alert), event.fromUnitId ?? null],
    );
    return row!.id;
  }

  /** Whether the tenant's event `id` is still in the log and younger than `windowSeconds`. */
  async streamEventKnown(tenantId: string, id: string, windowSeconds: number): Promise<boolean> {
    const [known] = await preparedQuery<{ ok: boolean }>(
      this.dataSource.manager,
      'alert-stream-event-known',
      `SELECT true AS ok FROM alert_stream_events
       WHERE id = $2 AND tenant_id = $1 AND created_at > now() - make_interval(secs => $3)`,
      [tenantId, id, windowSeconds],
    );
    return known !== undefined;
  }

  /** At most `limit` of the tenant's events after `lastId`, oldest first. */
  streamEventsAfter(tenantId: string, lastId: string, limit: number): Promise<StreamEventRow[]> {
    return preparedQuery<StreamEventRow>(
      this.dataSource.manager,
      'alert-stream-events-after',
      `SELECT id, type, alert, from_unit_id FROM alert_stream_events
       WHERE tenant_id = $1 AND id > $2
       ORDER BY id LIMIT $3`,
      [tenantId, lastId, limit],
    );
  }

  /** Deletes at most `batch` events older than `retentionSeconds`; how many went. */
  async purgeStreamEvents(retentionSeconds: number, batch: number): Promise<number> {
    const rows = await preparedQuery<{ id: string }>(
      this.dataSource.manager,
      'purge-alert-stream-events',
      `DELETE FROM alert_stream_events WHERE id IN (
         SELECT id FROM alert_stream_events
         WHERE created_at < now() - make_interval(secs => $1)
         ORDER BY created_at LIMIT $2)
       RETURNING id`,
      [retentionSeconds, batch],
    );
    return rows.length;
  }
}
