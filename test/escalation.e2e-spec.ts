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
  createPatient,
  eventually,
  missedDoseAlert,
  openEventStream,
  startStack,
  startWebhookReceiver,
} from '@taperwatch/testing';

/**
 * Escalation as docs/api.md (Alerts and escalation) says: policies, steps in order, ack, repeat,
 * the sweep.
 */
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

    it('re-opens an acknowledged alert on a new miss: alert.reopened, escalation again from step 0', async () => {
      const unit = newUnit();
      await hookSteps(unit, [0, 60]);
      const unitNurse = await createKey(stack, 'nurse', [unit]);
      const stream = openEventStream(`${baseUrl}/v1/alerts/stream`, bearer(unitNurse));
      expect(await stream.status).toBe(200);
      try {
        const first = missedDoseAlert({ unitId: unit });
        const { id } = await alerts.raise(first);
        await eventually(
          async () => pathsFor(`${unit}-0`).length,
          (n) => n === 1,
        );
        await stack.http().post(`/v1/alerts/${id}/acknowledge`).set(bearer(unitNurse)).expect(200);
        // The same miss judged again (any later evaluation of the plan) changes nothing.
        expect(await alerts.raise(first)).toEqual({ id, created: false });
        expect((await getAlert(id)).status).toBe('acknowledged');

        const further = randomUUID();
        const again = await alerts.raise({ ...first, doseIds: [...first.doseIds, further] });
        expect(again).toEqual({ id, created: false, reopened: true });
        const reopened = await eventually(
          async () => stream.events.filter((e) => e.event === 'alert.reopened'),
          (events) => events.length === 1,
        );
        expect(reopened[0]!.data).toEqual(
          expect.objectContaining({ id, status: 'open', level: 0 }),
        );
        expect((reopened[0]!.data as AlertView).acknowledgedAt).toBeUndefined();
        // Step 0 of the policy is paged again, as for a new alert.
        await eventually(
          async () => pathsFor(`${unit}-0`).length,
          (n) => n === 2,
        );
        const view = await getAlert(id);
        expect(view).toEqual(
          expect.objectContaining({
            status: 'open',
            doseIds: [...first.doseIds, further].sort(),
            escalation: expect.objectContaining({ status: 'active', step: 1, loop: 0 }),
          }),
        );
        const deliveries = (
          await stack.http().get(`/v1/alerts/${id}/deliveries`).set(bearer(unitNurse)).expect(200)
        ).body.items as { step: number; status: string }[];
        expect(deliveries.map((d) => [d.step, d.status])).toEqual([
          [0, 'delivered'],
          [0, 'delivered'],
        ]);
      } finally {
        stream.close();
      }
    });

    it('moves live alerts with a patient to another unit: the new unit sees and is paged, the old gets 404', async () => {
      const [from, to] = [newUnit(), newUnit()];
      await hookSteps(from, [0, 60]);
      await hookSteps(to, [0, 60]);
      const [fromNurse, toNurse] = await Promise.all([
        createKey(stack, 'nurse', [from]),
        createKey(stack, 'nurse', [to]),
      ]);
      const patient = await createPatient(stack, service, { unitId: from });
      const open = await alerts.raise(missedDoseAlert({ unitId: from, patientId: patient.id }));
      const acked = await alerts.raise(
        missedDoseAlert({
          unitId: from,
          patientId: patient.id,
          type: 'abrupt_cessation_risk',
          severity: 'critical',
        }),
      );
      await eventually(
        async () => pathsFor(`${from}-0`).length,
        (n) => n === 2,
      );
      await stack
        .http()
        .post(`/v1/alerts/${acked.id}/acknowledge`)
        .set(bearer(fromNurse))
        .expect(200);
      const streams = [fromNurse, toNurse].map((key) =>
        openEventStream(`${baseUrl}/v1/alerts/stream`, bearer(key)),
      );
      expect(await Promise.all(streams.map((st) => st.status))).toEqual([200, 200]);
      try {
        await stack
          .http()
          .patch(`/v1/patients/${patient.id}`)
          .set(bearer(service))
          .send({ unitId: to })
          .expect(200);

        for (const id of [open.id, acked.id]) {
          await stack.http().get(`/v1/alerts/${id}`).set(bearer(fromNurse)).expect(404);
          await stack
            .http()
            .post(`/v1/alerts/${id}/resolve`)
            .set(bearer(fromNurse))
            .send({})
            .expect(404);
        }
        const seen = (
          await stack
            .http()
            .get(`/v1/alerts?patientId=${patient.id}`)
            .set(bearer(toNurse))
            .expect(200)
        ).body.items as AlertView[];
        expect(seen.map((a) => [a.id, a.unitId, a.status]).sort()).toEqual(
          [
            [open.id, to, 'open'],
            [acked.id, to, 'acknowledged'],
          ].sort(),
        );
        // Both streams hear of both moves: the new unit sees them arrive, the old one leave.
        for (const stream of streams) {
          const moved = await eventually(
            async () => stream.events.filter((e) => e.event === 'alert.transferred'),
            (events) => events.length === 2,
          );
          expect(moved.map((e) => e.data)).toEqual(
            expect.arrayContaining([
              expect.objectContaining({ id: open.id, unitId: to, transferredFrom: from }),
              expect.objectContaining({ id: acked.id, unitId: to, transferredFrom: from }),
            ]),
          );
        }
        // The open alert pages the new unit from step 0; the acknowledged one pages nobody.
        await eventually(
          async () => pathsFor(`${to}-0`).map((r) => JSON.parse(r.body).data.id),
          (ids) => ids.length === 1 && ids[0] === open.id,
        );
        expect(pathsFor(`${from}-`)).toHaveLength(2);
        expect((await getAlert(open.id)).escalation).toEqual(
          expect.objectContaining({ status: 'active', step: 1, loop: 0 }),
        );
      } finally {
        streams.forEach((st) => st.close());
      }
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
