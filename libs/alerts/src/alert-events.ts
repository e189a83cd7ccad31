import { Inject, Injectable, Logger, OnModuleDestroy } from '@nestjs/common';
import Redis from 'ioredis';
import { Observable, Subject, filter } from 'rxjs';
import { APP_CONFIG, AppConfig } from '@taperwatch/config';
import {
  RedisClient,
  closeRedis,
  createRedisClient,
  createRedisSubscriber,
} from '@taperwatch/queues';
import { AlertStreamLog } from './alert-stream-log';
import { AlertView } from './alert-view';

export const ALERT_EVENT_TYPES = [
  'alert.created',
  'alert.escalated',
  'alert.acknowledged',
  'alert.resolved',
  // A new miss after an acknowledgement; the patient (and so the alert) moved to another unit.
  'alert.reopened',
  'alert.transferred',
  // Delivery outcomes, so the board shows a notification that failed (see docs/api.md, Alerts and escalation).
  'alert.delivered',
  'alert.delivery_failed',
] as const;
export type AlertEventType = (typeof ALERT_EVENT_TYPES)[number];

/** A publish waits through one reconnect at most; pub/sub is fire-and-forget anyway. */
const ONE_RETRY = { maxRetriesPerRequest: 1 };

export interface AlertEvent {
  type: AlertEventType;
  tenantId: string;
  alert: AlertView;
  /** alert.transferred: the unit the alert left, whose stream learns it is gone. */
  fromUnitId?: string;
  /** Its number in the stream log (the SSE id); absent only when Postgres could not record it. */
  id?: string;
}

/**
 * Alert transitions fan out through Redis pub/sub, so every API process streams every event
 * whichever process (API or worker) caused it. Messages hold the Alert (ids and a message),
 * never patient identifiers. Each event is first numbered in the stream log (Postgres), so a
 * board that missed it live gets it when it comes back; pub/sub itself is fire-and-forget.
 */
@Injectable()
export class AlertEvents implements OnModuleDestroy {
  private readonly logger = new Logger(AlertEvents.name);
  private readonly channel: string;
  private publisher?: RedisClient;
  private subscriber?: Redis;
  private readonly events = new Subject<AlertEvent>();
  private subscribed = false;
  private readonly subscriptionChanges = new Subject<boolean>();

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly log: AlertStreamLog,
  ) {
    this.channel = `${config.QUEUE_PREFIX}:alert-events`;
  }

  async publish(event: AlertEvent): Promise<void> {
    // Unrecorded, the event still goes out live (a nurse should see it), only without an id.
    const id = await this.log.append(event).catch((error: Error) => {
      this.logger.warn(
        { err: { message: error.message }, alertId: event.alert.id },
        'alert event not recorded',
      );
      return undefined;
    });
    this.publisher ??= this.watch('publisher', createRedisClient(this.config, ONE_RETRY));
    const message = JSON.stringify(id ? { ...event, id } : event);
    await this.publisher.publish(this.channel, message).catch((error: Error) => {
      this.logger.warn(
        { err: { message: error.message }, alertId: event.alert.id },
        'publish failed',
      );
    });
  }

  /** Events of one tenant; the first call opens this process's subscription. */
  stream(tenantId: string): Observable<AlertEvent> {
    this.subscribe();
    return this.events.pipe(filter((event) => event.tenantId === tenantId));
  }

  /**
   * Whether this process is subscribed, waiting up to `waitMs` for it: false while Redis is
   * unreachable, so a new stream is refused (503) rather than opened deaf.
   */
  async ready(waitMs: number): Promise<boolean> {
    this.subscribe();
    if (this.subscribed) return true;
    return new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => {
        changes.unsubscribe();
        resolve(false);
      }, waitMs);
      const changes = this.subscriptionChanges.pipe(filter(Boolean)).subscribe(() => {
        clearTimeout(timer);
        changes.unsubscribe();
        resolve(true);
      });
    });
  }

  /**
   * Fires when this process's subscription drops (Redis went away): open streams can no longer
   * hear events, so they should end, and their boards resume once Redis is back.
   */
  subscriptionLost(): Observable<boolean> {
    return this.subscriptionChanges.pipe(filter((subscribed) => !subscribed));
  }

  /**
   * Opens the subscriber once. It subscribes on every (re)connection and never lets a failed
   * SUBSCRIBE go unhandled: Redis may be down when the first board opens its stream.
   */
  private subscribe(): void {
    if (this.subscriber) return;
    const subscriber = this.watch('subscriber', createRedisSubscriber(this.config, ONE_RETRY));
    subscriber.on('message', (_channel: string, message: string) => {
      try {
        this.events.next(JSON.parse(message) as AlertEvent);
      } catch {
        this.logger.warn('ignored a malformed alert event');
      }
    });
    subscriber.on('ready', () => {
      subscriber.subscribe(this.channel).then(
        () => this.setSubscribed(true),
        (error: Error) =>
          this.logger.debug({ err: { message: error.message } }, 'alert events subscribe failed'),
      );
    });
    subscriber.on('close', () => {
      if (this.subscribed) this.setSubscribed(false);
    });
    this.subscriber = subscriber;
  }

  private setSubscribed(subscribed: boolean): void {
    this.subscribed = subscribed;
    this.subscriptionChanges.next(subscribed);
  }

  private watch<C extends RedisClient>(role: string, client: C): C {
    client.on('error', (error: Error) =>
      this.logger.debug({ role, err: { message: error.message } }, 'alert events connection error'),
    );
    return client;
  }

  async onModuleDestroy(): Promise<void> {
    this.events.complete();
    this.subscriptionChanges.complete();
    await Promise.all([this.publisher, this.subscriber].map((client) => closeRedis(client)));
  }
}
