import { Inject, Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { APP_CONFIG, AppConfig } from '@taperwatch/config';
import { AuditFacts, ChainedAuditRow, GENESIS_HASH, extendChain } from './audit-chain';
import { auditRowsDropped, auditRowsWritten } from './audit-metrics';

/** One lock for the one chain: every process's flusher appends under it, in turn. */
const CHAIN_LOCK = 0x7461_7564_6974; // "taudit"

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
    private readonly dataSource: DataSource,
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
    await this.dataSource.transaction(async (manager) => {
      await manager.query('SELECT pg_advisory_xact_lock($1)', [CHAIN_LOCK]);
      const [last] = (await manager.query(
        'SELECT seq::text AS seq, hash FROM audit_events ORDER BY audit_events.seq DESC LIMIT 1',
      )) as { seq: string; hash: string }[];
      const rows = extendChain(last ?? { seq: '0', hash: GENESIS_HASH }, batch);
      await manager.query(INSERT_ROWS, columnsOf(rows));
    });
  }
}

const INSERT_ROWS = `
  INSERT INTO audit_events (seq, occurred_at, tenant_id, actor_key_id, actor_link_id, actor_person,
    action, resource_type, resource_id, method, route, outcome, client_ip, request_id, prev_hash, hash)
  SELECT * FROM unnest($1::bigint[], $2::timestamptz[], $3::uuid[], $4::uuid[], $5::uuid[],
    $6::text[], $7::text[], $8::text[], $9::text[], $10::text[], $11::text[], $12::smallint[],
    $13::text[], $14::text[], $15::text[], $16::text[])`;

function columnsOf(rows: ChainedAuditRow[]): unknown[][] {
  return [
    rows.map((r) => r.seq),
    rows.map((r) => r.occurredAt.toISOString()),
    rows.map((r) => r.tenantId),
    rows.map((r) => r.actorKeyId),
    rows.map((r) => r.actorLinkId),
    rows.map((r) => r.actorPerson),
    rows.map((r) => r.action),
    rows.map((r) => r.resourceType),
    rows.map((r) => r.resourceId),
    rows.map((r) => r.method),
    rows.map((r) => r.route),
    rows.map((r) => r.outcome),
    rows.map((r) => r.clientIp),
    rows.map((r) => r.requestId),
    rows.map((r) => r.prevHash),
    rows.map((r) => r.hash),
  ];
}
