import { Inject, Injectable } from '@nestjs/common';
import { LRUCache } from 'lru-cache';
import { hash, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import { DataSource, IsNull } from 'typeorm';
import { APP_CONFIG, AppConfig } from '@taperwatch/config';
import { ApiKeyEntity, DEFAULT_TENANT_ID, Role } from '@taperwatch/persistence';
import { BOOTSTRAP_KEY_ID, Principal } from './principal';

export interface CreatedApiKey {
  id: string;
  name: string;
  role: Role;
  unitIds: string[];
  key: string;
  createdAt: string;
}

/** SHA-256 of the key, hex: what api_keys stores. One-shot hash: every request pays for it. */
export function hashKey(key: string): string {
  return hash('sha256', key, 'hex');
}

/**
 * Authenticated keys are remembered briefly so a request costs one database round trip, not
 * two. A revocation clears this process's cache at once; other processes stop accepting the
 * key within KEY_CACHE_TTL_MS.
 */
export const KEY_CACHE_TTL_MS = 10_000;

@Injectable()
export class ApiKeysService {
  private readonly bootstrapKey?: Buffer;
  private readonly cache = new LRUCache<string, Principal>({ max: 10_000, ttl: KEY_CACHE_TTL_MS });

  constructor(
    private readonly dataSource: DataSource,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    if (config.BOOTSTRAP_ADMIN_KEY) this.bootstrapKey = Buffer.from(config.BOOTSTRAP_ADMIN_KEY);
  }

  /** The key is returned here once; only its hash is stored. */
  async create(
    tenantId: string,
    name: string,
    role: Role,
    unitIds: string[],
  ): Promise<CreatedApiKey> {
    const key = `tw_${randomBytes(32).toString('base64url')}`;
    const row: Partial<ApiKeyEntity> = {
      id: randomUUID(),
      tenantId,
      name,
      role,
      unitIds: [...new Set(unitIds)],
      keyHash: hashKey(key),
    };
    const inserted = await this.dataSource
      .getRepository(ApiKeyEntity)
      .createQueryBuilder()
      .insert()
      .values(row)
      .returning(['created_at'])
      .execute();
    const createdAt = (inserted.raw[0] as { created_at: Date }).created_at;
    return {
      id: row.id!,
      name,
      role,
      unitIds: row.unitIds!,
      key,
      createdAt: createdAt.toISOString(),
    };
  }

  /** Revokes a key of the tenant; false when there is no such live key. */
  async revoke(tenantId: string, id: string): Promise<boolean> {
    const result = await this.dataSource
      .getRepository(ApiKeyEntity)
      .update({ id, tenantId, revokedAt: IsNull() }, { revokedAt: new Date() });
    this.cache.clear();
    return (result.affected ?? 0) > 0;
  }

  async authenticate(presented: string): Promise<Principal | undefined> {
    if (this.isBootstrapKey(presented)) {
      return new Principal(BOOTSTRAP_KEY_ID, DEFAULT_TENANT_ID, 'admin', []);
    }
    const keyHash = hashKey(presented);
    const cached = this.cache.get(keyHash);
    if (cached) return cached;
    const [row] = (await this.dataSource.query(
      `SELECT id, tenant_id, role, unit_ids FROM api_keys WHERE key_hash = $1 AND revoked_at IS NULL`,
      [keyHash],
    )) as { id: string; tenant_id: string; role: Role; unit_ids: string[] }[];
    if (!row) return undefined;
    const principal = new Principal(row.id, row.tenant_id, row.role, row.unit_ids);
    this.cache.set(keyHash, principal);
    return principal;
  }

  private isBootstrapKey(presented: string): boolean {
    // timingSafeEqual needs equal lengths; checking the length without a copy spares every
    // request that carries an ordinary key a buffer allocation.
    if (!this.bootstrapKey || Buffer.byteLength(presented) !== this.bootstrapKey.length) {
      return false;
    }
    const candidate = Buffer.from(presented);
    return timingSafeEqual(candidate, this.bootstrapKey);
  }
}
