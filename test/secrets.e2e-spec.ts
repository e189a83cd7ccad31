import { Logger } from '@nestjs/common';
import { Job } from 'bullmq';
import { randomBytes, randomUUID } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import { DataSource } from 'typeorm';
import { AlertsService } from '@taperwatch/alerts';
import { hashKey } from '@taperwatch/auth';
import { ManualClock } from '@taperwatch/common';
import {
  EscalationPoliciesService,
  EscalationRepository,
  WebhookSecretVault,
} from '@taperwatch/escalation';
import { IdempotencyStore } from '@taperwatch/http';
import {
  TestStack,
  WebhookReceiver,
  adminAuth,
  bearer,
  createKey,
  createPatient,
  eventually,
  missedDoseAlert,
  startStack,
  startWebhookReceiver,
} from '@taperwatch/testing';
import { runJob } from '../apps/worker/src/job-context';

const HOUR_MS = 3_600_000;

interface IdempotencyRow {
  api_key_id: string;
  response_status: number | null;
  response_body: unknown;
  expires_at: Date;
}

const rowsOf = (stack: TestStack, key: string): Promise<IdempotencyRow[]> =>
  stack.app.get(DataSource).query(
    `SELECT api_key_id, response_status, response_body, expires_at
       FROM idempotency_keys WHERE key = $1`,
    [key],
  );

const keyIdOf = async (stack: TestStack, key: string): Promise<string> =>
  (
    (await stack.app
      .get(DataSource)
      .query(`SELECT id FROM api_keys WHERE key_hash = $1`, [hashKey(key)])) as { id: string }[]
  )[0]!.id;

