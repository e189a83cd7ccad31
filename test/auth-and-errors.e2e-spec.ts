import {
  TestStack,
  adminAuth,
  bearer,
  createKey,
  createPatient,
  startStack,
} from '@taperwatch/testing';

/** The conventions of docs/api.md: keys, roles, unit scopes and problem details for every error. */
describe('authentication, roles, unit scopes and problem details', () => {
  let stack: TestStack;
  let prescriber: string;
  let nurseWard7: string;
  let nurseWard9: string;

  beforeAll(async () => {
    stack = await startStack({ workers: 0 });
    prescriber = await createKey(stack, 'prescriber');
    nurseWard7 = await createKey(stack, 'nurse', ['ward-7']);
    nurseWard9 = await createKey(stack, 'nurse', ['ward-9']);
  });
  afterAll(() => stack.close());

  const postPatient = (key: string, body: object) =>
    stack.http().post('/v1/patients').set(bearer(key)).send(body);

  const expectProblem = (
    res: { status: number; headers: Record<string, string>; body: Record<string, unknown> },
    status: number,
  ) => {
    expect(res.status).toBe(status);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.body).toEqual(
      expect.objectContaining({
        type: expect.any(String),
        title: expect.any(String),
        status,
        detail: expect.any(String),
      }),
    );
  };

  it('answers 401 without a key and with a wrong key', async () => {
    expectProblem(await stack.http().get('/v1/drugs'), 401);
    expectProblem(await stack.http().get('/v1/drugs').set(bearer('tw_not-a-real-key')), 401);
    expectProblem(await stack.http().get('/v1/drugs').set({ authorization: 'Basic abc' }), 401);
  });

  it('leaves health, docs and metrics open', async () => {
    await stack.http().get('/health/live').expect(200);
    await stack.http().get('/openapi.json').expect(200);
    const metrics = await stack.http().get('/metrics').expect(200);
    expect(metrics.text).toContain('taperwatch_http_request_duration_seconds');
  });

  it('shows a new key once and stores it so it authenticates; a revoked key is refused', async () => {
    const res = await stack
      .http()
      .post('/v1/api-keys')
      .set(adminAuth)
      .send({ name: 'svc', role: 'service' })
      .expect(201);
    expect(res.body).toEqual(
      expect.objectContaining({
        id: expect.any(String),
        role: 'service',
        unitIds: [],
        key: expect.stringMatching(/^tw_/),
      }),
    );
    await stack.http().get('/v1/drugs').set(bearer(res.body.key)).expect(200);
    await stack.http().delete(`/v1/api-keys/${res.body.id}`).set(adminAuth).expect(204);
    expectProblem(await stack.http().get('/v1/drugs').set(bearer(res.body.key)), 401);
  });

  it('answers 403 for a role without the right', async () => {
    const res = await postPatient(nurseWard7, { externalId: 'MRN-1', unitId: 'ward-7' });
    expectProblem(res, 403);
    expectProblem(
      await stack
        .http()
        .post('/v1/api-keys')
        .set(bearer(prescriber))
        .send({ name: 'x', role: 'admin' }),
      403,
    );
  });

  it("answers 404 for another unit's patient, and lets the unit's own nurse read it", async () => {
    const patient = await createPatient(stack, prescriber, { unitId: 'ward-7' });
    await stack.http().get(`/v1/patients/${patient.id}`).set(bearer(nurseWard7)).expect(200);
    expectProblem(
      await stack.http().get(`/v1/patients/${patient.id}`).set(bearer(nurseWard9)),
      404,
    );
  });

  it('requires unitIds for a nurse key (422 naming the field)', async () => {
    const res = await stack
      .http()
      .post('/v1/api-keys')
      .set(adminAuth)
      .send({ name: 'n', role: 'nurse' });
    expectProblem(res, 422);
    expect(res.body.errors).toEqual([expect.objectContaining({ field: 'unitIds' })]);
  });

  describe('400 names each bad field', () => {
    const post = (body: unknown) =>
      stack
        .http()
        .post('/v1/patients')
        .set(bearer(prescriber))
        .send(body as object);

    it('for a wrong type', async () => {
      const res = await post({ externalId: 12345, unitId: 'ward-7' });
      expectProblem(res, 400);
      expect(res.body.errors.map((e: { field: string }) => e.field)).toEqual(['externalId']);
    });

    it('for a missing field', async () => {
      const res = await post({ externalId: 'MRN-2' });
      expectProblem(res, 400);
      expect(res.body.errors.map((e: { field: string }) => e.field)).toEqual(['unitId']);
    });

    it('for an unknown field', async () => {
      const res = await post({ externalId: 'MRN-3', unitId: 'ward-7', favouriteColour: 'blue' });
      expectProblem(res, 400);
      expect(res.body.errors).toEqual([expect.objectContaining({ field: 'favouriteColour' })]);
    });

    it('for several bad fields at once, including nested ones', async () => {
      const patient = await createPatient(stack, prescriber);
      const res = await stack
        .http()
        .post('/v1/taper-requests')
        .set(bearer(prescriber))
        .send({
          patientId: patient.id,
          drugCode: 'baclofen',
          route: 'oral',
          currentDosesMg: [20, 'x'],
          administrationTimes: ['08:00', '25:00'],
          startDate: '2026-02-30',
          goal: { type: 'reduce' },
          reason: 'r',
        });
      expectProblem(res, 400);
      const fields = res.body.errors.map((e: { field: string }) => e.field);
      expect(fields).toEqual(
        expect.arrayContaining([
          'currentDosesMg',
          'administrationTimes',
          'startDate',
          'goal.targetDailyDoseMg',
        ]),
      );
    });

    it('for malformed JSON', async () => {
      const res = await stack
        .http()
        .post('/v1/patients')
        .set(bearer(prescriber))
        .set('content-type', 'application/json')
        .send('{"externalId": "MRN-4",');
      expectProblem(res, 400);
      expect(res.body.detail).toMatch(/JSON/);
    });

    it('for a path id that is not a UUID', async () => {
      const res = await stack.http().get('/v1/patients/not-a-uuid').set(bearer(prescriber));
      expectProblem(res, 400);
      expect(res.body.errors).toEqual([expect.objectContaining({ field: 'id' })]);
    });
  });

  it('answers 413 for a body over 1 MB', async () => {
    const res = await postPatient(prescriber, {
      externalId: 'x'.repeat(1024 * 1024 + 10),
      unitId: 'ward-7',
    });
    expectProblem(res, 413);
  });

  it('answers an unknown route with a 404 problem', async () => {
    expectProblem(await stack.http().get('/v1/no-such-thing').set(bearer(prescriber)), 404);
  });

  it('answers 409 for a second patient with the same externalId', async () => {
    await postPatient(prescriber, { externalId: 'MRN-dup', unitId: 'ward-7' }).expect(201);
    expectProblem(await postPatient(prescriber, { externalId: 'MRN-dup', unitId: 'ward-7' }), 409);
  });

  it('answers a created patient with exactly what a later read returns', async () => {
    const created = await postPatient(prescriber, {
      externalId: 'MRN-echo',
      unitId: 'ward-7',
      timezone: 'Europe/London',
      birthDate: '1950-04-02',
      creatinineClearanceMlMin: 63.45,
    }).expect(201);
    // numeric(6,1) keeps one decimal: the answer says what was stored, not what was sent.
    expect(created.body).toEqual(
      expect.objectContaining({ timezone: 'Europe/London', creatinineClearanceMlMin: 63.5 }),
    );
    const read = await stack
      .http()
      .get(`/v1/patients/${created.body.id}`)
      .set(bearer(prescriber))
      .expect(200);
    expect(read.body).toEqual(created.body);
  });

  it('updates a patient with PATCH, refusing externalId and a null unit', async () => {
    const patient = await createPatient(stack, prescriber);
    const res = await stack
      .http()
      .patch(`/v1/patients/${patient.id}`)
      .set(bearer(prescriber))
      .send({ timezone: 'America/New_York', creatinineClearanceMlMin: 42 })
      .expect(200);
    expect(res.body).toEqual(
      expect.objectContaining({ timezone: 'America/New_York', creatinineClearanceMlMin: 42 }),
    );
    expectProblem(
      await stack
        .http()
        .patch(`/v1/patients/${patient.id}`)
        .set(bearer(prescriber))
        .send({ externalId: 'x' }),
      400,
    );
    expectProblem(
      await stack
        .http()
        .patch(`/v1/patients/${patient.id}`)
        .set(bearer(prescriber))
        .send({ unitId: null }),
      400,
    );
    expectProblem(
      await stack
        .http()
        .patch(`/v1/patients/${patient.id}`)
        .set(bearer(prescriber))
        .send({ timezone: 'Mars/Base' }),
      400,
    );
  });
});

