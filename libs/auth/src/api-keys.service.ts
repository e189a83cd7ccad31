import { Inject, Injectable } from '@nestjs/common';
import { LRUCache } from 'lru-cache';
import { hash, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import { Clock } from '@taperwatch/common';
import { APP_CONFIG, AppConfig } from '@taperwatch/config';
import { DEFAULT_TENANT_ID, Role } from '@taperwatch/persistence';
import { Page, PageQuery, decodeCursor, toPage, DEFAULT_PAGE_SIZE } from '@taperwatch/http';
import { KeyRequest, assertMayIssueKey, mayManageKeyOf } from './key-issuing';
import { KeyRevocations } from './key-revocations';
import { KeyUsage } from './key-usage';
import { BOOTSTRAP_KEY_NAME } from './actor-ref.sql';
import { ApiKeyRow, ApiKeysRepository } from './api-keys.repository';
import { ActorRef, BOOTSTRAP_KEY_ID, Principal } from './principal';

const BOOTSTRAP_ACTOR: ActorRef = {
  type: 'api_key',
  id: BOOTSTRAP_KEY_ID,
  name: BOOTSTRAP_KEY_NAME,
};

/** A key as admins see it: never its secret or hash. */
export interface ApiKeyView {
  id: string;
  name: string;
  role: Role;
  unitIds: string[];
  createdAt: string;
  /** Who issued it; null for keys the bootstrap admin key issued. */
  createdBy: ActorRef | null;
  expiresAt: string | null;
  revokedAt: string | null;
  /** Coarse: written at most once a KEY_LAST_USED_INTERVAL_MS by each API process. */
  lastUsedAt: string | null;
}

export interface CreatedApiKey extends ApiKeyView {
  /** Shown once; only its SHA-256 is stored. */
  key: string;
}

/** SHA-256 of the key, hex: what api_keys stores. One-shot hash: every request pays for it. */
export function hashKey(key: string): string {
  return hash('sha256', key, 'hex');
}

interface CachedKey {
  principal: Principal;
  expiresAt: number | undefined;
}

/**
 * Authenticated keys are remembered so a request costs one database round trip, not two. A
 * revocation reaches every process at once (KeyRevocations) and evicts the key there; while this
 * process is not subscribed to revocations, keys are remembered for KEY_CACHE_DEGRADED_TTL_MS
 * only.
 */
@Injectable()
export class ApiKeysService {
  private readonly bootstrapKey?: Buffer;
  private readonly cache: LRUCache<string, CachedKey>;
  /** Bumped by every eviction, so a look-up that raced a revocation is not cached. */
  private generation = 0;

  constructor(
    private readonly repository: ApiKeysRepository,
    private readonly clock: Clock,
    private readonly revocations: KeyRevocations,
    private readonly usage: KeyUsage,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {
    if (config.BOOTSTRAP_ADMIN_KEY) this.bootstrapKey = Buffer.from(config.BOOTSTRAP_ADMIN_KEY);
    this.cache = new LRUCache({ max: 10_000, ttl: Math.max(1, config.KEY_CACHE_TTL_MS) });
    revocations.onRevoked((keyId) => this.evict(keyId));
    revocations.onMissed(() => this.evictAll());
  }

  /** The key is returned here once; only its hash is stored. */
  async create(creator: Principal, name: string, request: KeyRequest): Promise<CreatedApiKey> {
    assertMayIssueKey(creator, request, this.clock.now());
    const key = `tw_${randomBytes(32).toString('base64url')}`;
    const row = await this.repository.insert({
      id: randomUUID(),
      tenantId: creator.tenantId,
      name,
      role: request.role,
      unitIds: [...new Set(request.unitIds)],
      keyHash: hashKey(key),
      createdBy: creator.keyId === BOOTSTRAP_KEY_ID ? null : creator.keyId,
      expiresAt: request.expiresAt ?? null,
    });
    return { ...toView(row), key };
  }

  /** The tenant's keys the manager may manage (those within its units), newest first. */
  async list(manager: Principal, query: PageQuery): Promise<Page<ApiKeyView>> {
    const limit = query.limit ?? DEFAULT_PAGE_SIZE;
    const after = decodeCursor(query.cursor);
    // This process's pending uses first, so a key's own admin sees its latest use here.
    await this.usage.flush();
    const rows = await this.repository.list(manager.tenantId, manager.unitFilter, after, limit + 1);
    return toPage(rows, limit, toView, (row) => ({ createdAt: row.created_at, id: row.id }));
  }

  /**
   * Revokes a live key of the tenant within the manager's units, and tells every process;
   * false when there is no such key.
   */
  async revoke(manager: Principal, id: string): Promise<boolean> {
    const units = await this.repository.liveKeyUnits(manager.tenantId, id);
    if (!units || !mayManageKeyOf(manager, units)) return false;
    if (!(await this.repository.revoke(manager.tenantId, id, this.clock.now()))) return false;
    await this.revocations.announce(id);
    return true;
  }

  async authenticate(presented: string): Promise<Principal | undefined> {
    if (this.isBootstrapKey(presented)) {
      return new Principal(BOOTSTRAP_KEY_ID, DEFAULT_TENANT_ID, 'admin', [], BOOTSTRAP_ACTOR);
    }
    const keyHash = hashKey(presented);
    const now = this.clock.now().getTime();
    const cached = this.cache.get(keyHash);
    if (cached && (cached.expiresAt === undefined || cached.expiresAt > now)) {
      this.usage.touch(cached.principal.keyId, now);
      return cached.principal;
    }
    const generation = this.generation;
    const row = await this.repository.findLive(keyHash, new Date(now));
    if (!row) return undefined;
    const principal = new Principal(row.id, row.tenant_id, row.role, row.unit_ids, {
      type: 'api_key',
      id: row.id,
      name: row.name,
    });
    if (generation === this.generation) {
      const ttl = this.revocations.live
        ? this.config.KEY_CACHE_TTL_MS
        : this.config.KEY_CACHE_DEGRADED_TTL_MS;
      if (ttl > 0) {
        this.cache.set(keyHash, { principal, expiresAt: row.expires_at?.getTime() }, { ttl });
      }
    }
    this.usage.touch(principal.keyId, now);
    return principal;
  }

  private evict(keyId: string): void {
    this.generation++;
    for (const [keyHash, entry] of this.cache.entries()) {
      if (entry.principal.keyId === keyId) this.cache.delete(keyHash);
    }
  }

  private evictAll(): void {
    this.generation++;
    this.cache.clear();
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

function toView(row: ApiKeyRow): ApiKeyView {
  return {
    id: row.id,
    name: row.name,
    role: row.role,
    unitIds: row.unit_ids,
    createdAt: row.created_at.toISOString(),
    createdBy: row.created_by,
    expiresAt: row.expires_at?.toISOString() ?? null,
    revokedAt: row.revoked_at?.toISOString() ?? null,
    lastUsedAt: row.last_used_at?.toISOString() ?? null,
  };
}
