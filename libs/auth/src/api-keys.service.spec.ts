import { ManualClock } from '@taperwatch/common';
import type { AppConfig } from '@taperwatch/config';
import { decodeCursor } from '@taperwatch/http';
import { ApiKeyRow, ApiKeysRepository, LiveKeyRow, NewApiKey } from './api-keys.repository';
import { ApiKeysService, hashKey } from './api-keys.service';
import type { KeyRevocations } from './key-revocations';
import type { KeyUsage } from './key-usage';
import { BOOTSTRAP_KEY_ID, Principal } from './principal';

const NOW = new Date('2026-03-02T10:00:00.000Z');
const TENANT = '00000000-0000-4000-8000-00000000000a';
const BOOTSTRAP = 'bootstrap-admin-key-for-the-test';

/** Keys in memory, and every call made of them: no database (decision 0030). */
class FakeApiKeysRepository implements Pick<
  ApiKeysRepository,
  'insert' | 'list' | 'liveKeyUnits' | 'revoke' | 'findLive'
> {
  readonly inserted: NewApiKey[] = [];
  readonly lookups: { keyHash: string; now: Date }[] = [];
  readonly listed: unknown[][] = [];
  readonly revoked: string[] = [];
  readonly live = new Map<string, LiveKeyRow>();
  /** By key id: units of live keys. */
  readonly units = new Map<string, string[]>();
  rows: ApiKeyRow[] = [];
  /** Whether revoke finds the key still live (a concurrent revocation makes it false). */
  revokeFinds = true;

  insert(key: NewApiKey): Promise<ApiKeyRow> {
    this.inserted.push(key);
    return Promise.resolve({
      id: key.id,
      name: key.name,
      role: key.role,
      unit_ids: key.unitIds,
      created_at: NOW,
      created_by: null,
      expires_at: key.expiresAt,
      revoked_at: null,
      last_used_at: null,
    });
  }

  list(
    tenantId: string,
    units: readonly string[] | undefined,
    after: { createdAt: Date; id: string } | undefined,
    limit: number,
  ): Promise<ApiKeyRow[]> {
    this.listed.push([tenantId, units, after, limit]);
    return Promise.resolve(this.rows.slice(0, limit));
  }

  liveKeyUnits(_tenantId: string, id: string): Promise<string[] | undefined> {
    return Promise.resolve(this.units.get(id));
  }

  revoke(_tenantId: string, id: string): Promise<boolean> {
    this.revoked.push(id);
    return Promise.resolve(this.revokeFinds);
  }

  findLive(keyHash: string, now: Date): Promise<LiveKeyRow | undefined> {
    this.lookups.push({ keyHash, now });
    return Promise.resolve(this.live.get(keyHash));
  }
}

/** Revocations as another process announces them, and the ones this one announced. */
class FakeRevocations implements Pick<
  KeyRevocations,
  'live' | 'onRevoked' | 'onMissed' | 'announce'
> {
  live = true;
  readonly announced: string[] = [];
  private revoked?: (keyId: string) => void;

  onRevoked(listener: (keyId: string) => void): () => void {
    this.revoked = listener;
    return () => undefined;
  }

  onMissed(): () => void {
    return () => undefined;
  }

  announce(keyId: string): Promise<void> {
    this.announced.push(keyId);
    return Promise.resolve();
  }

  /** Another process revoked the key. */
  receive(keyId: string): void {
    this.revoked?.(keyId);
  }
}

class FakeUsage implements Pick<KeyUsage, 'touch' | 'flush'> {
  readonly touched: [string, number][] = [];
  flushes = 0;

  touch(keyId: string, atMs: number): void {
    this.touched.push([keyId, atMs]);
  }

  flush(): Promise<void> {
    this.flushes++;
    return Promise.resolve();
  }
}

function setUp(config: Partial<AppConfig> = {}) {
  const repository = new FakeApiKeysRepository();
  const revocations = new FakeRevocations();
  const usage = new FakeUsage();
  const clock = new ManualClock(NOW);
  const service = new ApiKeysService(
    repository as unknown as ApiKeysRepository,
    clock,
    revocations as unknown as KeyRevocations,
    usage as unknown as KeyUsage,
    {
      BOOTSTRAP_ADMIN_KEY: BOOTSTRAP,
      KEY_CACHE_TTL_MS: 60_000,
      KEY_CACHE_DEGRADED_TTL_MS: 1_000,
      ...config,
    } as AppConfig,
  );
  return { repository, revocations, usage, clock, service };
}

function liveKey(id: string, expiresAt: Date | null = null): LiveKeyRow {
  return {
    id,
    name: `key ${id}`,
    tenant_id: TENANT,
    role: 'nurse',
    unit_ids: ['ward-7'],
    expires_at: expiresAt,
  };
}

const admin = new Principal('key-admin', TENANT, 'admin', []);