describe('rate limits (429 with Retry-After)', () => {
  let stack: TestStack;

  beforeAll(async () => {
    stack = await startStack({
      workers: 0,
      // The tests are clients behind a proxy on loopback, each named by its X-Forwarded-For.
      env: { RATE_LIMIT_PER_MINUTE: '3', AUTH_FAILURES_PER_MINUTE: '2', TRUST_PROXY: 'loopback' },
    });
  });
  afterAll(() => stack.close());

  const expect429 = (res: { status: number; headers: Record<string, string> }) => {
    expect(res.status).toBe(429);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(Number(res.headers['retry-after'])).toBeGreaterThanOrEqual(1);
  };

  it('limits each key to its minute, and leaves other keys alone', async () => {
    // createKey spends one of the admin key's three requests.
    const first = await createKey(stack, 'nurse', ['ward-7']);
    const second = await createKey(stack, 'nurse', ['ward-7']);
    for (let i = 0; i < 3; i++) await stack.http().get('/v1/drugs').set(bearer(first)).expect(200);
    expect429(await stack.http().get('/v1/drugs').set(bearer(first)));
    await stack.http().get('/v1/drugs').set(bearer(second)).expect(200);
    await stack.http().get('/health/live').expect(200);
  });

  it('answers an address 429 after its failed authentications, but never refuses a good key', async () => {
    const client = { 'x-forwarded-for': '203.0.113.7' };
    const good = { ...client, ...adminAuth };
    await stack.http().get('/v1/drugs').set(client).expect(401);
    await stack
      .http()
      .get('/v1/drugs')
      .set({ ...client, ...bearer('tw_wrong') })
      .expect(401);
    expect429(await stack.http().get('/v1/drugs').set(client));
    // A forged or shared address must not lock out a valid key.
    await stack.http().get('/v1/drugs').set(good).expect(200);
    // Another address is not affected.
    await stack.http().get('/v1/drugs').set({ 'x-forwarded-for': '203.0.113.8' }).expect(401);
  });
});

describe('the client address without TRUST_PROXY', () => {
  let stack: TestStack;

  beforeAll(async () => {
    stack = await startStack({ workers: 0, env: { AUTH_FAILURES_PER_MINUTE: '2' } });
  });
  afterAll(() => stack.close());

  it('is the connecting address: a forged X-Forwarded-For per attempt does not escape the limit', async () => {
    for (const forged of ['203.0.113.1', '203.0.113.2']) {
      await stack.http().get('/v1/drugs').set({ 'x-forwarded-for': forged }).expect(401);
    }
    const third = await stack.http().get('/v1/drugs').set({ 'x-forwarded-for': '203.0.113.3' });
    expect(third.status).toBe(429);
  });
});
