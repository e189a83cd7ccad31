import {
  BeforeApplicationShutdown,
  Inject,
  Injectable,
  Logger,
  OnModuleInit,
} from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '@taperwatch/config';
import { ApiKeysRepository } from './api-keys.repository';

/**
 * Keys' lastUsedAt without a write per request: each use is a Map entry in memory, and every
 * KEY_LAST_USED_INTERVAL_MS one UPDATE writes the latest use of every key used since, so a key is
 * written at most once an interval by each process. A crash loses at most one interval of it.
 */
@Injectable()
export class KeyUsage implements OnModuleInit, BeforeApplicationShutdown {
  private readonly logger = new Logger(KeyUsage.name);
  private pending = new Map<string, number>();
  private timer?: NodeJS.Timeout;
  private flushing: Promise<void> = Promise.resolve();

  constructor(
    private readonly keys: ApiKeysRepository,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** Notes a use of the key at `atMs`; nothing is written until the next flush. */
  touch(keyId: string, atMs: number): void {
    this.pending.set(keyId, atMs);
  }

  /** Writes what is pending in one statement; callers that list keys flush first. */
  flush(): Promise<void> {
    this.flushing = this.flushing.then(() => this.write());
    return this.flushing;
  }

  onModuleInit(): void {
    this.timer = setInterval(() => void this.flush(), this.config.KEY_LAST_USED_INTERVAL_MS);
    this.timer.unref();
  }

  async beforeApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await this.flush();
  }

  private async write(): Promise<void> {
    if (this.pending.size === 0) return;
    const batch = this.pending;
    this.pending = new Map();
    try {
      await this.keys.writeLastUsed(batch);
    } catch (error) {
      // Kept for the next flush unless a newer use replaced it meanwhile.
      for (const [keyId, at] of batch) if (!this.pending.has(keyId)) this.pending.set(keyId, at);
      this.logger.warn({ err: { message: (error as Error).message } }, 'lastUsedAt write failed');
    }
  }
}
