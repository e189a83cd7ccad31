import { Inject, Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '@taperwatch/config';
import { AuditFacts, GENESIS_HASH, extendChain } from './audit-chain';
import { auditRowsDropped, auditRowsWritten } from './audit-metrics';
import { AuditRepository } from './audit.repository';

/**
 * The audit trail's writer. Recording is a push onto an in-process buffer (a read's whole cost);
 * the buffer is appended to the chain in one INSERT every AUDIT_FLUSH_INTERVAL_MS or
 * AUDIT_FLUSH_ROWS rows, and on shutdown. A crash loses at most the rows of one interval
 * (docs/decisions/0022-audit-trail.md).
 */
@Injectable()
export class AuditTrail implements OnApplicationShutdown {
  private readonly logger = new Logger(AuditTrail.name);
  private pending: AuditFacts[] = [];
  private timer: NodeJS.Timeout | undefined;
  private tail: Promise<void> = Promise.resolve();
  /** A write is queued or under way: it takes the rows recorded meanwhile, or re-arms for them. */
  private busy = false;

  constructor(
    private readonly repository: AuditRepository,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  record(facts: AuditFacts): void {
    this.pending.push(facts);
    if (this.pending.length > this.config.AUDIT_BUFFER_MAX_ROWS) {
      const over = this.pending.length - this.config.AUDIT_BUFFER_MAX_ROWS;
      this.pending.splice(0, over);
      auditRowsDropped.inc(over);
    }
    // One write at a time: a write per arriving row while one is under way would turn the
    // batches back into a transaction per request.
    if (this.busy) return;
    if (this.pending.length >= this.config.AUDIT_FLUSH_ROWS) void this.write();
    else this.arm();
  }

  /** Resolves once every row recorded before the call is in the chain (or failed, and is kept). */
  flush(): Promise<void> {
    return this.write();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.flush();
  }

  private arm(): void {
    this.timer ??= setTimeout(() => {
      this.timer = undefined;
      void this.write();
    }, this.config.AUDIT_FLUSH_INTERVAL_MS).unref();
  }

  /** Queues a write of the rows waiting when it starts (and of full batches arriving meanwhile). */
  private write(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.busy = true;
    this.tail = this.tail.then(async () => {
      try {
        await this.writeBatches();
      } finally {
        this.busy = false;
        if (this.pending.length > 0) this.arm();
      }
    });
    return this.tail;
  }

  private async writeBatches(): Promise<void> {
    // Rows arriving during the writes wait for a full batch or the timer, so a busy API keeps
    // writing batches, not a stream of small transactions.
    let owed = this.pending.length;
    while (owed > 0 || this.pending.length >= this.config.AUDIT_FLUSH_ROWS) {
      const batch = this.pending.splice(0, this.config.AUDIT_FLUSH_ROWS);
      owed -= batch.length;
      try {
        await this.append(batch);
        auditRowsWritten.inc(batch.length);
      } catch (error) {
        // Kept for the next attempt, in order; the timer retries while the database is away.
        this.pending.unshift(...batch);
        this.logger.error({ err: error }, 'audit append failed');
        return;
      }
    }
  }

  /** Under the chain lock: read the last row, place the batch after it, one INSERT. */
  private async append(batch: AuditFacts[]): Promise<void> {
    await this.repository.transaction(async (manager) => {
      await this.repository.lockChain(manager);
      const last = await this.repository.lastLink(manager);
      const rows = extendChain(last ?? { seq: '0', hash: GENESIS_HASH }, batch);
      await this.repository.insert(manager, rows);
    });
  }
}
