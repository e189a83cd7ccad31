import { Inject, Injectable, Logger, OnModuleDestroy } from '@nestjs/common';
import Redis from 'ioredis';
import { Observable, Subject, filter } from 'rxjs';
import { APP_CONFIG, AppConfig } from '@taperwatch/config';
import { redisOptions } from '@taperwatch/queues';
import { AlertView } from './alert-view';

export const ALERT_EVENT_TYPES = [
  'alert.created',
  'alert.escalated',
  'alert.acknowledged',
  'alert.resolved',
  // A new miss after an acknowledgement; the patient (and so the alert) moved to another unit.
  'alert.reopened',
  'alert.transferred',
  // Delivery outcomes, so the board shows a notification that failed (additions to API.md).
  'alert.delivered',
  'alert.delivery_failed',
] as const;
export type AlertEventType = (typeof ALERT_EVENT_TYPES)[number];

export interface AlertEvent {
  type: AlertEventType;
  tenantId: string;
  alert: AlertView;
  /** alert.transferred: the unit the alert left, whose stream learns it is gone. */
  fromUnitId?: string;
}

/**
 * Alert transitions fan out through Redis pub/sub, so every API process streams every event
 * whichever process (API or worker) caused it. Messages hold the Alert (ids and a message),
 * never patient identifiers. Pub/sub is fire-and-forget: the stream is a live view, and the
 * alert list in Postgres is the record.
 */
@Injectable()
export class AlertEvents implements OnModuleDestroy {
  private readonly logger = new Logger(AlertEvents.name);
  private readonly channel: string;
  private publisher?: Redis;
  private subscriber?: Redis;
  private readonly events = new Subject<AlertEvent>();

  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {
    this.channel = `${config.QUEUE_PREFIX}:alert-events`;
  }

  async publish(event: AlertEvent): Promise<void> {
    this.publisher ??= this.connect('publisher');
    await this.publisher.publish(this.channel, JSON.stringify(event)).catch((error: Error) => {
      this.logger.warn(
        { err: { message: error.message }, alertId: event.alert.id },
        'publish failed',
      );
    });
  }

  /** Events of one tenant; the first call opens this process's subscription. */
  stream(tenantId: string): Observable<AlertEvent> {
    if (!this.subscriber) {
      const subscriber = this.connect('subscriber');
      subscriber.on('message', (_channel: string, message: string) => {
        try {
          this.events.next(JSON.parse(message) as AlertEvent);
        } catch {
          this.logger.warn('ignored a malformed alert event');
        }
      });
      void subscriber.subscribe(this.channel);
      this.subscriber = subscriber;
    }
    return this.events.pipe(filter((event) => event.tenantId === tenantId));
  }

  private connect(role: string): Redis {
    const client = new Redis({ ...redisOptions(this.config.REDIS_URL), maxRetriesPerRequest: 1 });
    client.on('error', (error: Error) =>
      this.logger.debug({ role, err: { message: error.message } }, 'alert events connection error'),
    );
    return client;
  }

  async onModuleDestroy(): Promise<void> {
    this.events.complete();
    await Promise.all(
      [this.publisher?.quit(), this.subscriber?.quit()].map((p) => p?.catch(() => undefined)),
    );
  }
}
