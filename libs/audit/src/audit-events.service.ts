import { Injectable } from '@nestjs/common';
import { ActorRef } from '@taperwatch/auth';
import { Page, ProblemException } from '@taperwatch/http';
import { AuditRepository, AuditRow } from './audit.repository';
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
    private readonly repository: AuditRepository,
    private readonly trail: AuditTrail,
  ) {}

  async list(tenantId: string, filter: AuditEventFilter): Promise<Page<AuditEventView>> {
    const after = decodeSeqCursor(filter.cursor);
    // This process's own buffered rows first, so a caller reads what it just did.
    await this.trail.flush();
    const rows = await this.repository.list(tenantId, {
      resourceType: filter.resourceType,
      resourceId: filter.resourceId,
      actor: filter.actor,
      from: filter.from,
      to: filter.to,
      afterSeq: after,
      limit: filter.limit + 1,
    });
    const more = rows.length > filter.limit;
    const shown = more ? rows.slice(0, filter.limit) : rows;
    const last = shown[shown.length - 1];
    return {
      items: shown.map(toView),
      nextCursor: more && last ? Buffer.from(`seq:${last.seq}`).toString('base64url') : null,
    };
  }
}
