import type { ChainedAuditRow } from './audit-chain';

/**
 * The audit trail's chain statements: shared by the writer (AuditRepository) and the verifier
 * (`npm run audit:verify`, which runs them on a pg client of its own).
 */

/** One lock for the one chain: every process's flusher appends under it, in turn. */
export const CHAIN_LOCK = 0x7461_7564_6974; // "taudit"

export const LOCK_CHAIN_SQL = 'SELECT pg_advisory_xact_lock($1)';

/** The chain's last row: where the next batch is placed. */
export const LAST_LINK_SQL =
  'SELECT seq::text AS seq, hash FROM audit_events ORDER BY audit_events.seq DESC LIMIT 1';

/** The chain in order from after seq $1, $2 rows at most (StoredAuditRow). */
export const CHAIN_BATCH_SQL = `
  SELECT seq::text AS seq, occurred_at, tenant_id, actor_key_id, actor_link_id, actor_person,
         action, resource_type, resource_id, method, route, outcome, client_ip, request_id,
         prev_hash, hash
  FROM audit_events WHERE seq > $1::bigint ORDER BY audit_events.seq LIMIT $2`;

/** Appends chained rows in one statement: one array per column (insertParams). */
export const INSERT_ROWS_SQL = `
  INSERT INTO audit_events (seq, occurred_at, tenant_id, actor_key_id, actor_link_id, actor_person,
    action, resource_type, resource_id, method, route, outcome, client_ip, request_id, prev_hash, hash)
  SELECT * FROM unnest($1::bigint[], $2::timestamptz[], $3::uuid[], $4::uuid[], $5::uuid[],
    $6::text[], $7::text[], $8::text[], $9::text[], $10::text[], $11::text[], $12::smallint[],
    $13::text[], $14::text[], $15::text[], $16::text[])`;

/** INSERT_ROWS_SQL's parameters: the rows' columns, each as an array. */
export function insertParams(rows: readonly ChainedAuditRow[]): unknown[][] {
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
