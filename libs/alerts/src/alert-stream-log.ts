import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '@taperwatch/config';
import type { AlertEvent } from './alert-events';
import { AlertsRepository } from './alerts.repository';

const PURGE_BATCH = 10_000;

export interface LoggedAlertEvent extends AlertEvent {
  id: string;
}

/** A resume: the events after the board's last one, or `reset` when they cannot all be sent. */
export type Resume = { reset: false; events: LoggedAlertEvent[] } | { reset: true };

/**
 * The numbered record of stream events in Postgres: the id of each is its SSE `id`, and a board
 * coming back with Last-Event-ID is sent the rows after it (docs/decisions/0018). Each tenant's
 * rows are written one at a time (AlertsRepository.appendStreamEvent), so they commit in id
 * order and a reader never sees an id whose predecessor is still to come.
 */
@Injectable()
export class AlertStreamLog {
  constructor(
    private readonly repository: AlertsRepository,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  append(event: AlertEvent): Promise<string> {
    return this.repository.appendStreamEvent(event);
  }

  /**
   * The tenant's events after `lastId`, oldest first. `reset` when that event is unknown or older
   * than the retention window (what came since may be gone), or when more than
   * ALERT_STREAM_RESUME_MAX_EVENTS followed it: the board should reload its lists instead.
   */
  async after(tenantId: string, lastId: string): Promise<Resume> {
    const max = this.config.ALERT_STREAM_RESUME_MAX_EVENTS;
    const window = this.config.ALERT_STREAM_RETENTION_SECONDS;
    if (!(await this.repository.streamEventKnown(tenantId, lastId, window))) {
      return { reset: true };
    }
    const rows = await this.repository.streamEventsAfter(tenantId, lastId, max + 1);
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
  purge(): Promise<number> {
    return this.repository.purgeStreamEvents(
      this.config.ALERT_STREAM_RETENTION_SECONDS,
      PURGE_BATCH,
    );
  }
}
