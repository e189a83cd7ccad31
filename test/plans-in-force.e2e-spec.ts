import { DateTime } from 'luxon';
import { Client } from 'pg';
import { ManualClock } from '@taperwatch/common';
import {
  baclofenRequest,
  bearer,
  createKey,
  createPatient,
  eventually,
  proposePlan,
  startStack,
  TestStack,
} from '@taperwatch/testing';

interface Dose {
  id: string;
  dueAt: string;
  doseMg: number;
  stepIndex: number;
  status: string;
}
interface Step {
  index: number;
  startDate: string;
  endDate: string;
  dailyDoseMg: number;
  doses: { time: string; doseMg: number }[];
}

const DAY = 86_400_000;

/** Approval, pause, resume, cancel and revision against real Postgres and Redis, on a moved clock. */
describe('plans in force', () => {
  const clock = new ManualClock(new Date('2027-03-01T12:00:00Z'));
  let stack: TestStack;
  let db: Client;
  let prescriber: string;
  let nurse: string;

  beforeAll(async () => {
    stack = await startStack({
      clock,
      env: { DOSE_HORIZON_INTERVAL_MS: '200', SYMPTOM_THRESHOLD_CIWA_B: '20' },
    });
    db = new Client({ connectionString: stack.database.url });
    await db.connect();
    prescriber = await createKey(stack, 'prescriber');
    nurse = await createKey(stack, 'nurse', ['ward-7']);
  });
  afterAll(async () => {
    await db.end();
    await stack.close();
  });

  const http = () => stack.http();
  const post = (path: string, body: object = {}, key = prescriber) =>
    http().post(path).set(bearer(key)).send(body);
  const getPlan = async (id: string) =>
    (await http().get(`/v1/plans/${id}`).set(bearer(prescriber)).expect(200)).body;
  const doses = async (planId: string, query = ''): Promise<Dose[]> =>
    (
      await http()
        .get(`/v1/plans/${planId}/doses?limit=200${query}`)
        .set(bearer(prescriber))
        .expect(200)
    ).body.items;

  /** Submits a taper request and waits for the worker's proposed plan. */
  const proposedPlan = (body: object) => proposePlan(stack, prescriber, body);

  /** Waits for the horizon job to have written doses six days past the clock. */
  const aheadWritten = (id: string) =>
    eventually(
      () => doses(id, `&status=scheduled&from=${clock.now().toISOString()}`),
      (rows) =>
        rows.length > 0 &&
        rows[rows.length - 1].dueAt > new Date(clock.now().getTime() + 6 * DAY).toISOString(),
    );

  async function approvedPlan(body: object): Promise<string> {
    const id = await proposedPlan(body);
    await post(`/v1/plans/${id}/approve`).expect(200);
    return id;
  }

  it('approves into dose rows at the patient’s 08:00/14:00/20:00 across the March DST change', async () => {
    clock.set(new Date('2027-03-11T15:00:00Z')); // 10:00 EST
    const patient = await createPatient(stack, prescriber, { timezone: 'America/New_York' });
    const id = await proposedPlan(baclofenRequest(patient.id, { startDate: '2027-03-12' }));
    const approved = await post(`/v1/plans/${id}/approve`).expect(200);
    expect(approved.body).toMatchObject({
      status: 'active',
      approvedAt: '2027-03-11T15:00:00.000Z',
      approvedBy: { type: 'api_key', id: expect.any(String), name: 'prescriber key' },
    });

    const rows = await doses(id);
    // From the first time on or after startDate, up to the 7-day horizon and no further.
    expect(rows[0].dueAt).toBe('2027-03-12T13:00:00.000Z');
    const dueAts = rows.map((d) => d.dueAt);
    expect(dueAts).toEqual(
      expect.arrayContaining([
        '2027-03-13T13:00:00.000Z',
        '2027-03-14T12:00:00.000Z',
        '2027-03-14T18:00:00.000Z',
        '2027-03-15T00:00:00.000Z',
      ]),
    );
    expect(rows[rows.length - 1].dueAt < '2027-03-18T15:00:00.000Z').toBe(true);
    expect(rows).toHaveLength(6 * 3 + 1); // 12th..17th three times a day, and 08:00 on the 18th
    for (const d of rows) {
      const local = DateTime.fromISO(d.dueAt, { zone: 'America/New_York' }).toFormat('HH:mm');
      expect(['08:00', '14:00', '20:00']).toContain(local);
      expect(d.status).toBe('scheduled');
    }
    const { rows: transitions } = await db.query(
      'SELECT action, from_status, to_status, actor_key_id FROM plan_transitions WHERE plan_id = $1',
      [id],
    );
    expect(transitions).toEqual([
      {
        action: 'approve',
        from_status: 'proposed',
        to_status: 'active',
        actor_key_id: expect.any(String),
      },
    ]);
  });

  it('pauses at the current step’s dose, extends it while paused, and shifts the rest on resume', async () => {
    clock.set(new Date('2027-04-01T06:00:00Z'));
    const patient = await createPatient(stack, prescriber, { timezone: 'UTC' });
    const id = await approvedPlan(baclofenRequest(patient.id, { startDate: '2027-04-02' }));
    const steps = (await getPlan(id)).steps as Step[];
    const second = steps[1];
    clock.set(new Date(`${second.startDate}T10:00:00Z`));
    await aheadWritten(id);

    const paused = await post(`/v1/plans/${id}/pause`, { reason: 'Surgery next week' }).expect(200);
    expect(paused.body).toMatchObject({ status: 'paused', pausedAt: clock.now().toISOString() });
    const heldMg = second.doses.map((d) => d.doseMg);
    const ahead = await doses(id, `&status=scheduled&from=${clock.now().toISOString()}`);
    expect(ahead.length).toBeGreaterThan(15);
    for (const d of ahead) expect(d).toMatchObject({ stepIndex: second.index, doseMg: heldMg[0] });

    // Days pass while paused: the horizon job keeps writing the held dose.
    clock.advance(3 * DAY);
    const horizon = new Date(clock.now().getTime() + 7 * DAY - 1).toISOString();
    const extended = await eventually(
      () => doses(id, `&status=scheduled&from=${clock.now().toISOString()}`),
      (rows) =>
        rows[rows.length - 1].dueAt > new Date(clock.now().getTime() + 6 * DAY).toISOString(),
    );
    expect(extended.every((d) => d.stepIndex === second.index && d.dueAt <= horizon)).toBe(true);

    const resumed = await post(`/v1/plans/${id}/resume`, {}).expect(200);
    const shifted = resumed.body.steps as Step[];
    expect(resumed.body.status).toBe('active');
    expect(shifted[1].endDate).toBe(DateTime.fromISO(second.endDate).plus({ days: 3 }).toISODate());
    expect(shifted[2].startDate).toBe(
      DateTime.fromISO(steps[2].startDate).plus({ days: 3 }).toISODate(),
    );
    expect(resumed.body.endDate).toBe(shifted[shifted.length - 1].endDate);
    const after = await doses(id, `&status=scheduled&from=${clock.now().toISOString()}`);
    const onThird = after.filter((d) => d.dueAt.startsWith(shifted[2].startDate));
    expect(onThird.length).toBeGreaterThan(0);
    for (const d of onThird) expect(d.stepIndex).toBe(shifted[2].index);
    const { rows } = await db.query(
      'SELECT action, reason FROM plan_transitions WHERE plan_id = $1 ORDER BY created_at',
      [id],
    );
    expect(rows.map((r) => r.action)).toEqual(['approve', 'pause', 'resume']);
    expect(rows[1].reason).toBe('Surgery next week');
  });

  it('supersedes the old version when a revision is approved: past recordings stay, future doses are replaced', async () => {
    clock.set(new Date('2027-05-01T06:00:00Z'));
    const patient = await createPatient(stack, prescriber);
    const id = await approvedPlan(baclofenRequest(patient.id, { startDate: '2027-05-02' }));
    clock.set(new Date('2027-05-04T12:00:00Z'));
    const past = (await doses(id)).filter((d) => d.dueAt < clock.now().toISOString());
    // What the watcher's recording does to a dose row (that endpoint is another issue's).
    await db.query(
      "UPDATE doses SET status = 'given', administered_at = due_at, note = 'given on time' WHERE id = $1",
      [past[0].id],
    );

    const revision = await post(`/v1/plans/${id}/revisions`, {
      fromDate: '2027-05-04',
      holdDays: 7,
      stepDays: 7,
      reason: 'Rebound spasticity',
    }).expect(202);
    expect(revision.headers.location).toBe(`/v1/plans/${revision.body.id}`);
    expect(revision.body).toMatchObject({
      status: 'proposed',
      version: 2,
      parentPlanId: id,
      startDate: '2027-05-04',
    });
    expect((await getPlan(id)).status).toBe('active');

    const approved = await post(`/v1/plans/${revision.body.id}/approve`).expect(200);
    expect(approved.body.status).toBe('active');
    expect((await getPlan(id)).status).toBe('superseded');
    const old = await doses(id);
    expect(old.find((d) => d.id === past[0].id)).toMatchObject({ status: 'given' });
    expect(
      old
        .filter((d) => d.dueAt >= clock.now().toISOString())
        .every((d) => d.status === 'cancelled'),
    ).toBe(true);
    expect(
      old
        .filter((d) => d.dueAt < clock.now().toISOString() && d.id !== past[0].id)
        .every((d) => d.status === 'scheduled'),
    ).toBe(true);
    const fresh = await doses(revision.body.id);
    expect(fresh[0].dueAt).toBe('2027-05-04T14:00:00.000Z');

    await post(`/v1/plans/${id}/revisions`, { fromDate: '2027-05-05', reason: 'again' }).expect(
      409,
    );
  });

  it('answers 409 naming the current state for every illegal transition', async () => {
    clock.set(new Date('2027-06-01T06:00:00Z'));
    const patient = await createPatient(stack, prescriber);
    const id = await proposedPlan(baclofenRequest(patient.id, { startDate: '2027-06-02' }));
    const conflict = async (path: string, body: object, state: string) => {
      const res = await post(`/v1/plans/${id}/${path}`, body).expect(409);
      expect(res.headers['content-type']).toMatch(/problem\+json/);
      expect(res.body.detail).toContain(`is ${state}`);
    };
    await conflict('pause', { reason: 'x' }, 'proposed');
    await conflict('resume', {}, 'proposed');
    await post(`/v1/plans/${id}/approve`).expect(200);
    await conflict('approve', {}, 'active');
    await conflict('resume', {}, 'active');
    await post(`/v1/plans/${id}/cancel`, {}).expect(400);

    clock.set(new Date('2027-06-05T12:00:00Z'));
    const cancelled = await post(`/v1/plans/${id}/cancel`, {
      reason: 'Patient transferred',
    }).expect(200);
    expect(cancelled.body.status).toBe('cancelled');
    expect(cancelled.body.warnings).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ code: 'abrupt_stop', severity: 'critical' }),
      ]),
    );
    const future = await doses(id, `&from=${clock.now().toISOString()}`);
    expect(future.length).toBeGreaterThan(0);
    expect(future.every((d) => d.status === 'cancelled')).toBe(true);
    await conflict('cancel', { reason: 'again' }, 'cancelled');
    await conflict('pause', { reason: 'x' }, 'cancelled');
    await conflict('revisions', { fromDate: '2027-06-06', reason: 'x' }, 'cancelled');
    await conflict('approve', {}, 'cancelled');
  });

  it('ends two concurrent approvals for one patient and drug with exactly one active plan', async () => {
    clock.set(new Date('2027-07-01T06:00:00Z'));
    const patient = await createPatient(stack, prescriber);
    const [a, b] = await Promise.all([
      proposedPlan(baclofenRequest(patient.id, { startDate: '2027-07-02' })),
      proposedPlan(baclofenRequest(patient.id, { startDate: '2027-07-03' })),
    ]);
    const results = await Promise.all([a, b, a, b].map((id) => post(`/v1/plans/${id}/approve`)));
    expect(results.map((r) => r.status).sort()).toEqual([200, 409, 409, 409]);
    const active = await http()
      .get(`/v1/plans?patientId=${patient.id}&status=active`)
      .set(bearer(prescriber))
      .expect(200);
    expect(active.body.items).toHaveLength(1);
    const loser = active.body.items[0].id === a ? b : a;
    const again = await post(`/v1/plans/${loser}/approve`).expect(409);
    expect(again.body.detail).toContain('in force');
    expect(await doses(loser)).toEqual([]);
  });

  it('keeps the rows ahead bounded by the horizon for a 60-week diazepam plan', async () => {
    clock.set(new Date('2027-08-01T06:00:00Z'));
    const patient = await createPatient(stack, prescriber);
    const id = await proposedPlan({
      ...baclofenRequest(patient.id),
      drugCode: 'diazepam',
      currentDosesMg: [20, 20],
      administrationTimes: ['08:00', '20:00'],
      startDate: '2027-08-02',
      stepDays: 21,
      reason: 'Long-term use',
    });
    const plan = await getPlan(id);
    expect(
      DateTime.fromISO(plan.endDate).diff(DateTime.fromISO(plan.startDate), 'weeks').weeks,
    ).toBeGreaterThanOrEqual(60);
    await post(`/v1/plans/${id}/approve`).expect(200);
    const count = async () =>
      Number((await db.query('SELECT count(*) FROM doses WHERE plan_id = $1', [id])).rows[0].count);
    expect(await count()).toBeLessThanOrEqual(7 * 2);

    for (let week = 1; week <= 3; week++) {
      clock.advance(7 * DAY);
      const now = clock.now().getTime();
      await eventually(
        () => doses(id, `&from=${new Date(now + 6 * DAY).toISOString()}`),
        (rows) => rows.length >= 2,
      );
      const { rows } = await db.query(
        'SELECT count(*) FILTER (WHERE due_at >= $2) AS ahead, max(due_at) AS last FROM doses WHERE plan_id = $1',
        [id, clock.now()],
      );
      expect(Number(rows[0].ahead)).toBeLessThanOrEqual(7 * 2);
      expect(new Date(rows[0].last).getTime()).toBeLessThan(now + 7 * DAY);
    }
    expect(await count()).toBeLessThanOrEqual(4 * 7 * 2);
  });

  it('stores symptom checks, bands COWS, and proposes one hold revision at or above moderate', async () => {
    clock.set(new Date('2027-09-01T06:00:00Z'));
    const patient = await createPatient(stack, prescriber);
    const id = await approvedPlan(baclofenRequest(patient.id, { startDate: '2027-09-02' }));
    clock.set(new Date('2027-09-05T09:00:00Z'));
    const check = (body: object, key = nurse) => post(`/v1/plans/${id}/symptom-checks`, body, key);
    const observedAt = '2027-09-05T08:30:00Z';

    const mild = await check({ scale: 'COWS', score: 12, observedAt }).expect(201);
    expect(mild.body).toMatchObject({ band: 'mild', atOrAboveThreshold: false, planId: id });
    expect(mild.body.revisionPlanId).toBeUndefined();

    const moderate = await check({ scale: 'COWS', score: 14, observedAt, note: 'yawning' }).expect(
      201,
    );
    expect(moderate.body).toMatchObject({
      band: 'moderate',
      threshold: 13,
      atOrAboveThreshold: true,
    });
    const hold = await getPlan(moderate.body.revisionPlanId);
    expect(hold).toMatchObject({ status: 'proposed', parentPlanId: id, startDate: '2027-09-05' });
    expect(hold.steps[0].endDate).toBe('2027-09-11');

    const ciwa = await check({ scale: 'CIWA-B', score: 25, observedAt }).expect(201);
    expect(ciwa.body).toMatchObject({ band: null, threshold: 20, atOrAboveThreshold: true });
    expect(ciwa.body.revisionPlanId).toBe(hold.id); // the waiting hold, not a second one
    const generic = await check({ scale: 'generic', score: 9, observedAt }).expect(201);
    expect(generic.body).toMatchObject({ threshold: null, atOrAboveThreshold: null });

    await check({ scale: 'COWS', score: 49, observedAt }).expect(400);
    await check({ scale: 'COWS', score: 3.5, observedAt }).expect(400);
    await check({ scale: 'PHQ-9', score: 3, observedAt }).expect(400);
  });

  it('enforces roles and unit scopes on every new endpoint', async () => {
    clock.set(new Date('2027-10-01T06:00:00Z'));
    const patient = await createPatient(stack, prescriber);
    const id = await proposedPlan(baclofenRequest(patient.id, { startDate: '2027-10-02' }));
    const otherNurse = await createKey(stack, 'nurse', ['ward-9']);
    const otherService = await createKey(stack, 'service', ['ward-9']);
    const admin = await createKey(stack, 'admin');
    const writes: [string, object][] = [
      ['approve', {}],
      ['pause', { reason: 'x' }],
      ['resume', {}],
      ['cancel', { reason: 'x' }],
      ['revisions', { fromDate: '2027-10-02', reason: 'x' }],
    ];
    for (const [path, body] of writes) {
      await post(`/v1/plans/${id}/${path}`, body, nurse).expect(403);
      await post(`/v1/plans/${id}/${path}`, body, admin).expect(403);
      await post(`/v1/plans/${id}/${path}`, body, otherService).expect(404);
    }
    const symptom = { scale: 'COWS', score: 2, observedAt: '2027-10-01T05:00:00Z' };
    await post(`/v1/plans/${id}/symptom-checks`, symptom, otherNurse).expect(404);
    await post(`/v1/plans/${id}/symptom-checks`, symptom, admin).expect(403);
    await post(`/v1/plans/${id}/symptom-checks`, symptom, nurse).expect(201);
    for (const path of ['doses', 'fhir', 'schedule']) {
      await http().get(`/v1/plans/${id}/${path}`).set(bearer(otherNurse)).expect(404);
      await http().get(`/v1/plans/${id}/${path}`).set(bearer(nurse)).expect(200);
      await http().get(`/v1/plans/${id}/${path}`).set(bearer(admin)).expect(200);
      await http().get(`/v1/plans/${id}/${path}`).expect(401);
    }
    await post(`/v1/plans/${id}/approve`, {}, otherService).expect(404);
    expect((await getPlan(id)).status).toBe('proposed');
  });
});
