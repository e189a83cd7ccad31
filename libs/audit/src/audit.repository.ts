import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { ActorRef, actorRefSql } from '@taperwatch/auth';
import type { ChainedAuditRow, StoredAuditRow } from './audit-chain';
import {
  CHAIN_LOCK,
  INSERT_ROWS_SQL,
  LAST_LINK_SQL,
  LOCK_CHAIN_SQL,
  insertParams,
} from './audit.sql';

/** The trail's rows as listed: every column but the tenant, which the query filters on. */
export type AuditRow = Omit<StoredAuditRow, 'tenant_id'> & { actor_ref: ActorRef | null };

/** What a read of the trail is narrowed by, besides the caller's tenant. */
export interface AuditRowFilter {
  resourceType?: string;
  resourceId?: string;
  /** An API key id, a patient link id, or a person (a signed-in subject or X-Actor). */
  actor?: string;
  from?: Date;
  to?: Date;
  /** Rows after this seq only. */
  afterSeq?: string;
  limit: number;
}

/** Every statement on the audit trail (decision 0030): the chain's appends and its reads. */
@Injectable()
export class AuditRepository {
  constructor(private readonly dataSource: DataSource) {}

  transaction<T>(work: (manager: EntityManager) => Promise<T>): Promise<T> {
    return this.dataSource.transaction(work);
  }

  /** Takes the chain's lock until the transaction ends: appends are placed one at a time. */
  async lockChain(manager: EntityManager): Promise<void> {
    await manager.query(LOCK_CHAIN_SQL, [CHAIN_LOCK]);
  }

  /** The chain's last row, or undefined while it is empty. */
  async lastLink(manager: EntityManager): Promise<{ seq: string; hash: string } | undefined> {
    const [last] = (await manager.query(LAST_LINK_SQL)) as { seq: string; hash: string }[];
    return last;
  }

  async insert(manager: EntityManager, rows: readonly ChainedAuditRow[]): Promise<void> {
    await manager.query(INSERT_ROWS_SQL, insertParams(rows));
  }

  /** The tenant's rows (and those naming no tenant), oldest first, `limit` at most. */
  list(tenantId: string, filter: AuditRowFilter): Promise<AuditRow[]> {
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
    if (filter.afterSeq) add((p) => `seq > ${p}::bigint`, filter.afterSeq);
    params.push(filter.limit);
    return this.dataSource.query(
      `SELECT seq::text AS seq, occurred_at, actor_key_id, actor_link_id, actor_person,
              ${actorRefSql('COALESCE(actor_key_id, actor_link_id)')} AS actor_ref, action,
              resource_type, resource_id, method, route, outcome, client_ip, request_id,
              prev_hash, hash
       FROM audit_events WHERE ${where.join(' AND ')}
       ORDER BY audit_events.seq LIMIT $${params.length}`,
      params,
    );
  }
}
