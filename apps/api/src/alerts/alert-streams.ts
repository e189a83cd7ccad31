import { Inject, Injectable, OnModuleDestroy } from '@nestjs/common';
import { Subscription } from 'rxjs';
import { AlertEvents } from '@taperwatch/alerts';
import { KeyRevocations } from '@taperwatch/auth';
import { APP_CONFIG, AppConfig } from '@taperwatch/config';
import { ProblemException } from '@taperwatch/http';

/** One open stream: how to end it. */
export interface OpenStream {
  end: () => void;
}

/** A key with its fill of streams is told to come back after this many seconds. */
const FULL_RETRY_AFTER_SECONDS = '15';

/**
 * The open SSE streams of this process, by API key: at most ALERT_STREAMS_PER_KEY each, so one
 * key cannot hold every connection; shutdown ends them all, and a revoked key's at once. When
 * the Redis subscription drops they are all ended too: a stream that hears nothing must not look
 * live, and each board reconnects (503 until Redis is back) and resumes with Last-Event-ID.
 */
@Injectable()
export class AlertStreams implements OnModuleDestroy {
  private readonly byKey = new Map<string, Set<OpenStream>>();
  private readonly lost: Subscription;
  private readonly forgetRevocations: () => void;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    events: AlertEvents,
    revocations: KeyRevocations,
  ) {
    this.lost = events.subscriptionLost().subscribe(() => this.endAll());
    // Revocation is heard in every API process, so a revoked key's streams end everywhere.
    this.forgetRevocations = revocations.onRevoked((keyId) => this.closeKey(keyId));
  }

  onModuleDestroy(): void {
    this.lost.unsubscribe();
    this.forgetRevocations();
  }

  /** Registers a stream of the key, or throws 429 when the key already has its fill. */
  add(keyId: string, stream: OpenStream): () => void {
    const streams = this.byKey.get(keyId) ?? new Set<OpenStream>();
    if (streams.size >= this.config.ALERT_STREAMS_PER_KEY) {
      const problem = ProblemException.of(
        429,
        `This API key already has ${streams.size} open alert streams; close one first`,
      );
      throw new ProblemException(problem.problem, { 'retry-after': FULL_RETRY_AFTER_SECONDS });
    }
    streams.add(stream);
    this.byKey.set(keyId, streams);
    return () => {
      streams.delete(stream);
      if (streams.size === 0 && this.byKey.get(keyId) === streams) this.byKey.delete(keyId);
    };
  }

  count(keyId: string): number {
    return this.byKey.get(keyId)?.size ?? 0;
  }

  /** Ends every open stream of one key (it was revoked). */
  closeKey(keyId: string): void {
    const streams = this.byKey.get(keyId);
    if (!streams) return;
    this.byKey.delete(keyId);
    for (const stream of streams) stream.end();
  }

  endAll(): void {
    const all = [...this.byKey.values()];
    this.byKey.clear();
    for (const streams of all) for (const stream of streams) stream.end();
  }
}
