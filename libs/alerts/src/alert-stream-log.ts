import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { APP_CONFIG, AppConfig } from '@taperwatch/config';
import { preparedQuery } from '@taperwatch/persistence';
import type { AlertEvent } from './alert-events';

/** Keys the per-tenant lock of the two-key advisory space (apart from the migration lock's). */
const STREAM_LOCK_CLASS = 7465;
const PURGE_BATCH = 10_000;

export interface LoggedAlertEvent extends AlertEvent {
  id: string;
}

/** A resume: the events after the board's last one, or `reset` when they cannot all be sent. */
export type Resume = { reset: false; events: LoggedAlertEvent[] } | { reset: true };

interface Row {
  id: string;
  type: AlertEvent['type'];
  alert: AlertEvent['alert'];
  from_unit_id: string | null;
}

/**
 * The numbered record of stream events in Postgres: the id of each is its SSE `id`, and a board
 * coming back with Last-Event-ID is sent the rows after it (docs/decisions/0018). Each tenant's
 * rows are written one at a time (an advisory lock held by the insert), so they commit in id
 * order and a reader never sees an id whose predecessor is still to come.
 */
@Injectable()
export class AlertStreamLog {
  constructor(
    private readonly dataSource: DataSource,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async append(event: AlertEvent): Promise<string> {
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

  /**
   * The tenant's events after `lastId`, oldest first. `reset` when that event is unknown or older
   * than the retention window (what came since may be gone), or when more than
   * ALERT_STREAM_RESUME_MAX_EVENTS followed it: the board should reload its lists instead.
   */
  async after(tenantId: string, lastId: string): Promise<Resume> {
    const max = this.config.ALERT_STREAM_RESUME_MAX_EVENTS;
    const window = this.config.ALERT_STREAM_RETENTION_SECONDS;
    const [known] = await preparedQuery<{ ok: boolean }>(
      this.dataSource.manager,
      'alert-stream-event-known',
      `SELECT true AS ok FROM alert_stream_events
       WHERE id = $2 AND tenant_id = $1 AND created_at > now() - make_interval(secs => $3)`,
      [tenantId, lastId, window],
    );
    if (!known) return { reset: true };
    const rows = await preparedQuery<Row>(
      this.dataSource.manager,
      'alert-stream-events-after',
      `SELECT id, type, alert, from_unit_id FROM alert_stream_events
       WHERE tenant_id = $1 AND id > $2
       ORDER BY id LIMIT $3`,
      [tenantId, lastId, max + 1],
    );
    if (rows.length > max) return { reset: true };
    return {
      reset: false,
      events: rows.map((row) => ({
        id: row.id,
        type: row.type,
        tenantId,
        alert: row.alert,
        ...(row.from_unit_id ? { fromUnitId: row.from_unit_id } : {}),
      })),
    };
  }

  /** Deletes a batch of rows past the retention window; returns how many went. */
  async purge(): Promise<number> {
    const rows = await preparedQuery<{ id: string }>(
      this.dataSource.manager,
      'purge-alert-stream-events',
      `DELETE FROM alert_stream_events WHERE id IN (
         SELECT id FROM alert_stream_events
         WHERE created_at < now() - make_interval(secs => $1)
         ORDER BY created_at LIMIT $2)
       RETURNING id`,
      [this.config.ALERT_STREAM_RETENTION_SECONDS, PURGE_BATCH],
    );
    return rows.length;
  }
}
