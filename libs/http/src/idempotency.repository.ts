import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { IdempotencyKeyEntity, countedQuery, preparedQuery } from '@taperwatch/persistence';

/** A key to claim: its row as first written, and when a held claim counts as abandoned. */
export interface IdempotencyClaimRow {
  apiKeyId: string;
  key: string;
  tenantId: string;
  method: string;
  path: string;
  requestHash: string;
  expiresAt: Date;
  now: Date;
  /** An unanswered claim of the same request older than this is taken over. */
  staleAfterSeconds: number;
}

/** The answer kept for a claimed key. */
export interface StoredAnswer {
  status: number;
  body: unknown;
  headers: Record<string, string>;
  completedAt: Date;
}

/**
 * Every statement on Idempotency-Keys (decision 0030). A claim and its answer are written for
 * every request that carries a key: named statements.
 */
@Injectable()
export class IdempotencyRepository {
  constructor(private readonly dataSource: DataSource) {}

  /**
   * Claims the key: a new row, or an expired row or an abandoned claim of the same request taken
   * over as if new. Whether it was claimed.
   */
  async claim(claim: IdempotencyClaimRow): Promise<boolean> {
    const claimed = await preparedQuery(
      this.dataSource.manager,
      'idempotency-claim',
      `INSERT INTO idempotency_keys
         (api_key_id, key, tenant_id, method, path, request_hash, expires_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7)
       ON CONFLICT (api_key_id, key) DO UPDATE SET created_at = now(),
         tenant_id = EXCLUDED.tenant_id, method = EXCLUDED.method, path = EXCLUDED.path,
         request_hash = EXCLUDED.request_hash, expires_at = EXCLUDED.expires_at,
         response_status = NULL, response_body = NULL, response_headers = NULL,
         completed_at = NULL
         WHERE idempotency_keys.expires_at <= $8
           OR (idempotency_keys.response_status IS NULL
             AND idempotency_keys.request_hash = EXCLUDED.request_hash
             AND idempotency_keys.created_at < now() - make_interval(secs => $9))
       RETURNING key`,
      [
        claim.apiKeyId,
        claim.key,
        claim.tenantId,
        claim.method,
        claim.path,
        claim.requestHash,
        claim.expiresAt,
        claim.now,
        claim.staleAfterSeconds,
      ],
    );
    return claimed.length > 0;
  }

  find(apiKeyId: string, key: string): Promise<IdempotencyKeyEntity | null> {
    return this.dataSource.getRepository(IdempotencyKeyEntity).findOneBy({ apiKeyId, key });
  }

  /** Frees the key for a retry. */
  async release(apiKeyId: string, key: string): Promise<void> {
    await this.dataSource.getRepository(IdempotencyKeyEntity).delete({ apiKeyId, key });
  }

  /** Keeps the answer a retry of the claimed key replays. */
  async complete(apiKeyId: string, key: string, answer: StoredAnswer): Promise<void> {
    // jsonb as TypeORM writes it: JSON text, and SQL NULL for a null body.
    await preparedQuery(
      this.dataSource.manager,
      'idempotency-complete',
      `UPDATE idempotency_keys
       SET response_status = $3, response_body = $4::jsonb, response_headers = $5::jsonb,
           completed_at = $6
       WHERE api_key_id = $1 AND key = $2`,
      [
        apiKeyId,
        key,
        answer.status,
        answer.body === null || answer.body === undefined ? null : JSON.stringify(answer.body),
        JSON.stringify(answer.headers),
        answer.completedAt,
      ],
    );
  }

  /** Deletes up to `limit` rows expired by `now`; the number deleted. */
  async purgeExpired(now: Date, limit: number): Promise<number> {
    const { count } = await countedQuery(
      this.dataSource.manager,
      `DELETE FROM idempotency_keys WHERE ctid IN (
         SELECT ctid FROM idempotency_keys WHERE expires_at <= $1 LIMIT $2)`,
      [now, limit],
    );
    return count;
  }
}