/** Secrets and patient data where they should not be: stored answers, logs, the database. */
describe('secrets', () => {
  let stack: TestStack;
  let receiver: WebhookReceiver;
  let logs = '';

  beforeAll(async () => {
    receiver = await startWebhookReceiver(() => 204);
    stack = await startStack({
      env: { LOG_LEVEL: 'trace', WEBHOOK_ALLOW_PRIVATE: 'true', ESCALATION_SWEEP_MS: '500' },
      logDestination: { write: (line: string) => void (logs += line) },
    });
  });
  afterAll(async () => {
    await stack.close();
    await receiver.close();
  });

  describe('Idempotency-Key', () => {
    it('never stores a new API key: a retry is told what was created, not given the key', async () => {
      const idempotencyKey = randomUUID();
      const create = () =>
        stack
          .http()
          .post('/v1/api-keys')
          .set(adminAuth)
          .set('idempotency-key', idempotencyKey)
          .send({ name: 'eMAR', role: 'service' });
      const first = await create().expect(201);
      const key = first.body.key as string;
      expect(key).toMatch(/^tw_/);

      const [row] = await rowsOf(stack, idempotencyKey);
      const stored = JSON.stringify(row);
      expect(stored).not.toContain(key);
      expect(stored).not.toContain(key.slice(3, 20));
      expect(row!.response_status).toBe(409);

      const retry = await create().expect(409);
      expect(retry.headers['idempotency-replayed']).toBe('true');
      expect(retry.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(retry.body).toMatchObject({
        type: 'urn:taperwatch:problem:secret-not-replayed',
        status: 409,
        id: first.body.id,
      });
      expect(JSON.stringify(retry.body)).not.toContain(key);
      // The key that was made still works; the retry made no second one.
      await stack.http().get('/v1/drugs').set(bearer(key)).expect(200);
      const made: unknown[] = await stack.app
        .get(DataSource)
        .query(`SELECT id FROM api_keys WHERE name = 'eMAR'`);
      expect(made).toHaveLength(1);
    });

    it('never stores a patient link token either', async () => {
      const prescriber = await createKey(stack, 'prescriber');
      const patient = await createPatient(stack, prescriber);
      const idempotencyKey = randomUUID();
      const link = () =>
        stack
          .http()
          .post(`/v1/patients/${patient.id}/links`)
          .set(bearer(prescriber))
          .set('idempotency-key', idempotencyKey)
          .send({});
      const first = await link().expect(201);
      const [row] = await rowsOf(stack, idempotencyKey);
      expect(JSON.stringify(row)).not.toContain(first.body.token as string);
      const retry = await link().expect(409);
      expect(retry.body).toMatchObject({ id: first.body.id });
      expect(JSON.stringify(retry.body)).not.toContain(first.body.token as string);
    });

    it("is scoped to the calling API key: the same key replays for its caller, never for another's", async () => {
      const ward = await createKey(stack, 'prescriber');
      const otherWard = await createKey(stack, 'prescriber');
      const thirdWard = await createKey(stack, 'prescriber');
      const idempotencyKey = randomUUID();
      const body = { externalId: `MRN-${randomUUID()}`, unitId: 'ward-7' };
      const post = (key: string, patient: object) =>
        stack
          .http()
          .post('/v1/patients')
          .set(bearer(key))
          .set('idempotency-key', idempotencyKey)
          .send(patient);

      const first = await post(ward, body).expect(201);
      // Allowed: the same caller gets its own answer again.
      const again = await post(ward, body).expect(201);
      expect(again.headers['idempotency-replayed']).toBe('true');
      expect(again.body).toEqual(first.body);

      // Denied: another caller with the same key runs its own request. With its own body it
      // creates its own patient (not a 422 for "another body")...
      const own = await post(otherWard, { externalId: `MRN-${randomUUID()}`, unitId: 'ward-7' });
      expect(own.status).toBe(201);
      expect(own.headers['idempotency-replayed']).toBeUndefined();
      expect(own.body.id).not.toBe(first.body.id);
      // ...and with the first caller's very body it is refused as a duplicate patient, not
      // handed the first caller's answer.
      const copy = await post(thirdWard, body).expect(409);
      expect(copy.headers['idempotency-replayed']).toBeUndefined();
      expect(JSON.stringify(copy.body)).not.toContain(first.body.id as string);

      const rows = await rowsOf(stack, idempotencyKey);
      expect(rows.map((r) => r.api_key_id).sort()).toEqual(
        (await Promise.all([ward, otherWard, thirdWard].map((k) => keyIdOf(stack, k)))).sort(),
      );
    });

    it('keeps a row for IDEMPOTENCY_KEY_TTL_HOURS; an expired key may be used again', async () => {
      const prescriber = await createKey(stack, 'prescriber');
      const idempotencyKey = randomUUID();
      const post = (externalId: string) =>
        stack
          .http()
          .post('/v1/patients')
          .set(bearer(prescriber))
          .set('idempotency-key', idempotencyKey)
          .send({ externalId, unitId: 'ward-7' });
      const before = Date.now();
      await post(`MRN-${randomUUID()}`).expect(201);
      const [row] = await rowsOf(stack, idempotencyKey);
      const ttl = row!.expires_at.getTime() - before;
      expect(ttl).toBeGreaterThan(24 * HOUR_MS - 60_000);
      expect(ttl).toBeLessThanOrEqual(24 * HOUR_MS + 60_000);
      await post(`MRN-${randomUUID()}`).expect(422);

      await stack.app
        .get(DataSource)
        .query(
          `UPDATE idempotency_keys SET expires_at = now() - interval '1 second' WHERE key = $1`,
          [idempotencyKey],
        );
      const reused = await post(`MRN-${randomUUID()}`).expect(201);
      expect(reused.headers['idempotency-replayed']).toBeUndefined();
    });
  });

  describe('webhook secrets', () => {
    const policy = (path: string) => ({
      steps: [{ afterMinutes: 0, targets: [{ type: 'webhook', url: `${receiver.url}${path}` }] }],
      repeat: 0,
    });

    /** Raises an alert in the unit and returns the one webhook the receiver got for it. */
    async function deliveredFor(unitId: string, path: string) {
      const alert = await stack.app.get(AlertsService).raise(missedDoseAlert({ unitId }));
      const [got] = await eventually(
        async () => receiver.received.filter((r) => r.path === path && r.body.includes(alert.id)),
        (items) => items.length === 1,
      );
      return { body: got!.body, headers: got!.headers as Record<string, string> };
    }

    it('stores them as AES-256-GCM ciphertext; deliveries verify; the API never returns one again', async () => {
      const unit = `ward-${randomUUID()}`;
      const created = await stack
        .http()
        .put(`/v1/units/${unit}/escalation-policy`)
        .set(adminAuth)
        .send(policy('/enc'))
        .expect(200);
      const secret = created.body.webhookSecret as string;
      const [row] = (await stack.app
        .get(DataSource)
        .query(`SELECT webhook_secret FROM escalation_policies WHERE unit_id = $1`, [unit])) as {
        webhook_secret: string;
      }[];
      expect(row!.webhook_secret).toMatch(/^enc:v1:/);
      expect(row!.webhook_secret).not.toContain(secret.slice(6));

      const read = await stack
        .http()
        .get(`/v1/units/${unit}/escalation-policy`)
        .set(adminAuth)
        .expect(200);
      expect(JSON.stringify(read.body)).not.toContain(secret.slice(6));
      expect(JSON.stringify(read.body)).not.toContain('enc:v1:');

      const { body, headers } = await deliveredFor(unit, '/enc');
      expect(() => new Webhook(secret).verify(body, headers)).not.toThrow();
    });

    it('signs with both secrets during a rotation overlap, then with the new one only', async () => {
      const unit = `ward-${randomUUID()}`;
      const created = await stack
        .http()
        .put(`/v1/units/${unit}/escalation-policy`)
        .set(adminAuth)
        .send(policy('/rotate'))
        .expect(200);
      const oldSecret = created.body.webhookSecret as string;
      // 12 s of overlap: long enough for one delivery, short enough to wait out.
      const rotated = await stack
        .http()
        .post(`/v1/units/${unit}/escalation-policy/rotate-secret`)
        .set(adminAuth)
        .send({ overlapMinutes: 0.2 })
        .expect(200);
      const newSecret = rotated.body.webhookSecret as string;
      expect(newSecret).not.toBe(oldSecret);
      expect(Date.parse(rotated.body.previousSecretExpiresAt as string)).toBeGreaterThan(
        Date.now(),
      );

      const during = await deliveredFor(unit, '/rotate');
      expect(during.headers['webhook-signature']!.split(' ')).toHaveLength(2);
      expect(() => new Webhook(oldSecret).verify(during.body, during.headers)).not.toThrow();
      expect(() => new Webhook(newSecret).verify(during.body, during.headers)).not.toThrow();

      await eventually(
        async () =>
          (await stack.http().get(`/v1/units/${unit}/escalation-policy`).set(adminAuth)).body,
        (view: { previousSecretExpiresAt?: string }) => view.previousSecretExpiresAt === undefined,
        { timeoutMs: 30_000, intervalMs: 500 },
      );
      const after = await deliveredFor(unit, '/rotate');
      expect(after.headers['webhook-signature']!.split(' ')).toHaveLength(1);
      expect(() => new Webhook(newSecret).verify(after.body, after.headers)).not.toThrow();
      expect(() => new Webhook(oldSecret).verify(after.body, after.headers)).toThrow();
    });

    it('rejects a bad overlap naming the field; 0 retires the old secret at once', async () => {
      const unit = `ward-${randomUUID()}`;
      await stack
        .http()
        .put(`/v1/units/${unit}/escalation-policy`)
        .set(adminAuth)
        .send(policy('/now'))
        .expect(200);
      const rotate = (body: object) =>
        stack
          .http()
          .post(`/v1/units/${unit}/escalation-policy/rotate-secret`)
          .set(adminAuth)
          .send(body);
      const bad = await rotate({ overlapMinutes: -1 }).expect(400);
      expect(bad.body.errors).toEqual([expect.objectContaining({ field: 'overlapMinutes' })]);
      const now = await rotate({ overlapMinutes: 0 }).expect(200);
      expect(now.body.previousSecretExpiresAt).toBeUndefined();
      const secrets = await stack.app
        .get(EscalationPoliciesService)
        .signingSecrets(missedDoseAlert().tenantId, unit, 'unit');
      expect(secrets).toEqual([now.body.webhookSecret]);
    });

    it('encrypts secrets stored in plaintext at start, and refuses to start without the key', async () => {
      const unit = `ward-${randomUUID()}`;
      const plaintext = `whsec_${randomBytes(32).toString('base64')}`;
      const dataSource = stack.app.get(DataSource);
      await dataSource.query(
        `INSERT INTO escalation_policies (tenant_id, unit_id, policy, webhook_secret)
         VALUES ($1, $2, $3, $4)`,
        [missedDoseAlert().tenantId, unit, JSON.stringify(policy('/old')), plaintext],
      );
      await stack.app.get(WebhookSecretVault).onApplicationBootstrap();
      const [row] = (await dataSource.query(
        `SELECT webhook_secret FROM escalation_policies WHERE unit_id = $1`,
        [unit],
      )) as { webhook_secret: string }[];
      expect(row!.webhook_secret).toMatch(/^enc:v1:/);
      expect(
        await stack.app
          .get(EscalationPoliciesService)
          .signingSecrets(missedDoseAlert().tenantId, unit, 'unit'),
      ).toEqual([plaintext]);

      const { WEBHOOK_SECRET_ENCRYPTION_KEY: _key, ...withoutKey } = stack.config;
      const repository = stack.app.get(EscalationRepository);
      const missing = new WebhookSecretVault(repository, withoutKey);
      await expect(missing.onApplicationBootstrap()).rejects.toThrow(
        /WEBHOOK_SECRET_ENCRYPTION_KEY is missing/,
      );
      const wrong = new WebhookSecretVault(repository, {
        ...stack.config,
        WEBHOOK_SECRET_ENCRYPTION_KEY: randomBytes(32).toString('hex'),
      });
      await expect(wrong.onApplicationBootstrap()).rejects.toThrow(/does not decrypt/);
    });
  });

  describe('the purge', () => {
    it("deletes rows once they expire (the worker's maintenance job), by the clock", async () => {
      const clock = new ManualClock();
      const timed = await startStack({ clock, env: { IDEMPOTENCY_PURGE_INTERVAL_MS: '200' } });
      try {
        const prescriber = await createKey(timed, 'prescriber');
        const idempotencyKey = randomUUID();
        await timed
          .http()
          .post('/v1/patients')
          .set(bearer(prescriber))
          .set('idempotency-key', idempotencyKey)
          .send({ externalId: `MRN-${randomUUID()}`, unitId: 'ward-7' })
          .expect(201);
        expect(await rowsOf(timed, idempotencyKey)).toHaveLength(1);
        // Purges keep running on the real clock's schedule; the row is not yet expired by the
        // manual one, so it stays until the clock passes 24 h.
        const purged = await timed.workers[0]!.app.get(IdempotencyStore).purgeExpired();
        expect(purged).toBe(0);
        expect(await rowsOf(timed, idempotencyKey)).toHaveLength(1);
        clock.advance(24 * HOUR_MS + 1000);
        await eventually(
          () => rowsOf(timed, idempotencyKey),
          (rows) => rows.length === 0,
        );
      } finally {
        await timed.close();
      }
    });
  });

  describe('logs at LOG_LEVEL=trace', () => {
    it("carry a failed query's class, message and code, never the patient identifier in it", async () => {
      const prescriber = await createKey(stack, 'prescriber');
      const externalId = `MRN-${randomBytes(6).toString('hex')}`;
      const birthDate = '1948-02-29';
      await createPatient(stack, prescriber, { externalId, birthDate });
      const dataSource = stack.workers[0]!.app.get(DataSource);
      const job = (name: string) =>
        ({ id: randomUUID(), name, queueName: 'maintenance', attemptsMade: 0, data: {} }) as Job;
      const logger = new Logger('SecretsProbe');

      // The value lands in the driver's message and parameters.
      await expect(
        runJob(logger, job('bad-cast'), () =>
          dataSource.query(`SELECT $1::uuid, $2::date`, [externalId, birthDate]),
        ),
      ).rejects.toThrow();
      // A duplicate: the driver's detail names the row (tenant, externalId).
      await expect(
        runJob(logger, job('duplicate'), () =>
          dataSource.query(
            `INSERT INTO patients (id, tenant_id, external_id, unit_id, birth_date)
             SELECT gen_random_uuid(), tenant_id, external_id, unit_id, birth_date
             FROM patients WHERE external_id = $1`,
            [externalId],
          ),
        ),
      ).rejects.toThrow();

      const lines = await eventually(
        async () => logs.split('\n').filter((line) => line.includes('SecretsProbe')),
        (found) => found.some((l) => l.includes('duplicate failed')),
      );
      expect(lines.some((l) => l.includes('bad-cast failed') && l.includes('"code":"22P02"'))).toBe(
        true,
      );
      expect(lines.some((l) => l.includes('"type":"QueryFailedError"'))).toBe(true);
      // The sweeps' debug lines: the low level is really in force.
      expect(logs).toContain('"level":"debug"');
      expect(logs).not.toContain(externalId);
      expect(logs).not.toContain(birthDate);
      expect(logs).not.toContain('"parameters"');
      expect(logs).not.toContain('"detail"');
    });
  });
});
