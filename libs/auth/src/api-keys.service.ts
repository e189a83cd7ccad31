import { Inject, Injectable } from '@nestjs/common';
import { createHash, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
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

export function hashKey(key: string): string {
  return createHash('sha256').update(key).digest('hex');
}

@Injectable()
export class ApiKeysService {
  private readonly bootstrapKey?: Buffer;

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
    return (result.affected ?? 0) > 0;
  }

  async authenticate(presented: string): Promise<Principal | undefined> {
    if (this.isBootstrapKey(presented)) {
      return new Principal(BOOTSTRAP_KEY_ID, DEFAULT_TENANT_ID, 'admin', []);
    }
    const row = await this.dataSource
      .getRepository(ApiKeyEntity)
      .findOne({ where: { keyHash: hashKey(presented), revokedAt: IsNull() } });
    return row ? new Principal(row.id, row.tenantId, row.role, row.unitIds) : undefined;
  }

  private isBootstrapKey(presented: string): boolean {
    if (!this.bootstrapKey) return false;
    const candidate = Buffer.from(presented);
    return (
      candidate.length === this.bootstrapKey.length && timingSafeEqual(candidate, this.bootstrapKey)
    );
  }
}
