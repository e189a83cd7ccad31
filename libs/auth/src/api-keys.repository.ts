import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { Role, countedQuery, preparedQuery } from '@taperwatch/persistence';
import { actorRefSql } from './actor-ref.sql';
import type { ActorRef } from './principal';

/** A key as its view reads it (API_KEY_VIEW_COLUMNS). */
export interface ApiKeyRow {
  id: string;
  name: string;
  role: Role;
  unit_ids: string[];
  created_at: Date;
  created_by: ActorRef | null;
  expires_at: Date | null;
  revoked_at: Date | null;
  last_used_at: Date | null;
}

/** What authenticating a key reads of it. */
export interface LiveKeyRow {
  id: string;
  name: string;
  tenant_id: string;
  role: Role;
  unit_ids: string[];
  expires_at: Date | null;
}

/** A key to store: only its hash, never the key. */
export interface NewApiKey {
  id: string;
  tenantId: string;
  name: string;
  role: Role;
  unitIds: string[];
  keyHash: string;
  /** The issuing key's id; null for the bootstrap admin key, which has no row. */
  createdBy: string | null;
  expiresAt: Date | null;
}

/** The key columns a view reads (checked against the entity by test/data-access.e2e-spec.ts). */
export const API_KEY_VIEW_COLUMNS = `id, name, role, unit_ids, created_at, ${actorRefSql('created_by')} AS created_by,
  expires_at, revoked_at, last_used_at`;

/**
 * Every statement on API keys (decision 0030). The look-up by hash runs on every request whose
 * key is not cached: a named statement.
 */
@Injectable()
export class ApiKeysRepository {
  constructor(private readonly dataSource: DataSource) {}

  async insert(key: NewApiKey): Promise<ApiKeyRow> {
    const [row] = (await this.dataSource.query(
      `INSERT INTO api_keys (id, tenant_id, name, role, unit_ids, key_hash, created_by, expires_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
       RETURNING ${API_KEY_VIEW_COLUMNS}`,
      [
        key.id,
        key.tenantId,
        key.name,
        key.role,
        key.unitIds,
        key.keyHash,
        key.createdBy,
        key.expiresAt,
      ],
    )) as ApiKeyRow[];
    return row!;
  }

  /**
   * The tenant's keys, newest first, from after the cursor on: with `units`, only those naming
   * units, all of them among `units`.
   */
  list(
    tenantId: string,
    units: readonly string[] | undefined,
    after: { createdAt: Date; id: string } | undefined,
    limit: number,
  ): Promise<ApiKeyRow[]> {
    return this.dataSource.query(
      `SELECT ${API_KEY_VIEW_COLUMNS} FROM api_keys
       WHERE tenant_id = $1
         AND ($2::text[] IS NULL OR (cardinality(unit_ids) > 0 AND unit_ids <@ $2::text[]))
         AND ($3::timestamptz IS NULL OR (created_at, id) < ($3, $4::uuid))
       ORDER BY created_at DESC, id DESC
       LIMIT $5`,
      [tenantId, units ?? null, after?.createdAt ?? null, after?.id ?? null, limit],
    );
  }

  /** The units of the tenant's live (unrevoked) key, or undefined when there is no such key. */
  async liveKeyUnits(tenantId: string, id: string): Promise<string[] | undefined> {
    const [row] = (await this.dataSource.query(
      `SELECT unit_ids FROM api_keys WHERE id = $1 AND tenant_id = $2 AND revoked_at IS NULL`,
      [id, tenantId],
    )) as { unit_ids: string[] }[];
    return row?.unit_ids;
  }

  /** Revokes the tenant's key at `at` if it is live; whether it was. */
  async revoke(tenantId: string, id: string, at: Date): Promise<boolean> {
    const { count } = await countedQuery(
      this.dataSource.manager,
      `UPDATE api_keys SET revoked_at = $3 WHERE id = $1 AND tenant_id = $2 AND revoked_at IS NULL`,
      [id, tenantId, at],
    );
    return count > 0;
  }

  /** The key with this hash, unless revoked or expired at `now`. */
  async findLive(keyHash: string, now: Date): Promise<LiveKeyRow | undefined> {
    const [row] = await preparedQuery<LiveKeyRow>(
      this.dataSource.manager,
      'api-key-by-hash',
      `SELECT id, name, tenant_id, role, unit_ids, expires_at FROM api_keys
       WHERE key_hash = $1 AND revoked_at IS NULL AND (expires_at IS NULL OR expires_at > $2)`,
      [keyHash, now],
    );
    return row;
  }

  /** Writes each key's latest use (ms since the epoch), keeping a later one already stored. */
  async writeLastUsed(uses: ReadonlyMap<string, number>): Promise<void> {
    await this.dataSource.query(
      `UPDATE api_keys k SET last_used_at = GREATEST(k.last_used_at, u.at)
       FROM unnest($1::uuid[], $2::timestamptz[]) AS u(id, at)
       WHERE k.id = u.id`,
      [[...uses.keys()], [...uses.values()].map((at) => new Date(at))],
    );
  }
}
