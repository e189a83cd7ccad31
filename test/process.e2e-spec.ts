import { spawn, spawnSync } from 'node:child_process';
import path from 'node:path';
import { createApiApp } from '@taperwatch/api';
import { loadConfig } from '@taperwatch/config';
import { JOB_NAMES, QUEUES } from '@taperwatch/queues';
import { freePort } from '@taperwatch/runtime';
import { Queue } from 'bullmq';
import request from 'supertest';
import { DataSource } from 'typeorm';
import {
  TestStack,
  baclofenRequest,
  bearer,
  createKey,
  createPatient,
  eventually,
  startStack,
} from '@taperwatch/testing';

const DIST = path.resolve(__dirname, '../dist/apps');

/** Process-level behaviour, run against the built entry points (npm test builds first). */
describe('processes', () => {
  it('refuses a bad environment at start with one line naming the setting', () => {
    const result = spawnSync(process.execPath, [path.join(DIST, 'api/src/main.js')], {
      env: {
        PATH: process.env.PATH,
        DATABASE_URL: 'mysql://nope',
        REDIS_URL: 'redis://127.0.0.1:6379',
        PORT: 'eighty',
      },
      encoding: 'utf8',
      timeout: 20_000,
    });
    expect(result.status).toBe(1);
    const lines = result.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/DATABASE_URL/);
    expect(lines[0]).toMatch(/PORT/);
  });

  it('answers /health/ready 503 and taper requests 503 with Retry-After when Redis is unreachable', async () => {
    const stack = await startStack({ workers: 0 });
    const prescriber = await createKey(stack, 'prescriber');
    const patient = await createPatient(stack, prescriber);
    const config = loadConfig({ ...stack.env, REDIS_URL: 'redis://127.0.0.1:1' });
    const app = await createApiApp(config);
    try {
      const ready = await request(app.getHttpServer()).get('/health/ready').expect(503);
      expect(ready.body.detail).toMatch(/redis/);
      expect(ready.body.detail).not.toMatch(/postgres/);
      const submit = (server: typeof app) =>
        request(server.getHttpServer())
          .post('/v1/taper-requests')
          .set(bearer(prescriber))
          .set('idempotency-key', 'retry-after-outage')
          .send(baclofenRequest(patient.id));
      const res = await submit(app);
      expect(res.status).toBe(503);
      expect(res.headers['retry-after']).toBeDefined();
      // Nothing was half-accepted: the request row was rolled back with the failed enqueue.
      const ds = app.get(DataSource);
      expect(await ds.query('SELECT count(*)::int AS n FROM taper_requests')).toEqual([{ n: 0 }]);
      await request(stack.app.getHttpServer()).get('/health/ready').expect(200);
      // A 5xx is not kept under the Idempotency-Key: the retry, once Redis answers, runs again.
      const retry = await submit(stack.app).expect(202);
      expect(retry.headers['idempotency-replayed']).toBeUndefined();
      expect(await ds.query('SELECT count(*)::int AS n FROM taper_requests')).toEqual([{ n: 1 }]);
    } finally {
      await app.close();
      await stack.close();
    }
  });

  describe('two worker processes', () => {
    let stack: TestStack;
    const children: ReturnType<typeof spawn>[] = [];

    beforeAll(async () => {
      stack = await startStack({ workers: 0 });
      for (let i = 0; i < 2; i++) {
        children.push(
          spawn(process.execPath, [path.join(DIST, 'worker/src/main.js')], {
            env: { ...process.env, ...stack.env, WORKER_CONCURRENCY: '5' },
            stdio: 'ignore',
          }),
        );
      }
    });
    afterAll(async () => {
      await Promise.all(
        children.map(
          (child) =>
            new Promise((resolve) => {
              child.once('exit', resolve);
              child.kill('SIGTERM');
            }),
        ),
      );
      await stack.close();
    });

    it('never plan the same request twice, even when its job is delivered twice', async () => {
      const prescriber = await createKey(stack, 'prescriber');
      const patient = await createPatient(stack, prescriber);
      const ids: string[] = [];
      for (let i = 0; i < 20; i++) {
        const res = await stack
          .http()
          .post('/v1/taper-requests')
          .set(bearer(prescriber))
          .send(baclofenRequest(patient.id))
          .expect(202);
        ids.push(res.body.id);
      }
      // Deliver every request again under other job ids, as a stalled job's re-run would.
      const queue = new Queue(QUEUES.planning, {
        connection: { url: stack.env.REDIS_URL },
        prefix: stack.env.QUEUE_PREFIX,
      });
      await queue.addBulk(
        ids.map((requestId) => ({
          name: JOB_NAMES.planRequest,
          data: { requestId },
          opts: { jobId: `dup-${requestId}` },
        })),
      );

      const ds = stack.app.get(DataSource);
      await eventually(
        () => ds.query(`SELECT count(*)::int AS n FROM taper_requests WHERE status = 'planned'`),
        (rows: { n: number }[]) => rows[0]!.n === ids.length,
        { timeoutMs: 30_000 },
      );
      await eventually(
        () => queue.getJobCounts('waiting', 'active', 'delayed'),
        (c) => c.waiting + c.active + c.delayed === 0,
      );
      const perRequest = await ds.query(
        `SELECT request_id, count(*)::int AS n FROM plans GROUP BY request_id`,
      );
      expect(perRequest).toHaveLength(ids.length);
      expect(perRequest.every((row: { n: number }) => row.n === 1)).toBe(true);
      expect(await queue.getJobCounts('failed')).toEqual({ failed: 0 });
      await queue.close();
    });
  });

  it('keeps patient identifiers out of every log line, even at trace level', async () => {
    const stack = await startStack({ workers: 0 });
    const port = await freePort();
    const child = spawn(process.execPath, [path.join(DIST, 'api/src/main.js')], {
      env: {
        ...process.env,
        ...stack.env,
        PORT: String(port),
        HOST: '127.0.0.1',
        LOG_LEVEL: 'trace',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    try {
      const api = request(`http://127.0.0.1:${port}`);
      await eventually(
        () => api.get('/health/ready'),
        (res) => res.status === 200,
      );
      const admin = { authorization: `Bearer ${stack.env.BOOTSTRAP_ADMIN_KEY}` };
      const key = (
        await api.post('/v1/api-keys').set(admin).send({ name: 'p', role: 'prescriber' })
      ).body.key;
      const patient = { externalId: 'MRN-SECRET-4711', unitId: 'ward-7', birthDate: '1941-03-05' };
      const created = await api.post('/v1/patients').set(bearer(key)).send(patient).expect(201);
      await api.post('/v1/patients').set(bearer(key)).send(patient).expect(409);
      await api.get(`/v1/patients/${created.body.id}`).set(bearer(key)).expect(200);
      await api
        .post('/v1/patients')
        .set(bearer(key))
        .send({ ...patient, externalId: 42 })
        .expect(400);
      await eventually(
        async () => output,
        (text) => text.includes('"status":400'),
      );
      expect(output).toContain(created.body.id);
      expect(output).not.toContain('MRN-SECRET-4711');
      expect(output).not.toContain('1941-03-05');
      expect(output).not.toContain(key);
    } finally {
      child.kill('SIGTERM');
      await new Promise((resolve) => child.once('exit', resolve));
      await stack.close();
    }
  });
});
