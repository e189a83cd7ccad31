import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { hashKey } from '@taperwatch/auth';
import {
  TestStack,
  baclofenRequest,
  bearer,
  createKey,
  createPatient,
  eventually,
  startStack,
} from '@taperwatch/testing';

/** The first vertical slice: request → worker → proposed plan, with Idempotency-Key. */
describe('taper requests', () => {
  let stack: TestStack;
  let prescriber: string;
  let nurse: string;

  beforeAll(async () => {
    stack = await startStack();
    prescriber = await createKey(stack, 'prescriber');
    nurse = await createKey(stack, 'nurse', ['ward-7']);
  });
  afterAll(() => stack.close());

  const submit = (body: object, key = prescriber) =>
    stack.http().post('/v1/taper-requests').set(bearer(key)).send(body);

  const createPatientWithKey = (idempotencyKey: string, body: object) =>
    stack
      .http()
      .post('/v1/patients')
      .set(bearer(prescriber))
      .set('idempotency-key', idempotencyKey)
      .send(body);

  const waitForOutcome = (id: string) =>
    eventually(
      async () => (await stack.http().get(`/v1/taper-requests/${id}`).set(bearer(prescriber))).body,
      (body: { status: string; planId?: string }) =>
        body.status !== 'queued' && body.status !== 'planning',
    );

  it('plans a baclofen discontinuation through the worker into a proposed plan', async () => {
    const patient = await createPatient(stack, prescriber);
    const res = await submit(baclofenRequest(patient.id)).expect(202);
    expect(res.body).toEqual(expect.objectContaining({ id: expect.any(String), status: 'queued' }));
    expect(res.headers.location).toBe(`/v1/taper-requests/${res.body.id}`);

    const done = await waitForOutcome(res.body.id);
    expect(done).toEqual(
      expect.objectContaining({ status: 'planned', planId: expect.any(String) }),
    );

    const plan = (await stack.http().get(`/v1/plans/${done.planId}`).set(bearer(nurse)).expect(200))
      .body;
    expect(plan).toEqual(
      expect.objectContaining({
        id: done.planId,
        requestId: res.body.id,
        patientId: patient.id,
        drugCode: 'baclofen',
        version: 1,
        status: 'proposed',
        startDailyDoseMg: 60,
        targetDailyDoseMg: 0,
        startDate: expect.stringMatching(/^\d{4}-\d{2}-\d{2}$/),
      }),
    );
    // The list reads through TypeORM, a plan by id through its own statement: the same view.
    const list = await stack
      .http()
      .get(`/v1/plans?patientId=${patient.id}`)
      .set(bearer(prescriber))
      .expect(200);
    expect(list.body).toEqual({ items: [plan], nextCursor: null });
  });

  it("plans with the patient's stored renal function and age: severe impairment slows every step", async () => {
    const planFor = async (patientOverrides: object) => {
      const patient = await createPatient(stack, prescriber, patientOverrides);
      const res = await submit(baclofenRequest(patient.id)).expect(202);
      const done = await waitForOutcome(res.body.id);
      return (await stack.http().get(`/v1/plans/${done.planId}`).set(bearer(nurse)).expect(200))
        .body as { endDate: string; warnings: { code: string; severity: string }[] };
    };
    const usual = await planFor({});
    const impaired = await planFor({ creatinineClearanceMlMin: 25.5, birthDate: '1941-03-05' });
    expect(impaired.warnings).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ code: 'renal_impairment', severity: 'critical' }),
      ]),
    );
    expect(usual.warnings.map((w) => w.code)).not.toContain('renal_impairment');
    expect(impaired.endDate > usual.endDate).toBe(true);
  });

  it('refuses a baclofen request above 80 mg/day with 422, and plans it with an override reason', async () => {
    const patient = await createPatient(stack, prescriber);
    const high = baclofenRequest(patient.id, { currentDosesMg: [30, 30, 30] });
    const refused = await submit(high).expect(422);
    expect(refused.headers['content-type']).toMatch(/problem\+json/);
    expect(refused.body.errors).toEqual(
      expect.arrayContaining([expect.objectContaining({ field: expect.any(String) })]),
    );

    const accepted = await submit({
      ...high,
      override: { reason: 'Specialist-supervised high dose' },
    }).expect(202);
    const done = await waitForOutcome(accepted.body.id);
    expect(done.status).toBe('planned');
    const plan = (await stack.http().get(`/v1/plans/${done.planId}`).set(bearer(prescriber))).body;
    expect(plan.warnings).toEqual(
      expect.arrayContaining([expect.objectContaining({ severity: 'critical' })]),
    );
  });

  it('refuses an unknown drug with 422 naming drugCode', async () => {
    const patient = await createPatient(stack, prescriber);
    const res = await submit(baclofenRequest(patient.id, { drugCode: 'unobtainium' })).expect(422);
    expect(res.body.errors).toEqual(
      expect.arrayContaining([expect.objectContaining({ field: 'drugCode' })]),
    );
  });

  it("answers 404 for another unit's patient and 403 for a nurse", async () => {
    const elsewhere = await createPatient(stack, prescriber, { unitId: 'ward-9' });
    const scoped = await createKey(stack, 'service', ['ward-7']);
    await submit(baclofenRequest(elsewhere.id), scoped).expect(404);
    await submit(baclofenRequest(elsewhere.id), nurse).expect(403);
    // A request for a ward-9 patient is as invisible to the ward-7 key as the patient is.
    const theirs = await submit(baclofenRequest(elsewhere.id)).expect(202);
    await stack.http().get(`/v1/taper-requests/${theirs.body.id}`).set(bearer(scoped)).expect(404);
    const mine = await stack
      .http()
      .get(`/v1/taper-requests/${theirs.body.id}`)
      .set(bearer(prescriber))
      .expect(200);
    expect(mine.body).toEqual(
      expect.objectContaining({
        id: theirs.body.id,
        patientId: elsewhere.id,
        drugCode: 'baclofen',
      }),
    );
  });

  it('replays an Idempotency-Key: same response, nothing new; a changed body is 422', async () => {
    const patient = await createPatient(stack, prescriber);
    const key = randomUUID();
    const body = baclofenRequest(patient.id);
    const first = await submit(body).set('idempotency-key', key).expect(202);
    const again = await submit(body).set('idempotency-key', key).expect(202);
    expect(again.body).toEqual(first.body);
    expect(again.headers.location).toBe(first.headers.location);
    expect(again.headers['idempotency-replayed']).toBe('true');

    await waitForOutcome(first.body.id);
    const plans = await stack
      .http()
      .get(`/v1/plans?patientId=${patient.id}`)
      .set(bearer(prescriber));
    expect(plans.body.items).toHaveLength(1);

    const changed = await submit({ ...body, reason: 'different' })
      .set('idempotency-key', key)
      .expect(422);
    expect(changed.body.errors).toEqual([expect.objectContaining({ field: 'Idempotency-Key' })]);
  });

  it('replays a patient creation', async () => {
    const key = randomUUID();
    const body = { externalId: `MRN-${randomUUID()}`, unitId: 'ward-7' };
    const post = () => createPatientWithKey(key, body);
    const first = await post().expect(201);
    const second = await post().expect(201);
    expect(second.body).toEqual(first.body);
  });

  it('serves the whole sourced catalogue', async () => {
    const res = await stack.http().get('/v1/drugs').set(bearer(nurse)).expect(200);
    expect(res.body.items.length).toBeGreaterThanOrEqual(20);
    for (const drug of res.body.items) {
      expect(drug.sources.length).toBeGreaterThan(0);
      expect(drug.sources[0]).toEqual({
        title: expect.any(String),
        url: expect.stringMatching(/^https?:/),
      });
    }
    const baclofen = (await stack.http().get('/v1/drugs/baclofen').set(bearer(nurse)).expect(200))
      .body;
    expect(baclofen).toEqual(
      expect.objectContaining({ code: 'baclofen', maxDailyDoseMg: 80, minTaperDays: 14 }),
    );
    await stack.http().get('/v1/drugs/unobtainium').set(bearer(nurse)).expect(404);
  });

  it('plans a lorazepam → diazepam crossover with the site formulary and step interval', async () => {
    const patient = await createPatient(stack, prescriber);
    const res = await submit({
      ...baclofenRequest(patient.id),
      drugCode: 'lorazepam',
      currentDosesMg: [1, 1],
      administrationTimes: ['08:00', '22:00'],
      substituteWith: 'diazepam',
      strengthsMg: [0.5, 1],
      stepDays: 14,
    }).expect(202);
    const done = await waitForOutcome(res.body.id);
    expect(done.status).toBe('planned');
    const plan = (await stack.http().get(`/v1/plans/${done.planId}`).set(bearer(prescriber))).body;
    const drugsGiven = new Set(
      plan.steps.flatMap((s: { doses: { drugCode?: string }[] }) => s.doses.map((d) => d.drugCode)),
    );
    expect(drugsGiven).toContain('diazepam');
    expect(plan.steps.at(-1).dailyDoseMg).toBe(0);
  });

  it('names what the catalogue lacks and the request must supply (422)', async () => {
    const patient = await createPatient(stack, prescriber);
    const res = await submit({
      ...baclofenRequest(patient.id),
      drugCode: 'citalopram',
      currentDosesMg: [20],
      administrationTimes: ['08:00'],
      strengthsMg: [10, 20],
    }).expect(422);
    expect(res.body.errors).toEqual([expect.objectContaining({ field: 'stepDays' })]);
  });

  it("asks which liquid where the drug's liquids differ (baclofen 1 or 5 mg/mL: 422 naming liquidMgPerMl), and plans with the one named", async () => {
    const patient = await createPatient(stack, prescriber);
    const body = {
      ...baclofenRequest(patient.id),
      currentDosesMg: [5],
      administrationTimes: ['08:00'],
      allowLiquid: true,
    };
    const refused = await submit(body).expect(422);
    expect(refused.body.errors).toEqual([expect.objectContaining({ field: 'liquidMgPerMl' })]);
    expect(JSON.stringify(refused.body)).toMatch(/1 mg\/mL, 5 mg\/mL/);
    const res = await submit({ ...body, liquidMgPerMl: 5, liquidStepMl: 0.5 }).expect(202);
    const done = await waitForOutcome(res.body.id);
    expect(done.status).toBe('planned');
    const plan = (await stack.http().get(`/v1/plans/${done.planId}`).set(bearer(prescriber))).body;
    // 2.5 mg is half a mL of the 5 mg/mL suspension.
    expect(plan.steps[0].doses[0]).toMatchObject({
      doseMg: 2.5,
      units: [{ strengthMg: 5, count: 0.5, form: 'liquid' }],
    });
  });

  it('plans morphine SR from supplied strengths within the opioid pace', async () => {
    const patient = await createPatient(stack, prescriber);
    const res = await submit({
      ...baclofenRequest(patient.id),
      drugCode: 'morphine',
      currentDosesMg: [90, 90, 90],
      administrationTimes: ['08:00', '14:00', '22:00'],
      strengthsMg: [15, 30, 60],
      durationOfUseWeeks: 104,
      coMedications: ['alcohol'],
    }).expect(202);
    const done = await waitForOutcome(res.body.id);
    expect(done.status).toBe('planned');
    const plan = (await stack.http().get(`/v1/plans/${done.planId}`).set(bearer(prescriber))).body;
    expect(plan.startDailyDoseMg).toBe(270);
    expect(plan.warnings.length).toBeGreaterThan(0);
  });

  it('replays a refused creation as the same problem, marked replayed', async () => {
    const externalId = `MRN-${randomUUID()}`;
    await createPatient(stack, prescriber, { externalId });
    const key = randomUUID();
    const post = () => createPatientWithKey(key, { externalId, unitId: 'ward-7' });
    const first = await post().expect(409);
    expect(first.headers['idempotency-replayed']).toBeUndefined();
    const second = await post().expect(409);
    expect(second.headers['idempotency-replayed']).toBe('true');
    expect(second.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(second.body).toEqual(first.body);
  });

  describe('Idempotency-Key in flight', () => {
    const body = () => ({ externalId: `MRN-${randomUUID()}`, unitId: 'ward-7' });
    const claim = (key: string, requestBody: object, age: string) =>
      stack.app.get(DataSource).query(
        `INSERT INTO idempotency_keys
           (api_key_id, tenant_id, key, method, path, request_hash, created_at, expires_at)
         SELECT id, tenant_id, $1, 'POST', '/v1/patients', encode(sha256(convert_to($2, 'UTF8')), 'hex'),
           now() - $3::interval, now() + interval '1 day'
         FROM api_keys WHERE key_hash = $4`,
        [key, `POST /v1/patients\n${JSON.stringify(requestBody)}`, age, hashKey(prescriber)],
      );

    it('answers 409 with Retry-After while the first request is still running', async () => {
      const key = randomUUID();
      const patient = body();
      await claim(key, patient, '0 seconds');
      const res = await createPatientWithKey(key, patient);
      expect(res.status).toBe(409);
      expect(res.headers['retry-after']).toBe('1');
    });

    it('takes over a key whose first request died a minute ago', async () => {
      const key = randomUUID();
      const patient = body();
      await claim(key, patient, '2 minutes');
      await createPatientWithKey(key, patient).expect(201);
    });
  });
});
