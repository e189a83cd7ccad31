import { Inject, Injectable, Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import Redis from 'ioredis';
import { randomUUID } from 'node:crypto';
import { APP_CONFIG, AppConfig } from '@taperwatch/config';
import {
  RedisClient,
  closeRedis,
  createRedisClient,
  createRedisSubscriber,
} from '@taperwatch/queues';

type RevokedListener = (keyId: string) => void;

interface RevocationMessage {
  keyId: string;
  /** The process that revoked it, which has told its own listeners already. */
  origin: string;
}

/**
 * Tells every API process at once that a key was revoked, over Redis pub/sub on a dedicated
 * subscriber connection. Pub/sub keeps nothing for a disconnected subscriber, so while this
 * process is not subscribed it says so (`live` false) and reports each loss and recovery of the
 * subscription (`onMissed`): the key cache then keeps keys only briefly, and revocation can never
 * be missed for long. Messages hold key ids only.
 */
@Injectable()
export class KeyRevocations implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger(KeyRevocations.name);
  private readonly channel: string;
  private readonly origin = randomUUID();
  private readonly listeners = new Set<RevokedListener>();
  private readonly missedListeners = new Set<() => void>();
  private subscriber?: Redis;
  private publisher?: RedisClient;
  private subscribed = false;
  private closing = false;

  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {
    this.channel = `${config.QUEUE_PREFIX}:api-key-revocations`;
  }

  /** Whether revocations from other processes reach this one right now. */
  get live(): boolean {
    return this.subscribed;
  }

  /**
   * Calls `listener` in this process for each key revoked in any process (once per key and
   * process). Returns the function that removes it.
   */
  onRevoked(listener: RevokedListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Calls `listener` whenever revocations may have been missed: subscription lost or regained. */
  onMissed(listener: () => void): () => void {
    this.missedListeners.add(listener);
    return () => this.missedListeners.delete(listener);
  }

  /**
   * After a key's revocation is committed: this process's listeners at once, then every other
   * process. A failed publish is logged, not thrown: the revocation stands in Postgres, and other
   * processes stop trusting their cached copy within KEY_CACHE_TTL_MS.
   */
  async announce(keyId: string): Promise<void> {
    this.deliver(keyId);
    this.publisher ??= this.watch(
      'publisher',
      createRedisClient(this.config, { maxRetriesPerRequest: 1 }),
    );
    const message: RevocationMessage = { keyId, origin: this.origin };
    await this.publisher.publish(this.channel, JSON.stringify(message)).catch((error: Error) => {
      this.logger.warn({ err: { message: error.message }, keyId }, 'revocation publish failed');
    });
  }

  onModuleInit(): void {
    const subscriber = this.watch(
      'subscriber',
      createRedisSubscriber(this.config, { maxRetriesPerRequest: 1, autoResubscribe: false }),
    );
    subscriber.on('message', (_channel: string, raw: string) => this.receive(raw));
    // Subscribed again after each (re)connection ourselves, so `live` is true only once the
    // subscription is in place.
    subscriber.on('ready', () => {
      subscriber.subscribe(this.channel).then(
        () => this.setSubscribed(true),
        (error: Error) =>
          this.logger.warn({ err: { message: error.message } }, 'revocation subscribe failed'),
      );
    });
    subscriber.on('close', () => this.setSubscribed(false));
    this.subscriber = subscriber;
  }

  async onModuleDestroy(): Promise<void> {
    this.closing = true;
    await Promise.all([this.subscriber, this.publisher].map((client) => closeRedis(client)));
  }

  private receive(raw: string): void {
    let message: RevocationMessage;
    try {
      message = JSON.parse(raw) as RevocationMessage;
    } catch {
      this.logger.warn('ignored a malformed revocation message');
      return;
    }
    if (typeof message.keyId !== 'string' || message.origin === this.origin) return;
    this.deliver(message.keyId);
  }

  private deliver(keyId: string): void {
    for (const listener of this.listeners) {
      try {
        listener(keyId);
      } catch (error) {
        this.logger.error({ err: { message: (error as Error).message } }, 'revocation listener');
      }
    }
  }

  private setSubscribed(subscribed: boolean): void {
    if (this.subscribed === subscribed || this.closing) return;
    this.subscribed = subscribed;
    if (!subscribed) this.logger.warn('revocation subscriber disconnected: short key cache');
    for (const listener of this.missedListeners) listener();
  }

  private watch<C extends RedisClient>(role: string, client: C): C {
    client.on('error', (error: Error) =>
      this.logger.debug({ role, err: { message: error.message } }, 'revocations connection error'),
    );
    return client;
  }
}
