import { getQueueToken } from '@nestjs/bullmq';
import { Queue } from 'bullmq';
import { randomUUID } from 'node:crypto';
import { AddressInfo } from 'node:net';
import { AlertView, AlertsService } from '@taperwatch/alerts';
import { QUEUES, jobIds } from '@taperwatch/queues';
import {
  TestStack,
  WebhookReceiver,
  adminAuth,
  bearer,
  createKey,
  eventually,
  missedDoseAlert,
  openEventStream,
  startStack,
  startWebhookReceiver,
} from '@taperwatch/testing';

/** Escalation as API.md and issue 6 say: policies, steps in order, ack, repeat, the sweep. */
describe('escalation', () => {
  let stack: TestStack;
  let alerts: AlertsService;
  let receiver: WebhookReceiver;
  let nurse: string;
  /** All units: acknowledges and resolves wherever a test raised its alert. */
  let service: string;
  let baseUrl: string;

  beforeAll(async () => {
    stack = await startStack({
      env: { WEBHOOK_ALLOW_PRIVATE: 'true', ESCALATION_SWEEP_MS: '500' },
    });
    alerts = stack.app.get(AlertsService);
    receiver = await startWebhookReceiver((_nth, path) => (path.includes('-fail') ? 500 : 204));
    nurse = await createKey(stack, 'nurse', ['ward-esc']);
    service = await createKey(stack, 'service');
    await stack.app.listen(0, '127.0.0.1');
    baseUrl = `http://127.0.0.1:${(stack.app.getHttpServer().address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await stack.close();
    await receiver.close();
  });

  const putPolicy = (unitId: string, body: unknown) =>
    stack
      .http()
      .put(`/v1/units/${unitId}/escalation-policy`)
      .set(adminAuth)
      .send(body as object);
  const hook = (path: string) => ({ type: 'webhook', url: `${receiver.url}/${path}` });
  /** A policy of one webhook per step, each to its own path: /<unit>-<step>. */
  const hookSteps = (unit: string, delays: number[], repeat = 0) =>
    putPolicy(unit, {
      steps: delays.map((afterMinutes, i) => ({ afterMinutes, targets: [hook(`${unit}-${i}`)] })),
      repeat,
    }).expect(200);
  /** A unit of its own per test, so policies and receiver paths never mix. */
  const newUnit = () => `ward-${randomUUID().slice(0, 8)}`;
  /** Raises an alert in the unit and reads it back as the API shows it. */
  const raise = async (unitId: string): Promise<AlertView> =>
    getAlert((await alerts.raise(missedDoseAlert({ unitId }))).id);
  const pathsFor = (prefix: string) =>
    receiver.received.filter((r) => r.path.startsWith(`/${prefix}`));
  const getAlert = async (id: string) =>
    (await stack.http().get(`/v1/alerts/${id}`).set(adminAuth).expect(200)).body as AlertView;

  describe('policies', () => {
    it('validates with field names, returns the secret once, rotates it, and needs admin', async () => {
      const unit = newUnit();
      const bad = await putPolicy(unit, {
        steps: [{ afterMinutes: -1, targets: [hook('a'), { type: 'webhook', url: 'ftp://x' }] }],
        repeat: 99,
      }).expect(400);
      expect(bad.body.errors.map((e: { field: string }) => e.field).sort()).toEqual([
        'repeat',
        'steps.0.afterMinutes',
        'steps.0.targets.1.url',
      ]);
      await putPolicy(unit, { steps: [], repeat: 0 }).expect(400);
      const metadata = await putPolicy(unit, {
        steps: [
          { afterMinutes: 0, targets: [{ type: 'webhook', url: 'http://169.254.169.254/' }] },
        ],
        repeat: 0,
      }).expect(400);
      expect(metadata.body.errors[0]).toEqual(
        expect.objectContaining({ field: 'steps.0.targets.0.url' }),
      );

      const policy = { steps: [{ afterMinutes: 0.5, targets: [hook('p')] }], repeat: 1 };
      const created = await putPolicy(unit, policy).expect(200);
      expect(created.body).toEqual(
        expect.objectContaining({ unitId: unit, source: 'unit', ...policy }),
      );
      expect(created.body.webhookSecret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
      const replaced = await putPolicy(unit, { ...policy, repeat: 2 }).expect(200);
      expect(replaced.body.webhookSecret).toBeUndefined();
      expect(replaced.body.repeat).toBe(2);
      const read = await stack
        .http()
        .get(`/v1/units/${unit}/escalation-policy`)
        .set(adminAuth)
        .expect(200);
      expect(read.body.webhookSecret).toBeUndefined();
      const rotated = await stack
        .http()
        .post(`/v1/units/${unit}/escalation-policy/rotate-secret`)
        .set(adminAuth)
        .expect(200);
      expect(rotated.body.webhookSecret).toMatch(/^whsec_/);
      expect(rotated.body.webhookSecret).not.toBe(created.body.webhookSecret);

      await stack.http().get(`/v1/units/${newUnit()}/escalation-policy`).set(adminAuth).expect(404);
      await stack
        .http()
        .put(`/v1/units/${unit}/escalation-policy`)
        .set(bearer(nurse))
        .send(policy)
        .expect(403);
    });

    it('freezes the policy onto the alert: a later edit does not change it', async () => {
      const unit = newUnit();
      await putPolicy(unit, {
        steps: [{ afterMinutes: 0, targets: [hook(`${unit}-a`)] }],
        repeat: 0,
      }).expect(200);
      const alert = await raise(unit);
      await putPolicy(unit, {
        steps: [{ afterMinutes: 0, targets: [hook(`${unit}-b`)] }],
        repeat: 0,
      }).expect(200);
      await eventually(
        async () => pathsFor(unit).length,
        (n) => n === 1,
      );
      expect(pathsFor(unit)[0]!.path).toBe(`/${unit}-a`);
      expect((await getAlert(alert.id)).escalation).toEqual(
        expect.objectContaining({ status: 'exhausted', policySource: 'unit' }),
      );
    });

    it('shows an alert no policy reaches as undeliverable instead of dropping it', async () => {
      const alert = await raise(newUnit());
      expect(alert.escalation).toEqual(expect.objectContaining({ status: 'undeliverable' }));
      expect((await getAlert(alert.id)).escalation?.status).toBe('undeliverable');
    });
  });

  describe('the engine', () => {
    it('fires steps in order after their fractional delays, raising the level with alert.escalated', async () => {
      const unit = 'ward-esc';
      await hookSteps(unit, [0, 0.02, 0.02]);
      const stream = openEventStream(`${baseUrl}/v1/alerts/stream`, bearer(nurse));
      expect(await stream.status).toBe(200);
      try {
        const alert = await raise(unit);
        await eventually(
          async () => pathsFor(unit).length,
          (n) => n === 3,
        );
        const got = pathsFor(unit);
        expect(got.map((r) => r.path)).toEqual([0, 1, 2].map((i) => `/${unit}-${i}`));
        // 0.02 min = 1.2 s between steps (a delay is a minimum; allow the first send's own time).
        for (const i of [1, 2]) {
          const gap = got[i]!.at - got[i - 1]!.at;
          expect(gap).toBeGreaterThanOrEqual(1000);
          expect(gap).toBeLessThan(4000);
        }
        const bodies = got.map((r) => JSON.parse(r.body));
        expect(bodies.map((b) => [b.type, b.data.level])).toEqual([
          ['alert.created', 0],
          ['alert.escalated', 1],
          ['alert.escalated', 2],
        ]);
        const final = await getAlert(alert.id);
        expect(final.level).toBe(2);
        expect(final.escalation).toEqual(expect.objectContaining({ status: 'exhausted', step: 2 }));
        const escalated = await eventually(
          async () => stream.events.filter((e) => e.event === 'alert.escalated'),
          (events) => events.length === 2,
        );
        expect(escalated.map((e) => (e.data as AlertView).level)).toEqual([1, 2]);
        const deliveries = await stack
          .http()
          .get(`/v1/alerts/${alert.id}/deliveries`)
          .set(bearer(nurse))
          .expect(200);
        expect(deliveries.body.items).toHaveLength(3);
        expect(deliveries.body.items[0]).toEqual(
          expect.objectContaining({ step: 0, loop: 0, type: 'webhook', status: 'delivered' }),
        );
        const other = await createKey(stack, 'nurse', ['ward-elsewhere']);
        await stack.http().get(`/v1/alerts/${alert.id}/deliveries`).set(bearer(other)).expect(404);
      } finally {
        stream.close();
      }
    });

    it('stops at once on acknowledge', async () => {
      const unit = newUnit();
      await hookSteps(unit, [0, 0.02]);
      const acked = await raise(unit);
      await eventually(
        async () => pathsFor(`${unit}-0`).length,
        (n) => n === 1,
      );
      const ack = await stack
        .http()
        .post(`/v1/alerts/${acked.id}/acknowledge`)
        .set(bearer(service))
        .expect(200);
      expect(ack.body.escalation).toEqual(expect.objectContaining({ status: 'acknowledged' }));
      expect(ack.body.escalation.nextAt).toBeUndefined();
      // A control alert raised after it reaches step 1, so the acknowledged one's time has passed.
      const control = await raise(unit);
      await eventually(
        async () => pathsFor(`${unit}-1`).length,
        (n) => n >= 1,
      );
      const stepOnes = pathsFor(`${unit}-1`).map((r) => JSON.parse(r.body).data.id);
      expect(stepOnes).toEqual([control.id]);
      expect((await getAlert(acked.id)).level).toBe(0);
    });

    it('repeats the steps as many rounds as configured', async () => {
      const unit = newUnit();
      await hookSteps(unit, [0, 0.01], 2);
      const alert = await raise(unit);
      await eventually(
        async () => (await getAlert(alert.id)).escalation?.status,
        (s) => s === 'exhausted',
      );
      await eventually(
        async () => pathsFor(unit).length,
        (n) => n === 6,
      );
      const seen = pathsFor(unit).map((r) => {
        const body = JSON.parse(r.body);
        return `${r.path.slice(-1)}@${body.data.level}`;
      });
      expect(seen).toEqual(['0@0', '1@1', '0@2', '1@3', '0@4', '1@5']);
      expect((await getAlert(alert.id)).level).toBe(5);
    });

    it('fires a step whose delayed job was lost, through the sweep', async () => {
      const unit = newUnit();
      await hookSteps(unit, [0, 0.02]);
      const alert = await raise(unit);
      await eventually(
        async () => pathsFor(`${unit}-0`).length,
        (n) => n === 1,
      );
      const queue = stack.app.get<Queue>(getQueueToken(QUEUES.escalations), { strict: false });
      const jobId = jobIds.escalate({ alertId: alert.id, step: 1, loop: 0 });
      await eventually(async () => (await queue.getJob(jobId)) !== undefined, Boolean);
      await queue.remove(jobId);
      expect(await queue.getJob(jobId)).toBeUndefined();
      await eventually(
        async () => pathsFor(`${unit}-1`).length,
        (n) => n === 1,
      );
      expect((await getAlert(alert.id)).level).toBe(1);
    });

    it('ends on resolve and cancels a delivery still waiting to retry', async () => {
      const unit = newUnit();
      await putPolicy(unit, {
        steps: [{ afterMinutes: 0, targets: [hook(`${unit}-fail`)] }],
        repeat: 0,
      }).expect(200);
      const alert = await raise(unit);
      const deliveries = () =>
        stack.http().get(`/v1/alerts/${alert.id}/deliveries`).set(bearer(service)).expect(200);
      await eventually(
        async () => (await deliveries()).body.items[0],
        (d?: { status: string; attempts: unknown[] }) =>
          d?.status === 'pending' && d.attempts.length === 1,
      );
      const resolved = await stack
        .http()
        .post(`/v1/alerts/${alert.id}/resolve`)
        .set(bearer(service))
        .send({})
        .expect(200);
      expect(resolved.body.escalation).toEqual(expect.objectContaining({ status: 'ended' }));
      const [delivery] = (await deliveries()).body.items;
      expect(delivery).toEqual(
        expect.objectContaining({ status: 'cancelled', lastError: 'alert resolved' }),
      );
    });
  });
});
