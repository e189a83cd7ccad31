import { ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { AddressInfo } from 'node:net';
import path from 'node:path';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { createApiApp } from '@taperwatch/api';
import { KeyRevocations } from '@taperwatch/auth';
import { freePort, waitForPort } from '@taperwatch/runtime';
import {
  EventStreamClient,
  TestRedisCluster,
  TestStack,
  WebhookReceiver,
  adminAuth,
  bearer,
  createKey,
  eventually,
  openEventStream,
  seedWatchedPlan,
  settlesWithin,
  startRedisCluster,
  startStack,
  startWebhookReceiver,
} from '@taperwatch/testing';

const DIST = path.resolve(__dirname, '../dist/apps');
const UNIT = 'ward-cluster';
/** The watch loop compressed: 1.2 s of grace, half-second sweeps. */
const FAST = {
  DOSE_GRACE_MINUTES: '0.02',
  WATCH_SWEEP_MS: '500',
  ESCALATION_SWEEP_MS: '500',
  WEBHOOK_ALLOW_PRIVATE: 'true',
  // A long key cache: a key revoked elsewhere is refused only because the message came.
  KEY_CACHE_TTL_MS: '300000',
};
/** Generous for a loaded machine, yet well inside the suite's bound. */
const WAIT = { timeoutMs: 20_000, intervalMs: 100 };

/**
 * taperwatch on a Redis Cluster (3 masters, one replica each): the API here, a second API app,
 * and the built worker as a process of its own. The master holding the queues' slot is killed
 * mid-run; after its replica takes over, the watch loop goes on.
 */
describe('on a Redis Cluster', () => {
  let cluster: TestRedisCluster | undefined;
  let stack: TestStack | undefined;
  let other: NestFastifyApplication | undefined;
  let worker: ChildProcess | undefined;
  let receiver: WebhookReceiver | undefined;
  const streams: EventStreamClient[] = [];
  /** The master serving the queue prefix's slot: listed first, so subscribers start on it. */
  let doomed: number;
  const prefix = `{tw-cluster-${randomBytes(4).toString('hex')}}`;

  beforeAll(async () => {
    receiver = await startWebhookReceiver();
    cluster = await startRedisCluster({ masters: 3, nodeTimeoutMs: 1000 });
    doomed = await cluster.masterOf(prefix);
    stack = await startStack({
      workers: 0,
      redisClusterNodes: cluster.setting([doomed]),
      env: { ...FAST, QUEUE_PREFIX: prefix },
    });
    other = await createApiApp(stack.config);
    await other.listen(0, '127.0.0.1');
    // The shared Redis of the other suites is not this worker's: only the cluster is named.
    const { REDIS_URL: _shared, ...inherited } = process.env;
    const metricsPort = await freePort();
    worker = spawn(process.execPath, [path.join(DIST, 'worker/src/main.js')], {
      env: {
        ...inherited,
        ...stack.env,
        WORKER_METRICS_PORT: String(metricsPort),
      },
      stdio: 'ignore',
    });
    // Its metrics are served once its queue workers run: seeding before would race its start.
    await waitForPort('127.0.0.1', metricsPort, 30_000);
  }, 90_000);

  afterAll(async () => {
    try {
      for (const stream of streams) stream.close();
      if (worker && worker.exitCode === null && worker.signalCode === null) {
        const exited = new Promise((resolve) => worker!.once('exit', resolve));
        worker.kill('SIGTERM');
        if (!(await settlesWithin(exited, 5000))) worker.kill('SIGKILL');
      }
      await other?.close();
      await stack?.close();
      await receiver?.close();
    } finally {
      await cluster?.stop();
    }
  }, 30_000);

  const otherStream = (headers: Record<string, string> = {}) => {
    const { port } = other!.getHttpServer().address() as AddressInfo;
    const stream = openEventStream(`http://127.0.0.1:${port}/v1/alerts/stream`, headers);
    streams.push(stream);
    return stream;
  };
  /** A stream of the other app, opened again until it answers 200 (its subscription may lag). */
  const openedStream = (headers: Record<string, string>) =>
    eventually(
      async () => {
        const stream = otherStream(headers);
        if ((await stream.status) === 200) return stream;
        stream.close();
        return undefined;
      },
      Boolean,
      WAIT,
    ).then((stream) => stream!);
  /** The plan's open missed_dose alert, once the worker has raised it. */
  const missedDoseAlert = (planId: string) =>
    eventually(
      async () =>
        (await stack!.app
          .get(DataSource)
          .query(`SELECT id FROM alerts WHERE plan_id = $1 AND type = 'missed_dose'`, [
            planId,
          ])) as { id: string }[],
      (rows) => rows.length === 1,
      WAIT,
    ).then((rows) => rows[0]!.id);
  const webhookFor = (alertId: string) =>
    eventually(
      async () => receiver!.received.filter((r) => r.body.includes(alertId)),
      (hits) => hits.length > 0,
      WAIT,
    );
  const createdEvent = (stream: EventStreamClient, alertId: string) =>
    eventually(
      async () =>
        stream.events.find(
          (e) => e.event === 'alert.created' && (e.data as { id: string }).id === alertId,
        ),
      Boolean,
      WAIT,
    );

  it('keeps watching through a failover of the master holding the queues', async () => {
    const prescriber = await createKey(stack!, 'prescriber');
    const nurse = await createKey(stack!, 'nurse', [UNIT]);
    await stack!
      .http()
      .put(`/v1/units/${UNIT}/escalation-policy`)
      .set(adminAuth)
      .send({
        steps: [{ afterMinutes: 0, targets: [{ type: 'webhook', url: `${receiver!.url}/page` }] }],
        repeat: 0,
      })
      .expect(200);
    const board = await openedStream(bearer(nurse));

    // Planned, watched, alerted and escalated by the worker process, all through the cluster.
    const first = await seedWatchedPlan(stack!, prescriber, [{ inMs: -60_000 }], UNIT);
    const firstAlert = await missedDoseAlert(first.planId);
    await webhookFor(firstAlert);
    // Raised in the worker process, streamed by the other API process.
    const firstEvent = await createdEvent(board, firstAlert);

    cluster!.kill(doomed);
    const promoted = await cluster!.waitForFailover(prefix, doomed, 30_000);
    expect(promoted).not.toBe(doomed);
    // Until its queue connection has found the new master the API answers 503 (callers retry);
    // /health/ready says when it has.
    await eventually(
      async () => (await stack!.http().get('/health/ready')).status,
      (status) => status === 200,
      WAIT,
    );

    // The board's process was subscribed on the dead node: its stream ends rather than
    // going deaf, and resumes from where it was once the subscriber has moved.
    expect(await settlesWithin(board.ended, 10_000)).toBe(true);
    const resumed = await openedStream({ ...bearer(nurse), 'last-event-id': firstEvent!.id! });

    // A key revoked through this API is refused by the other one as soon as the message comes.
    const revocations = other!.get(KeyRevocations);
    await eventually(async () => revocations.live, Boolean, WAIT);
    const doomedKey = await stack!.http().post('/v1/api-keys').set(adminAuth).send({
      name: 'revoked over the cluster',
      role: 'service',
    });
    expect(doomedKey.status).toBe(201);
    await request(other!.getHttpServer())
      .get('/v1/drugs')
      .set(bearer(doomedKey.body.key))
      .expect(200);
    await stack!.http().delete(`/v1/api-keys/${doomedKey.body.id}`).set(adminAuth).expect(204);
    await eventually(
      async () =>
        (await request(other!.getHttpServer()).get('/v1/drugs').set(bearer(doomedKey.body.key)))
          .status,
      (status) => status === 401,
      WAIT,
    );

    // A second dose missed after the failover: planned, alerted, delivered and streamed.
    const second = await seedWatchedPlan(stack!, prescriber, [{ inMs: -60_000 }], UNIT);
    const secondAlert = await missedDoseAlert(second.planId);
    await webhookFor(secondAlert);
    await createdEvent(resumed, secondAlert);
  }, 80_000);
});
