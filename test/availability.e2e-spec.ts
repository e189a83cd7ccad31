import {
  TcpProxy,
  TestStack,
  baclofenRequest,
  bearer,
  createKey,
  createPatient,
  eventually,
  startStack,
  startTcpProxy,
} from '@taperwatch/testing';

/** Timeouts bound every wait on Postgres; an outage is answered 503 and healed without restarts. */
describe('database outage', () => {
  let stack: TestStack;
  let postgres: TcpProxy;
  let prescriber: string;
  let patientId: string;

  beforeAll(async () => {
    postgres = await startTcpProxy(process.env.TEST_DATABASE_URL!);
    stack = await startStack({
      route: { database: postgres.route },
      env: {
        DATABASE_CONNECT_TIMEOUT_MS: '1000',
        DATABASE_ACQUIRE_TIMEOUT_MS: '1500',
        DATABASE_STATEMENT_TIMEOUT_MS: '3000',
        // The worker keeps querying through the outage, so its pool meets it too.
        ESCALATION_SWEEP_MS: '200',
      },
    });
    prescriber = await createKey(stack, 'prescriber');
    patientId = (await createPatient(stack, prescriber)).id;
  });
  afterAll(async () => {
    postgres.restore();
    await stack.close();
    await postgres.close();
  });

  const requests = () => [
    stack.http().get(`/v1/patients/${patientId}`).set(bearer(prescriber)),
    stack.http().get(`/v1/plans?patientId=${patientId}`).set(bearer(prescriber)),
    stack
      .http()
      .post('/v1/taper-requests')
      .set(bearer(prescriber))
      .send(baclofenRequest(patientId)),
  ];

  const expectUnavailable = (res: {
    status: number;
    headers: Record<string, string>;
    body: unknown;
  }) => {
    expect(res.status).toBe(503);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.headers['retry-after']).toMatch(/^\d+$/);
    expect(res.body).toEqual(
      expect.objectContaining({ status: 503, type: 'urn:taperwatch:problem:unavailable' }),
    );
    expect(JSON.stringify(res.body)).not.toMatch(/SELECT|INSERT|timeout exceeded|at .*\.js/);
  };

  const plannedAfterRestore = async () => {
    const submitted = await stack
      .http()
      .post('/v1/taper-requests')
      .set(bearer(prescriber))
      .send(baclofenRequest(patientId))
      .expect(202);
    await eventually(
      async () =>
        (await stack.http().get(`/v1/taper-requests/${submitted.body.id}`).set(bearer(prescriber)))
          .body as { status: string },
      (body) => body.status === 'planned',
    );
  };

  it('answers 503 with Retry-After while Postgres is silent, then serves again by itself', async () => {
    // Warm the pools so the outage meets open connections as well as new ones.
    await Promise.all(requests().slice(0, 2));
    postgres.stall();
    for (const res of await Promise.all(requests())) expectUnavailable(res);

    postgres.restore();
    await eventually(
      async () =>
        (await stack.http().get(`/v1/patients/${patientId}`).set(bearer(prescriber))).status,
      (status) => status === 200,
    );
    for (const res of await Promise.all(requests().slice(0, 2))) expect(res.status).toBe(200);
    await plannedAfterRestore();
  });

  it('answers 503 while Postgres refuses connections, then serves again by itself', async () => {
    postgres.cut();
    for (const res of await Promise.all(requests())) expectUnavailable(res);

    postgres.restore();
    await eventually(
      async () =>
        (await stack.http().get(`/v1/patients/${patientId}`).set(bearer(prescriber))).status,
      (status) => status === 200,
    );
    await plannedAfterRestore();
  });
});
