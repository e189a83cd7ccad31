import { ChainedAuditRow, GENESIS_HASH, StoredAuditRow, chainBreak } from './audit-chain';
import { CHAIN_BATCH_SQL } from './audit.sql';

/** Runs one query and returns its rows (a pg Client's, a DataSource's). */
export type RunQuery = (sql: string, params: unknown[]) => Promise<unknown[]>;

export type ChainVerdict =
  /** lastHash: the head of the chain, worth keeping outside the database to anchor it. */
  | { ok: true; rows: number; lastHash: string }
  | { ok: false; rows: number; seq: string; reason: string };

const BATCH = 5000;

function chained(row: StoredAuditRow): ChainedAuditRow {
  return {
    seq: row.seq,
    occurredAt: row.occurred_at,
    tenantId: row.tenant_id,
    actorKeyId: row.actor_key_id,
    actorLinkId: row.actor_link_id,
    actorPerson: row.actor_person,
    action: row.action,
    resourceType: row.resource_type,
    resourceId: row.resource_id,
    method: row.method,
    route: row.route,
    outcome: row.outcome,
    clientIp: row.client_ip,
    requestId: row.request_id,
    prevHash: row.prev_hash,
    hash: row.hash,
  };
}

/**
 * Walks the whole chain from its first row, a batch at a time, and names the first row that
 * does not follow from the one before: a gap, a broken link, or contents changed since hashed.
 */
export async function verifyAuditChain(query: RunQuery): Promise<ChainVerdict> {
  let previous = { seq: '0', hash: GENESIS_HASH };
  let rows = 0;
  for (;;) {
    const batch = (await query(CHAIN_BATCH_SQL, [previous.seq, BATCH])) as StoredAuditRow[];
    for (const stored of batch) {
      const row = chained(stored);
      const reason = chainBreak(previous, row);
      if (reason) return { ok: false, rows, seq: row.seq, reason };
      previous = row;
      rows += 1;
    }
    if (batch.length < BATCH) return { ok: true, rows, lastHash: previous.hash };
  }
}
