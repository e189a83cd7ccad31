import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { createHash, randomUUID } from 'node:crypto';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { createApiApp } from '@taperwatch/api';
import { KeyRevocations } from '@taperwatch/auth';
import { ManualClock } from '@taperwatch/common';
import { loadConfig } from '@taperwatch/config';
import { DEFAULT_TENANT_ID } from '@taperwatch/persistence';
import {
  TestStack,
  adminAuth,
  bearer,
  createKey,
  createPatient,
  eventually,
  openEventStream,
  startStack,
} from '@taperwatch/testing';

type KeyBody = { name?: string; role: string; unitIds?: string[]; expiresAt?: string };

/** Who may issue, list and revoke which keys; revocation across processes; expiry; last use. */
describe('authorization edges and API keys', () => {
  const clock = new ManualClock(new Date('2026-12-01T08:00:00Z'));
  let stack: TestStack;
  /** A second API process on the same database and Redis. */
  let other: NestFastifyApplication;
  let wardAdmin: string;

  beforeAll(async () => {
    // A long cache: a key revoked elsewhere can only be refused here because the message came.
    stack = await startStack({ workers: 0, clock, env: { KEY_CACHE_TTL_MS: '300000' } });
    other = await createApiApp(stack.config, { clock });
    wardAdmin = await createKey(stack, 'admin', ['ward-7', 'ward-8']);
  });
  afterAll(async () => {
    await other.close();
    await stack.close();
  });

  const issue = (creator: Record<string, string>, body: KeyBody) =>
    stack
      .http()
      .post('/v1/api-keys')
      .set(creator)
      .send({ name: 'key', ...body });

  const expectFieldProblem = (
    res: { status: number; body: { errors?: { field: string }[] } },
    status: number,
    field: string,
  ) => {
    expect(res.status).toBe(status);
    expect(res.body.errors).toEqual([expect.objectContaining({ field })]);
  };

  describe('a unit-scoped admin issues keys within its own units only', () => {
    it('issues a nurse key for one of its units', async () => {
      const res = await issue(bearer(wardAdmin), { role: 'nurse', unitIds: ['ward-7'] });
      expect(res.status).toBe(201);
      expect(res.body).toEqual(expect.objectContaining({ role: 'nurse', unitIds: ['ward-7'] }));
    });

    it('may not issue one for a unit outside its own, nor for every unit', async () => {
      const outside = await issue(bearer(wardAdmin), {
        role: 'nurse',
        unitIds: ['ward-7', 'ward-9'],
      });
      expectFieldProblem(outside, 403, 'unitIds');
      expect(outside.body.detail).toMatch(/ward-9/);
      expectFieldProblem(await issue(bearer(wardAdmin), { role: 'prescriber' }), 403, 'unitIds');
    });

    it('an all-units admin may issue any key', async () => {
      await issue(adminAuth, { role: 'nurse', unitIds: ['ward-9'] }).expect(201);
      await issue(adminAuth, { role: 'service' }).expect(201);
    });
  });

  describe('no key gets a role above its creator', () => {
    it('a unit-scoped admin issues an admin key within its units', async () => {
      await issue(bearer(wardAdmin), { role: 'admin', unitIds: ['ward-8'] }).expect(201);
    });

    it('but not a service key, which outranks it, even within its units', async () => {
      const res = await issue(bearer(wardAdmin), { role: 'service', unitIds: ['ward-7'] });
      expectFieldProblem(res, 403, 'role');
    });

    it('a role without key management issues nothing', async () => {
      const prescriber = await createKey(stack, 'prescriber');
      const res = await issue(bearer(prescriber), { role: 'nurse', unitIds: ['ward-7'] });
      expect(res.status).toBe(403);
    });
  });

  describe('nurse keys name their units', () => {
    it('refuses a nurse key without units (422 naming unitIds), empty or absent', async () => {
      expectFieldProblem(await issue(adminAuth, { role: 'nurse' }), 422, 'unitIds');
      expectFieldProblem(await issue(adminAuth, { role: 'nurse', unitIds: [] }), 422, 'unitIds');
    });

    it('issues one with units (201)', async () => {
      await issue(adminAuth, { role: 'nurse', unitIds: ['ward-7'] }).expect(201);
    });

    it('an old nurse key without units sees nothing, not everything', async () => {
      const prescriber = await createKey(stack, 'prescriber');
      const patient = await createPatient(stack, prescriber, { unitId: 'ward-7' });
      const key = `tw_${randomUUID()}`;
      const dataSource = stack.app.get(DataSource);
      await dataSource.query(
        `INSERT INTO api_keys (id, tenant_id, name, role, unit_ids, key_hash)
         VALUES ($1, $2, 'old nurse', 'nurse', '{}', $3)`,
        [randomUUID(), DEFAULT_TENANT_ID, createHash('sha256').update(key).digest('hex')],
      );
      expect((await stack.http().get(`/v1/patients/${patient.id}`).set(bearer(key))).status).toBe(
        403,
      );
      expect((await stack.http().get('/v1/alerts').set(bearer(key))).status).toBe(403);
      const unitNurse = await createKey(stack, 'nurse', ['ward-7']);
      await stack.http().get(`/v1/patients/${patient.id}`).set(bearer(unitNurse)).expect(200);
    });
  });

  describe('revocation reaches every process at once', () => {
    it('refuses the key in another process as soon as the revocation arrives, and tells its listeners', async () => {
      const created = await issue(adminAuth, { role: 'service' }).expect(201);
      const otherHttp = () => request(other.getHttpServer());
      // The other process has the key in its (long-lived) cache.
      await otherHttp().get('/v1/drugs').set(bearer(created.body.key)).expect(200);
      await otherHttp().get('/v1/drugs').set(bearer(created.body.key)).expect(200);

      const revocations = other.get(KeyRevocations);
      await eventually(
        async () => revocations.live,
        (live) => live,
      );
      const heardThere: string[] = [];
      const heardHere: string[] = [];
      const stopThere = revocations.onRevoked((keyId) => heardThere.push(keyId));
      const stopHere = stack.app.get(KeyRevocations).onRevoked((keyId) => heardHere.push(keyId));
      try {
        await stack.http().delete(`/v1/api-keys/${created.body.id}`).set(adminAuth).expect(204);
        // In the revoking process, at once and once.
        expect(heardHere).toEqual([created.body.id]);
        await eventually(
          async () => heardThere,
          (ids) => ids.length > 0,
          { timeoutMs: 5000 },
        );
        expect(heardThere).toEqual([created.body.id]);
        expect((await otherHttp().get('/v1/drugs').set(bearer(created.body.key))).status).toBe(401);
      } finally {
        stopThere();
        stopHere();
      }
    });

    it("ends the key's open alert streams in another process, and only that key's", async () => {
      await other.listen(0, '127.0.0.1');
      const otherUrl = `${await other.getUrl()}/v1/alerts/stream`.replace('[::1]', '127.0.0.1');
      const revoked = await createKey(stack, 'nurse', ['ward-7']);
      const kept = await createKey(stack, 'nurse', ['ward-7']);
      const [row] = (await stack.app
        .get(DataSource)
        .query(`SELECT id FROM api_keys WHERE key_hash = $1`, [
          createHash('sha256').update(revoked).digest('hex'),
        ])) as { id: string }[];
      const doomed = openEventStream(otherUrl, bearer(revoked));
      const survivor = openEventStream(otherUrl, bearer(kept));
      try {
        expect(await doomed.status).toBe(200);
        expect(await survivor.status).toBe(200);
        await stack.http().delete(`/v1/api-keys/${row!.id}`).set(adminAuth).expect(204);
        // The revoking process is not the one holding the stream: only the message can end it.
        await doomed.ended;
        let survivorEnded = false;
        void survivor.ended.then(() => (survivorEnded = true));
        await request(other.getHttpServer()).get('/v1/drugs').set(bearer(kept)).expect(200);
        expect(survivorEnded).toBe(false);
      } finally {
        doomed.close();
        survivor.close();
      }
    });

    it('a unit-scoped admin revokes keys within its units only', async () => {
      const inside = await issue(adminAuth, { role: 'nurse', unitIds: ['ward-8'] }).expect(201);
      const outside = await issue(adminAuth, { role: 'nurse', unitIds: ['ward-9'] }).expect(201);
      await stack
        .http()
        .delete(`/v1/api-keys/${outside.body.id}`)
        .set(bearer(wardAdmin))
        .expect(404);
      await stack.http().get('/v1/drugs').set(bearer(outside.body.key)).expect(200);
      await stack
        .http()
        .delete(`/v1/api-keys/${inside.body.id}`)
        .set(bearer(wardAdmin))
        .expect(204);
      await stack.http().get('/v1/drugs').set(bearer(inside.body.key)).expect(401);
    });

    it('a process cut off from Redis keeps keys only for the short degraded time', async () => {
      const cutOff = await createApiApp(
        loadConfig({
          ...stack.env,
          REDIS_URL: 'redis://127.0.0.1:1',
          KEY_CACHE_TTL_MS: '300000',
          KEY_CACHE_DEGRADED_TTL_MS: '0',
        }),
        { clock },
      );
      try {
        expect(cutOff.get(KeyRevocations).live).toBe(false);
        const created = await issue(adminAuth, { role: 'service' }).expect(201);
        const cutOffHttp = () => request(cutOff.getHttpServer());
        await cutOffHttp().get('/v1/drugs').set(bearer(created.body.key)).expect(200);
        await stack.http().delete(`/v1/api-keys/${created.body.id}`).set(adminAuth).expect(204);
        // No message can reach it; its cache did not keep the key, so Postgres answers.
        await cutOffHttp().get('/v1/drugs').set(bearer(created.body.key)).expect(401);
      } finally {
        await cutOff.close();
      }
    });
  });

  describe('GET /v1/api-keys', () => {
    it('lists keys without their secrets, with lastUsedAt once used', async () => {
      const created = await issue(adminAuth, {
        name: 'listed',
        role: 'nurse',
        unitIds: ['ward-7'],
      }).expect(201);
      const find = async () => {
        const res = await stack.http().get('/v1/api-keys?limit=200').set(adminAuth).expect(200);
        return res.body.items.find((item: { id: string }) => item.id === created.body.id);
      };
      const before = await find();
      expect(before).toEqual(
        expect.objectContaining({ name: 'listed', role: 'nurse', lastUsedAt: null }),
      );
      expect(before).not.toHaveProperty('key');
      expect(JSON.stringify(before)).not.toContain(created.body.key);

      await stack.http().get('/v1/drugs').set(bearer(created.body.key)).expect(200);
      expect((await find()).lastUsedAt).toBe(clock.now().toISOString());
    });

    it('shows a unit-scoped admin only the keys within its units', async () => {
      const ward9 = await issue(adminAuth, { role: 'nurse', unitIds: ['ward-9'] }).expect(201);
      const ward7 = await issue(adminAuth, { role: 'nurse', unitIds: ['ward-7'] }).expect(201);
      const res = await stack
        .http()
        .get('/v1/api-keys?limit=200')
        .set(bearer(wardAdmin))
        .expect(200);
      const ids = res.body.items.map((item: { id: string }) => item.id);
      expect(ids).toContain(ward7.body.id);
      expect(ids).not.toContain(ward9.body.id);
      for (const item of res.body.items as { unitIds: string[] }[]) {
        expect(item.unitIds.length).toBeGreaterThan(0);
        expect(item.unitIds.every((unit) => ['ward-7', 'ward-8'].includes(unit))).toBe(true);
      }
    });

    it('pages with a cursor, newest first', async () => {
      const first = await stack.http().get('/v1/api-keys?limit=2').set(adminAuth).expect(200);
      expect(first.body.items).toHaveLength(2);
      expect(first.body.nextCursor).toEqual(expect.any(String));
      const second = await stack
        .http()
        .get(`/v1/api-keys?limit=2&cursor=${first.body.nextCursor}`)
        .set(adminAuth)
        .expect(200);
      const firstIds = first.body.items.map((item: { id: string }) => item.id);
      for (const item of second.body.items as { id: string }[]) {
        expect(firstIds).not.toContain(item.id);
      }
      expect(second.body.items[0].createdAt <= first.body.items[1].createdAt).toBe(true);
      const bad = await stack.http().get('/v1/api-keys?cursor=nope').set(adminAuth);
      expectFieldProblem(bad, 400, 'cursor');
    });

    it('is for admins only', async () => {
      const nurse = await createKey(stack, 'nurse', ['ward-7']);
      expect((await stack.http().get('/v1/api-keys').set(bearer(nurse))).status).toBe(403);
    });
  });

  describe('expiresAt', () => {
    it('refuses an expired key (401) and accepts an unexpired one (200)', async () => {
      const hour = 3_600_000;
      const soon = await issue(adminAuth, {
        role: 'service',
        expiresAt: new Date(clock.now().getTime() + hour).toISOString(),
      }).expect(201);
      const later = await issue(adminAuth, {
        role: 'service',
        expiresAt: new Date(clock.now().getTime() + 3 * hour).toISOString(),
      }).expect(201);
      expect(soon.body.expiresAt).toBe(new Date(clock.now().getTime() + hour).toISOString());
      // Both are cached now; expiry must not wait for the cache.
      await stack.http().get('/v1/drugs').set(bearer(soon.body.key)).expect(200);
      clock.advance(2 * hour);
      const expired = await stack.http().get('/v1/drugs').set(bearer(soon.body.key));
      expect(expired.status).toBe(401);
      expect(expired.headers['www-authenticate']).toBe('Bearer');
      await stack.http().get('/v1/drugs').set(bearer(later.body.key)).expect(200);
      // The other process too.
      expect(
        (await request(other.getHttpServer()).get('/v1/drugs').set(bearer(soon.body.key))).status,
      ).toBe(401);
    });

    it('refuses an expiresAt in the past (400 naming it)', async () => {
      const res = await issue(adminAuth, {
        role: 'service',
        expiresAt: new Date(clock.now().getTime() - 1000).toISOString(),
      });
      expectFieldProblem(res, 400, 'expiresAt');
    });
  });
});
