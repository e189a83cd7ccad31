import { Queue } from 'bullmq';
import { DataSource } from 'typeorm';
import { AlertsService, RaiseAlert } from '@taperwatch/alerts';
import { TaperRequestsService } from '@taperwatch/plans';
import { JOB_NAMES, QUEUES, jobIds } from '@taperwatch/queues';
import {
  HOUR,
  TestStack,
  baclofenRequest,
  bearer,
  createKey,
  createPatient,
  eventually,
  seedWatchedPlan,
  startStack,
} from '@taperwatch/testing';

/** 1.2 s of grace and half-second sweeps: the watcher's and the maintenance timing, compressed. */
const FAST = {
  DOSE_GRACE_MINUTES: '0.02',
  WATCH_SWEEP_MS: '500',
  MAINTENANCE_SWEEP_MS: '500',
  PLANNING_MAX_ATTEMPTS: '3',
};

type Alert = { type: string; severity: string; doseIds: string[]; planId: string };

/**
 * Makes `alerts.raise` fail for one plan, `times` times, as a crash or a dropped connection
 * between a fact's commit and its consequence would: the AlertsService the app injects is the
 * seam. Returns how many raises failed so far.
 */
function failRaises(alerts: AlertsService, planId: string, times = 1): () => number {
  const raise = alerts.raise.bind(alerts);
  let failed = 0;
  jest
    .spyOn(alerts, 'raise')
    .mockImplementation(async (input: RaiseAlert, known?: { live: boolean }) => {
      if (input.planId === planId && failed < times) {
        failed++;
        throw new Error('connection lost while raising');
      }
      return raise(input, known);
    });
  return () => failed;
}

/** Fails every statement of `event` on `table` (a stand-in for Postgres refusing the write). */
async function failWrites(ds: DataSource, table: string, event: 'INSERT' | 'UPDATE') {
  await ds.query(`CREATE OR REPLACE FUNCTION durable_test_refuse() RETURNS trigger AS $$
    BEGIN RAISE EXCEPTION 'refused by the test'; END $$ LANGUAGE plpgsql`);
  await ds.query(`CREATE TRIGGER durable_test_refuse BEFORE ${event} ON ${table}
    FOR EACH ROW EXECUTE FUNCTION durable_test_refuse()`);
  return () => ds.query(`DROP TRIGGER durable_test_refuse ON ${table}`);
}

