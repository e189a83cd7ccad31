import { createHash } from 'node:crypto';

/** The hash before the first row. */
export const GENESIS_HASH = '0'.repeat(64);

/** What one audit row says, before the chain places it. */
export interface AuditFacts {
  occurredAt: Date;
  tenantId: string | null;
  actorKeyId: string | null;
  actorLinkId: string | null;
  actorPerson: string | null;
  action: string;
  resourceType: string;
  resourceId: string | null;
  method: string;
  route: string;
  outcome: number;
  clientIp: string | null;
  requestId: string;
}

/** An audit_events row as Postgres returns it (seq read as text: it is a bigint). */
export interface StoredAuditRow {
  seq: string;
  occurred_at: Date;
  tenant_id: string | null;
  actor_key_id: string | null;
  actor_link_id: string | null;
  actor_person: string | null;
  action: string;
  resource_type: string;
  resource_id: string | null;
  method: string;
  route: string;
  outcome: number;
  client_ip: string | null;
  request_id: string;
  prev_hash: string;
  hash: string;
}

/** A row as stored: its facts, its place in the chain and the hashes that bind it there. */
export interface ChainedAuditRow extends AuditFacts {
  seq: string;
  prevHash: string;
  hash: string;
}

/**
 * The canonical encoding: a JSON array in a fixed order (no key order to disagree about), seq
 * as a decimal string and the time as ISO 8601 to the millisecond, as the column keeps it.
 */
export function canonicalEncoding(seq: string, facts: AuditFacts): string {
  return JSON.stringify([
    seq,
    facts.occurredAt.toISOString(),
    facts.tenantId,
    facts.actorKeyId,
    facts.actorLinkId,
    facts.actorPerson,
    facts.action,
    facts.resourceType,
    facts.resourceId,
    facts.method,
    facts.route,
    facts.outcome,
    facts.clientIp,
    facts.requestId,
  ]);
}

/** sha256 over the previous hash and the row's canonical encoding. */
export function chainHash(prevHash: string, seq: string, facts: AuditFacts): string {
  return createHash('sha256')
    .update(prevHash)
    .update('\n')
    .update(canonicalEncoding(seq, facts))
    .digest('hex');
}

/** Places rows after (lastSeq, lastHash): consecutive seqs, each hash binding the one before. */
export function extendChain(
  last: { seq: string; hash: string },
  rows: readonly AuditFacts[],
): ChainedAuditRow[] {
  let seq = BigInt(last.seq);
  let prevHash = last.hash;
  return rows.map((facts) => {
    seq += 1n;
    const placed = String(seq);
    const hash = chainHash(prevHash, placed, facts);
    const row = { ...facts, seq: placed, prevHash, hash };
    prevHash = hash;
    return row;
  });
}

/** Why a row breaks the chain, or undefined when it follows `previous` as it should. */
export function chainBreak(
  previous: { seq: string; hash: string },
  row: ChainedAuditRow,
): string | undefined {
  if (BigInt(row.seq) !== BigInt(previous.seq) + 1n) {
    return `a row is missing before it (the previous seq is ${previous.seq})`;
  }
  if (row.prevHash !== previous.hash) {
    return 'its prev_hash is not the hash of the row before';
  }
  if (row.hash !== chainHash(row.prevHash, row.seq, row)) {
    return 'its contents do not match its hash';
  }
  return undefined;
}
