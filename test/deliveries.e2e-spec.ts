import { spawn } from 'node:child_process';
import path from 'node:path';
import { Webhook } from 'standardwebhooks';
import { DataSource } from 'typeorm';
import { AlertView, AlertsService } from '@taperwatch/alerts';
import {
  HOUR,
  MailServer,
  TestStack,
  WebhookReceiver,
  adminAuth,
  createKey,
  eventually,
  missedDoseAlert,
  seedWatchedPlan,
  startSmtpServer,
  startStack,
  startWebhookReceiver,
} from '@taperwatch/testing';

const DIST = path.resolve(__dirname, '../dist/apps');
const FAST = {
  WEBHOOK_ALLOW_PRIVATE: 'true',
  ESCALATION_SWEEP_MS: '500',
  DELIVERY_RETRY_BASE_MS: '200',
  DELIVERY_RETRY_MAX_MS: '1000',
};

type Delivery = {
  id: string;
  status: string;
  type: string;
  attempts: { attempt: number; outcome: string; responseStatus?: number; error?: string }[];
};

function putPolicy(stack: TestStack, unitId: string, targets: object[]) {
  return stack
    .http()
    .put(`/v1/units/${unitId}/escalation-policy`)
    .set(adminAuth)
    .send({ steps: [{ afterMinutes: 0, targets }], repeat: 0 });
}

const deliveriesOf = async (stack: TestStack, alertId: string): Promise<Delivery[]> =>
  (await stack.http().get(`/v1/alerts/${alertId}/deliveries`).set(adminAuth).expect(200)).body
    .items;

/**
 * Deliveries as the escalation requirements ask: Standard Webhooks, retries, e-mail, two workers,
 * address rules.
 */