describe('durable work', () => {
  afterEach(() => jest.restoreAllMocks());

  describe('missed doses, recordings and symptom checks', () => {
    let stack: TestStack;
    let nurse: string;
    let prescriber: string;

    beforeAll(async () => {
      stack = await startStack({ env: FAST });
      prescriber = await createKey(stack, 'prescriber');
      nurse = await createKey(stack, 'nurse', ['ward-7']);
    });
    afterAll(() => stack.close());

    const alertsOf = async (planId: string): Promise<Alert[]> =>
      (await stack.http().get(`/v1/alerts?status=open`).set(bearer(nurse))).body.items.filter(
        (a: Alert) => a.planId === planId,
      );
    const owedJudgements = async (planId: string) =>
      (
        await stack.app
          .get(DataSource)
          .query(`SELECT count(*)::int AS n FROM doses WHERE plan_id = $1 AND judge_pending`, [
            planId,
          ])
      )[0].n as number;

    it('raises the alert when judging fails after the dose was marked missed', async () => {
      const { planId, doseIds } = await seedWatchedPlan(stack, prescriber, [
        { inMs: -16 * HOUR, status: 'given' },
        { inMs: -8 * HOUR, status: 'given' },
        { inMs: 1000 },
      ]);
      const failures = failRaises(stack.workers[0]!.app.get(AlertsService), planId);
      const alerts = await eventually(
        () => alertsOf(planId),
        (a) => a.length > 0,
      );
      expect(failures()).toBe(1);
      expect(alerts).toEqual([
        expect.objectContaining({ type: 'missed_dose', doseIds: [doseIds[2]] }),
      ]);
      await eventually(
        () => owedJudgements(planId),
        (n) => n === 0,
      );
    });

    it('raises the alert for a dose a killed worker marked missed and never judged', async () => {
      const { planId, doseIds } = await seedWatchedPlan(stack, prescriber, [
        { inMs: -16 * HOUR, status: 'given' },
        { inMs: -8 * HOUR, status: 'given' },
        { inMs: -60_000 },
      ]);
      // What the per-dose check commits before it judges: the worker died right after.
      await stack.app.get(DataSource).query(
        `UPDATE doses SET status = 'missed', missed_at = now(), judge_pending = true,
                  missed_after = now() WHERE id = $1`,
        [doseIds[2]],
      );
      const alerts = await eventually(
        () => alertsOf(planId),
        (a) => a.length > 0,
      );
      expect(alerts).toEqual([
        expect.objectContaining({ type: 'missed_dose', doseIds: [doseIds[2]] }),
      ]);
      expect(await owedJudgements(planId)).toBe(0);
    });

    it('answers a refusal 201 when judging it fails, and the alert still comes', async () => {
      const { planId, doseIds } = await seedWatchedPlan(stack, prescriber, [
        { inMs: -16 * HOUR, status: 'given' },
        { inMs: -8 * HOUR, status: 'given' },
        { inMs: 10 * 60_000 },
      ]);
      const failures = failRaises(stack.app.get(AlertsService), planId);
      const res = await stack
        .http()
        .post(`/v1/doses/${doseIds[2]}/administrations`)
        .set(bearer(nurse))
        .send({ outcome: 'refused' })
        .expect(201);
      expect(res.body).toEqual(expect.objectContaining({ id: doseIds[2], status: 'refused' }));
      expect(failures()).toBe(1);
      const alerts = await eventually(
        () => alertsOf(planId),
        (a) => a.length > 0,
      );
      expect(alerts).toEqual([
        expect.objectContaining({ type: 'missed_dose', doseIds: [doseIds[2]] }),
      ]);
      await eventually(
        () => owedJudgements(planId),
        (n) => n === 0,
      );
    });

    const symptomCheck = (planId: string) =>
      stack
        .http()
        .post(`/v1/plans/${planId}/symptom-checks`)
        .set(bearer(nurse))
        .send({ scale: 'COWS', score: 30, observedAt: new Date().toISOString() });
    const revisionsOf = async (planId: string) =>
      (await stack.app
        .get(DataSource)
        .query(`SELECT id FROM plans WHERE parent_plan_id = $1`, [planId])) as { id: string }[];

    it('stores no hold revision when the symptom check cannot be stored', async () => {
      const { planId } = await seedWatchedPlan(stack, prescriber, [
        { inMs: -8 * HOUR, status: 'given' },
      ]);
      const ds = stack.app.get(DataSource);
      const restore = await failWrites(ds, 'symptom_checks', 'INSERT');
      try {
        const res = await symptomCheck(planId);
        expect(res.status).toBe(500);
        expect(JSON.stringify(res.body)).not.toMatch(/refused by the test|symptom_checks/);
      } finally {
        await restore();
      }
      expect(await revisionsOf(planId)).toEqual([]);
      expect(await alertsOf(planId)).toEqual([]);
      // The retry proposes the hold once, with its check and its alert.
      const retried = (await symptomCheck(planId).expect(201)).body;
      expect(await revisionsOf(planId)).toEqual([{ id: retried.revisionPlanId }]);
      expect(await alertsOf(planId)).toEqual([
        expect.objectContaining({ type: 'withdrawal_symptoms', severity: 'critical' }),
      ]);
    });

    it('keeps a symptom check and its hold when raising its alert fails, and the sweep raises it', async () => {
      const { planId } = await seedWatchedPlan(stack, prescriber, [
        { inMs: -8 * HOUR, status: 'given' },
      ]);
      const failures = failRaises(stack.app.get(AlertsService), planId);
      const check = (await symptomCheck(planId).expect(201)).body;
      expect(failures()).toBe(1);
      expect(check.revisionPlanId).toEqual(expect.any(String));
      expect(await revisionsOf(planId)).toEqual([{ id: check.revisionPlanId }]);
      const alerts = await eventually(
        () => alertsOf(planId),
        (a) => a.length > 0,
      );
      expect(alerts).toEqual([
        expect.objectContaining({ type: 'withdrawal_symptoms', severity: 'critical' }),
      ]);
      // The sweep raises the alert, then marks the check raised: the mark follows shortly
      // (eventually fails the test if it never comes).
      await eventually(
        async () =>
          (
            (await stack.app
              .get(DataSource)
              .query(`SELECT pending_alert FROM symptom_checks WHERE id = $1`, [check.id])) as {
              pending_alert: unknown;
            }[]
          )[0],
        (row) => row?.pending_alert === null,
      );
    });
  });

  describe('planning', () => {
    let stack: TestStack;
    let prescriber: string;
    let queue: Queue;

    beforeAll(async () => {
      // No worker yet: the first test loses and fails jobs before one runs.
      stack = await startStack({ env: FAST, workers: 0 });
      prescriber = await createKey(stack, 'prescriber');
      queue = new Queue(QUEUES.planning, {
        connection: { url: stack.env.REDIS_URL },
        prefix: stack.env.QUEUE_PREFIX,
      });
    });
    afterAll(async () => {
      await queue.close();
      await stack.close();
    });

    const submit = async () => {
      const patient = await createPatient(stack, prescriber);
      return (
        await stack
          .http()
          .post('/v1/taper-requests')
          .set(bearer(prescriber))
          .send(baclofenRequest(patient.id))
          .expect(202)
      ).body.id as string;
    };
    const requestView = async (id: string) =>
      (await stack.http().get(`/v1/taper-requests/${id}`).set(bearer(prescriber)).expect(200))
        .body as {
        status: string;
        planId?: string;
        problems?: { code: string; message: string }[];
      };

    it('re-queues every stale request in one sweep, and touches each so the next sweep moves on', async () => {
      const template = await submit();
      await queue.drain();
      const ds = stack.app.get(DataSource);
      // More stale requests than one batch of the sweep takes, their jobs all lost.
      const copies: { id: string }[] = await ds.query(
        `INSERT INTO taper_requests (id, tenant_id, patient_id, drug_code, body, status, created_by,
                                     created_at, updated_at)
         SELECT gen_random_uuid(), tenant_id, patient_id, drug_code, body, 'queued', created_by,
                now() - interval '1 hour', now() - interval '1 hour' - make_interval(secs => n)
         FROM taper_requests, generate_series(1, 600) AS n WHERE id = $1
         RETURNING id`,
        [template],
      );
      await ds.query(`DELETE FROM taper_requests WHERE id = $1`, [template]);
      const requests = stack.app.get(TaperRequestsService);
      expect(await requests.requeueStale(60_000)).toBe(copies.length);
      expect(await queue.getJobCounts('waiting')).toEqual({ waiting: copies.length });
      const [{ n }] = await ds.query(
        `SELECT count(*)::int AS n FROM taper_requests WHERE updated_at < now() - interval '1 minute'`,
      );
      expect(n).toBe(0);
      expect(await requests.requeueStale(60_000)).toBe(0);
      // Left for no worker to plan: the next tests start from an empty queue.
      await queue.drain();
      await ds.query(`DELETE FROM taper_requests WHERE id = ANY($1::uuid[])`, [
        copies.map((c) => c.id),
      ]);
    });

    it('plans a request whose job Redis lost, and one whose job failed for good while Postgres refused', async () => {
      const lost = await submit();
      await queue.remove(jobIds.planRequest(lost));
      expect(await queue.getJob(jobIds.planRequest(lost))).toBeUndefined();

      // Its job has one try, and Postgres refuses every update of a request meanwhile: the
      // attempt cannot even be counted, and BullMQ keeps the failed job under the request's id.
      const failed = await submit();
      await queue.remove(jobIds.planRequest(failed));
      await queue.add(
        JOB_NAMES.planRequest,
        { requestId: failed },
        { jobId: jobIds.planRequest(failed), attempts: 1 },
      );
      const ds = stack.app.get(DataSource);
      const restore = await failWrites(ds, 'taper_requests', 'UPDATE');
      await stack.startWorker();
      try {
        await eventually(
          async () => (await queue.getJob(jobIds.planRequest(failed)))?.getState(),
          (state) => state === 'failed',
        );
        expect((await requestView(lost)).status).toBe('queued');
        expect((await requestView(failed)).status).toBe('queued');
      } finally {
        await restore();
      }

      for (const id of [lost, failed]) {
        const view = await eventually(
          () => requestView(id),
          (v) => v.status !== 'queued',
        );
        expect(view).toEqual(
          expect.objectContaining({ status: 'planned', planId: expect.any(String) }),
        );
      }
    });

    it('ends a request that keeps failing as failed, with the reason, after its attempts', async () => {
      const ds = stack.app.get(DataSource);
      const restore = await failWrites(ds, 'plans', 'INSERT');
      try {
        const id = await submit();
        const view = await eventually(
          () => requestView(id),
          (v) => v.status !== 'queued',
          { timeoutMs: 20_000 },
        );
        expect(view).toEqual(
          expect.objectContaining({
            status: 'failed',
            problems: [
              { code: 'planning_failed', message: expect.stringMatching(/failed 3 times/) },
            ],
          }),
        );
        expect(view.planId).toBeUndefined();
        const [row] = await ds.query(`SELECT attempts FROM taper_requests WHERE id = $1`, [id]);
        expect(row.attempts).toBe(3);
      } finally {
        await restore();
      }
    });
  });
});
