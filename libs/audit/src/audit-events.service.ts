import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { ActorRef, actorRefSql } from '@taperwatch/auth';
import { Page, ProblemException } from '@taperwatch/http';
import type { StoredAuditRow } from './audit-chain';
import { AuditTrail } from './audit-trail';

export interface AuditEventFilter {
  resourceType?: string;
  resourceId?: string;
  /** An API key id, a patient link id, a signed-in subject or the person named in X-Actor. */
  actor?: string;
  from?: Date;
  to?: Date;
  limit: number;
  cursor?: string;
}

/** One audit row as the API shows it. */
export interface AuditEventView {
  seq: string;
  occurredAt: string;
  /**
   * apiKeyId: the id the *_by columns hold for the caller (a key's, or a signed-in person's or
   * system's actors row); person: their subject, or else what X-Actor said; by: who that is.
   */
  actor: {
    apiKeyId: string | null;
    patientLinkId: string | null;
    person: string | null;
    by: ActorRef | null;
  };
  action: string;
  resource: { type: string; id: string | null };
  method: string;
  route: string;
  outcome: number;
  clientIp: string | null;
  requestId: string;
  prevHash: string;
  hash: string;
}

/** The trail's rows as listed: every column but the tenant, which the query filters on. */
type AuditRow = Omit<StoredAuditRow, 'tenant_id'> & { actor_ref: ActorRef | null };

const CURSOR = /^seq:(\d{1,19})$/;

function decodeSeqCursor(cursor: string | undefined): string | undefined {
  if (!cursor) return undefined;
  const match = CURSOR.exec(Buffer.from(cursor, 'base64url').toString('utf8'));
  if (!match) {
    throw ProblemException.validation([{ field: 'cursor', message: 'is not a valid cursor' }]);
  }
  return match[1];
}

function toView(row: AuditRow): AuditEventView {
  return {
    seq: row.seq,
    occurredAt: row.occurred_at.toISOString(),
    actor: {
      apiKeyId: row.actor_key_id,
      patientLinkId: row.actor_link_id,
      person: row.actor_person,
      by: row.actor_ref,
    },
    action: row.action,
    resource: { type: row.resource_type, id: row.resource_id },
    method: row.method,
    route: row.route,
    outcome: row.outcome,
    clientIp: row.client_ip,
    requestId: row.request_id,
    prevHash: row.prev_hash,
    hash: row.hash,
  };
}

/** Reads the tenant's audit trail, oldest first (a trail reads in the order it happened). */
@Injectable()
export class AuditEventsService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly trail: AuditTrail,
  ) {}

  async list(tenantId: string, filter: AuditEventFilter): Promise<Page<AuditEventView>> {
    const after = decodeSeqCursor(filter.cursor);
    // This process's own buffered rows first, so a caller reads what it just did.
    await this.trail.flush();
    const params: unknown[] = [tenantId];
    // A refused credential names no tenant: every tenant's admins see those attempts.
    const where = ['(tenant_id = $1 OR tenant_id IS NULL)'];
    const add = (sql: (p: string) => string, value: unknown) => {
      params.push(value);
      where.push(sql(`$${params.length}`));
    };
    if (filter.resourceType) add((p) => `resource_type = ${p}`, filter.resourceType);
    if (filter.resourceId) add((p) => `resource_id = ${p}`, filter.resourceId);
    if (filter.actor) {
      add(
        (p) => `(actor_key_id::text = ${p} OR actor_link_id::text = ${p} OR actor_person = ${p})`,
        filter.actor,
      );
    }
    if (filter.from) add((p) => `occurred_at >= ${p}`, filter.from);
    if (filter.to) add((p) => `occurred_at < ${p}`, filter.to);
    if (after) add((p) => `seq > ${p}::bigint`, after);
    params.push(filter.limit + 1);
    const rows = (await this.dataSource.query(
      `SELECT seq::text AS seq, occurred_at, actor_key_id, actor_link_id, actor_person,
              ${actorRefSql('COALESCE(actor_key_id, actor_link_id)')} AS actor_ref, action,
              resource_type, resource_id, method, route, outcome, client_ip, request_id,
              prev_hash, hash
       FROM audit_events WHERE ${where.join(' AND ')}
       ORDER BY audit_events.seq LIMIT $${params.length}`,
      params,
    )) as AuditRow[];
    const more = rows.length > filter.limit;
    const shown = more ? rows.slice(0, filter.limit) : rows;
    const last = shown[shown.length - 1];
    return {
      items: shown.map(toView),
      nextCursor: more && last ? Buffer.from(`seq:${last.seq}`).toString('base64url') : null,
    };
  }
}