describe('ApiKeysService against its repository', () => {
  describe('create', () => {
    it('stores only the hash, shows the key once, and names the bootstrap key as no issuer', async () => {
      const { repository, service } = setUp();
      const bootstrap = new Principal(BOOTSTRAP_KEY_ID, TENANT, 'admin', []);
      const created = await service.create(bootstrap, 'ward 7', {
        role: 'nurse',
        unitIds: ['ward-7', 'ward-7'],
      });
      expect(created.key).toMatch(/^tw_/);
      expect(repository.inserted).toEqual([
        expect.objectContaining({
          id: created.id,
          tenantId: TENANT,
          name: 'ward 7',
          role: 'nurse',
          unitIds: ['ward-7'],
          keyHash: hashKey(created.key),
          createdBy: null,
          expiresAt: null,
        }),
      ]);
      expect(JSON.stringify(repository.inserted)).not.toContain(created.key);
    });

    it('names the issuing key, and refuses what the issuer may not issue before any write', async () => {
      const { repository, service } = setUp();
      await service.create(admin, 'pharmacy', { role: 'pharmacist', unitIds: [] });
      expect(repository.inserted[0]?.createdBy).toBe('key-admin');
      const nurse = new Principal('key-nurse', TENANT, 'nurse', ['ward-7']);
      await expect(
        service.create(nurse, 'up', { role: 'admin', unitIds: ['ward-7'] }),
      ).rejects.toMatchObject({ problem: { status: 403 } });
      expect(repository.inserted).toHaveLength(1);
    });
  });

  describe('authenticate', () => {
    it('knows the bootstrap key without asking the repository', async () => {
      const { repository, service } = setUp();
      const principal = await service.authenticate(BOOTSTRAP);
      expect(principal).toMatchObject({ keyId: BOOTSTRAP_KEY_ID, role: 'admin' });
      expect(repository.lookups).toEqual([]);
    });

    it('looks an unknown key up by its hash at every attempt', async () => {
      const { repository, service } = setUp();
      expect(await service.authenticate('tw_unknown')).toBeUndefined();
      expect(await service.authenticate('tw_unknown')).toBeUndefined();
      expect(repository.lookups).toEqual([
        { keyHash: hashKey('tw_unknown'), now: NOW },
        { keyHash: hashKey('tw_unknown'), now: NOW },
      ]);
    });

    it('remembers a key, and notes each use of it', async () => {
      const { repository, usage, service } = setUp();
      repository.live.set(hashKey('tw_a'), liveKey('a'));
      const first = await service.authenticate('tw_a');
      const second = await service.authenticate('tw_a');
      expect(first).toMatchObject({ keyId: 'a', tenantId: TENANT, role: 'nurse' });
      expect(second).toBe(first);
      expect(repository.lookups).toHaveLength(1);
      expect(usage.touched).toEqual([
        ['a', NOW.getTime()],
        ['a', NOW.getTime()],
      ]);
    });

    it('forgets a key another process revoked', async () => {
      const { repository, revocations, service } = setUp();
      repository.live.set(hashKey('tw_a'), liveKey('a'));
      await service.authenticate('tw_a');
      revocations.receive('a');
      repository.live.delete(hashKey('tw_a'));
      expect(await service.authenticate('tw_a')).toBeUndefined();
      expect(repository.lookups).toHaveLength(2);
    });

    it('asks again once a remembered key has expired', async () => {
      const { repository, clock, service } = setUp();
      const expiresAt = new Date(NOW.getTime() + 5_000);
      repository.live.set(hashKey('tw_a'), liveKey('a', expiresAt));
      await service.authenticate('tw_a');
      clock.advance(5_000);
      repository.live.delete(hashKey('tw_a'));
      expect(await service.authenticate('tw_a')).toBeUndefined();
      expect(repository.lookups).toHaveLength(2);
    });

    it('remembers nothing when the key cache is off', async () => {
      const { repository, service } = setUp({ KEY_CACHE_TTL_MS: 0 });
      repository.live.set(hashKey('tw_a'), liveKey('a'));
      await service.authenticate('tw_a');
      await service.authenticate('tw_a');
      expect(repository.lookups).toHaveLength(2);
    });
  });

  describe('revoke', () => {
    it("revokes a live key within the manager's units and tells every process", async () => {
      const { repository, revocations, service } = setUp();
      repository.units.set('k1', ['ward-7']);
      const manager = new Principal('m', TENANT, 'admin', ['ward-7']);
      expect(await service.revoke(manager, 'k1')).toBe(true);
      expect(repository.revoked).toEqual(['k1']);
      expect(revocations.announced).toEqual(['k1']);
    });

    it("leaves a key outside the manager's units, and an unknown one, untouched", async () => {
      const { repository, revocations, service } = setUp();
      repository.units.set('k1', ['ward-9']);
      const manager = new Principal('m', TENANT, 'admin', ['ward-7']);
      expect(await service.revoke(manager, 'k1')).toBe(false);
      expect(await service.revoke(manager, 'unknown')).toBe(false);
      expect(repository.revoked).toEqual([]);
      expect(revocations.announced).toEqual([]);
    });

    it('announces nothing when a concurrent revocation got there first', async () => {
      const { repository, revocations, service } = setUp();
      repository.units.set('k1', ['ward-7']);
      repository.revokeFinds = false;
      expect(await service.revoke(admin, 'k1')).toBe(false);
      expect(revocations.announced).toEqual([]);
    });
  });

  describe('list', () => {
    it("writes pending uses first, asks one more than a page within the manager's units", async () => {
      const { repository, usage, service } = setUp();
      const row = (id: string, at: Date): ApiKeyRow => ({
        id,
        name: id,
        role: 'nurse',
        unit_ids: ['ward-7'],
        created_at: at,
        created_by: null,
        expires_at: null,
        revoked_at: null,
        last_used_at: null,
      });
      const first = row('00000000-0000-4000-8000-000000000002', NOW);
      repository.rows = [first, row('00000000-0000-4000-8000-000000000001', NOW)];
      const manager = new Principal('m', TENANT, 'admin', ['ward-7']);
      const page = await service.list(manager, { limit: 1 });
      expect(usage.flushes).toBe(1);
      expect(repository.listed).toEqual([[TENANT, ['ward-7'], undefined, 2]]);
      expect(page.items.map((k) => k.id)).toEqual([first.id]);
      expect(decodeCursor(page.nextCursor!)).toEqual({ createdAt: NOW, id: first.id });
    });
  });
});