describe('deliveries', () => {
  describe('with one worker and private receivers allowed', () => {
    let stack: TestStack;
    let receiver: WebhookReceiver;
    let mail: MailServer;

    beforeAll(async () => {
      mail = await startSmtpServer();
      stack = await startStack({
        env: { ...FAST, SMTP_URL: mail.url, DOSE_GRACE_MINUTES: '0.02', WATCH_SWEEP_MS: '500' },
      });
      // /flaky fails twice, then accepts.
      receiver = await startWebhookReceiver((nth, p) => (p === '/flaky' && nth <= 2 ? 503 : 200));
    });
    afterAll(async () => {
      await stack.close();
      await receiver.close();
      await mail.close();
    });

    it('retries a failing receiver with the same webhook-id until one 2xx, signed per Standard Webhooks', async () => {
      const created = await putPolicy(stack, 'ward-flaky', [
        { type: 'webhook', url: `${receiver.url}/flaky` },
      ]).expect(200);
      const secret = created.body.webhookSecret as string;
      const alert = await stack.app
        .get(AlertsService)
        .raise(missedDoseAlert({ unitId: 'ward-flaky' }));

      const [delivery] = await eventually(
        () => deliveriesOf(stack, alert.id),
        (items) => items[0]?.status === 'delivered',
      );
      expect(delivery!.attempts.map((a) => [a.attempt, a.outcome, a.responseStatus])).toEqual([
        [1, 'failed', 503],
        [2, 'failed', 503],
        [3, 'delivered', 200],
      ]);
      const got = receiver.received.filter((r) => r.path === '/flaky');
      expect(got).toHaveLength(3);
      expect(new Set(got.map((r) => r.headers['webhook-id']))).toEqual(new Set([delivery!.id]));
      expect(new Set(got.map((r) => r.body)).size).toBe(1);

      // A real verifier, not our own code: every attempt verifies, a tampered body does not.
      const verifier = new Webhook(secret);
      for (const request of got) {
        const headers = request.headers as Record<string, string>;
        const verified = verifier.verify(request.body, headers) as {
          type: string;
          data: AlertView;
        };
        expect(verified.type).toBe('alert.created');
        expect(verified.data).toEqual(expect.objectContaining({ id: alert.id, level: 0 }));
      }
      const tampered = got[2]!.body.replace('"level":0', '"level":9');
      expect(tampered).not.toBe(got[2]!.body);
      expect(() => verifier.verify(tampered, got[2]!.headers as Record<string, string>)).toThrow();
      const otherKey = new Webhook(`whsec_${Buffer.alloc(32, 7).toString('base64')}`);
      expect(() =>
        otherKey.verify(got[2]!.body, got[2]!.headers as Record<string, string>),
      ).toThrow();
    });

    it('e-mails the unit, drug, what happened and the board link, with no patient identifiers', async () => {
      const prescriber = await createKey(stack, 'prescriber');
      await putPolicy(stack, 'ward-mail', [
        { type: 'email', address: 'charge.nurse@ward.example' },
      ]).expect(200);
      // The real path: the watcher finds the missed dose and raises the alert.
      const plan = await seedWatchedPlan(stack, prescriber, [{ inMs: -HOUR }], 'ward-mail');
      // The body is quoted-printable: undo soft line breaks and =XX escapes.
      const decode = (raw: string) =>
        raw
          .replace(/=\r?\n/g, '')
          .replace(/=([0-9A-F]{2})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));
      // A dose an hour overdue on a fresh plan is also a cessation risk: two alerts, raised side
      // by side, so their mails come in either order.
      const messages = await eventually(
        async () => mail.messages,
        (m) => m.length >= 2,
      );
      const missed = messages.find((m) => decode(m.raw).includes('WARNING: Missed dose'));
      expect(missed).toBeDefined();
      const { to } = missed!;
      const raw = decode(missed!.raw);
      expect(to).toEqual(['charge.nurse@ward.example']);
      expect(raw).toMatch(/Subject: \[taperwatch\] WARNING: Missed dose, unit ward-mail/);
      expect(raw).toContain('Unit: ward-mail');
      expect(raw).toContain('Drug: Baclofen');
      expect(raw).toMatch(/What happened: Missed dose\. Baclofen: 1 missed dose/i);
      expect(raw).toMatch(/http:\/\/localhost:3000\/board\?alert=[0-9a-f-]{36}/);
      const [patient] = (await stack.app
        .get(DataSource)
        .query('SELECT external_id, birth_date FROM patients WHERE id = $1', [plan.patientId])) as {
        external_id: string;
      }[];
      expect(raw).not.toContain(patient!.external_id);
      expect(raw).not.toContain(plan.patientId);
    });
  });

  it('two worker processes send each delivery exactly once', async () => {
    const stack = await startStack({ workers: 0, env: FAST });
    const receiver = await startWebhookReceiver();
    const spawnWorker = () =>
      spawn(process.execPath, [path.join(DIST, 'worker/src/main.js')], {
        env: { ...process.env, ...stack.env },
        stdio: 'ignore',
      });
    const workers = [spawnWorker(), spawnWorker()];
    try {
      const targets = ['a', 'b', 'c'].map((p) => ({
        type: 'webhook',
        url: `${receiver.url}/${p}`,
      }));
      await stack
        .http()
        .put('/v1/units/ward-pair/escalation-policy')
        .set(adminAuth)
        .send({
          steps: [
            { afterMinutes: 0, targets },
            { afterMinutes: 0.01, targets },
          ],
          repeat: 0,
        })
        .expect(200);
      const alerts = stack.app.get(AlertsService);
      const raised = await Promise.all(
        Array.from({ length: 20 }, () => alerts.raise(missedDoseAlert({ unitId: 'ward-pair' }))),
      );
      // 20 alerts x 2 steps x 3 targets; a row turns delivered just after its receiver answers.
      const ds = stack.app.get(DataSource);
      await eventually(
        () =>
          ds.query(
            `SELECT count(*)::int AS count FROM alert_deliveries WHERE status = 'delivered'`,
          ),
        (rows: { count: number }[]) => rows[0]!.count >= 120,
        { timeoutMs: 30_000 },
      );
      const [{ count }] = (await ds.query(
        `SELECT count(*)::int AS count FROM alert_deliveries WHERE status = 'delivered'`,
      )) as { count: number }[];
      expect(count).toBe(120);
      expect(receiver.received).toHaveLength(120);
      const ids = receiver.received.map((r) => r.headers['webhook-id']);
      expect(new Set(ids).size).toBe(ids.length);
      expect(raised.every((r) => r.created)).toBe(true);
    } finally {
      for (const w of workers) w.kill('SIGTERM');
      await receiver.close();
      await stack.close();
    }
  });

  it('refuses a private address without WEBHOOK_ALLOW_PRIVATE, at PUT and at send time', async () => {
    const stack = await startStack({ env: { ESCALATION_SWEEP_MS: '500' } });
    const receiver = await startWebhookReceiver();
    try {
      const literal = await putPolicy(stack, 'ward-closed', [
        { type: 'webhook', url: `${receiver.url}/x` },
      ]).expect(400);
      expect(literal.body.errors).toEqual([
        expect.objectContaining({
          field: 'steps.0.targets.0.url',
          message: expect.stringMatching(/loopback/),
        }),
      ]);
      // A name is judged by the address it resolves to, when sending.
      await putPolicy(stack, 'ward-closed', [
        { type: 'webhook', url: `http://localhost:${receiver.port}/x` },
      ]).expect(200);
      const alert = await stack.app
        .get(AlertsService)
        .raise(missedDoseAlert({ unitId: 'ward-closed' }));
      const [delivery] = await eventually(
        () => deliveriesOf(stack, alert.id),
        (items) => items[0]?.status === 'failed',
      );
      expect(delivery!.attempts).toEqual([
        expect.objectContaining({
          outcome: 'refused',
          error: expect.stringMatching(/loopback address/),
        }),
      ]);
      expect(receiver.received).toHaveLength(0);
      const view = (await stack.http().get(`/v1/alerts/${alert.id}`).set(adminAuth))
        .body as AlertView;
      expect(view.escalation?.failedDeliveries).toBe(1);
    } finally {
      await receiver.close();
      await stack.close();
    }
  });
});
