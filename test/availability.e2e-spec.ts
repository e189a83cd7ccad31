import { AddressInfo } from 'node:net';
import { DataSource } from 'typeorm';
import { AlertStreamLog, AlertsService } from '@taperwatch/alerts';
import {
  EventStreamClient,
  TcpProxy,
  TestStack,
  adminAuth,
  baclofenRequest,
  bearer,
  createKey,
  createPatient,
  eventually,
  missedDoseAlert,
  openEventStream,
  startStack,
  startTcpProxy,
} from '@taperwatch/testing';
import { AlertStreams } from '../apps/api/src/alerts/alert-streams';

/** Listens on a free port and returns the stream's URL. */
async function streamUrl(stack: TestStack): Promise<string> {
  await stack.app.listen(0, '127.0.0.1');
  const port = (stack.app.getHttpServer().address() as AddressInfo).port;
  return `http://127.0.0.1:${port}/v1/alerts/stream`;
}

const alertIdOf = (event: { data: unknown }) => (event.data as { id: string }).id;

/** The stream is open once its first comment (": connected") has arrived. */
async function opened(stream: EventStreamClient): Promise<EventStreamClient> {
  expect(await stream.status).toBe(200);
  await eventually(
    async () => stream.comments.length,
    (n) => n > 0,
  );
  return stream;
}

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
    stack.http().get('/health/ready'),
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

  /** Postgres back: the same stack answers again, without a restart. */
  const restoreAndServe = async () => {
    postgres.restore();
    await eventually(
      async () =>
        (await stack.http().get(`/v1/patients/${patientId}`).set(bearer(prescriber))).status,
      (status) => status === 200,
    );
  };

  it('answers 503 with Retry-After while Postgres is silent, then serves again by itself', async () => {
    // Warm the pools so the outage meets open connections as well as new ones.
    await Promise.all(requests().slice(0, 3));
    postgres.stall();
    for (const res of await Promise.all(requests())) expectUnavailable(res);

    await restoreAndServe();
    for (const res of await Promise.all(requests().slice(0, 3))) expect(res.status).toBe(200);
    await plannedAfterRestore();
  });

  it('answers 503 while Postgres refuses connections, then serves again by itself', async () => {
    postgres.cut();
    for (const res of await Promise.all(requests())) expectUnavailable(res);

    await restoreAndServe();
    await plannedAfterRestore();
  });
});

/** Events carry ids and a board that comes back gets what it missed; streams per key are bounded. */
describe('alert stream: resume and limits', () => {
  let stack: TestStack;
  let alerts: AlertsService;
  let url: string;
  let nurse: string;
  const open: EventStreamClient[] = [];
  const connect = (key: string, headers: Record<string, string> = {}) => {
    const stream = openEventStream(url, { ...bearer(key), ...headers });
    open.push(stream);
    return stream;
  };

  beforeAll(async () => {
    stack = await startStack({ workers: 0, env: { ALERT_STREAMS_PER_KEY: '2' } });
    alerts = stack.app.get(AlertsService);
    nurse = await createKey(stack, 'nurse', ['ward-7']);
    url = await streamUrl(stack);
  });
  afterEach(() => open.splice(0).forEach((stream) => stream.close()));
  afterAll(() => stack.close());

  it('gives every event an id and sends a reconnecting board what it missed, once', async () => {
    const first = await opened(connect(nurse));
    const seen = await alerts.raise(missedDoseAlert());
    const [created] = await eventually(
      async () => first.events,
      (events) => events.length === 1,
    );
    expect(created).toEqual(
      expect.objectContaining({ event: 'alert.created', id: expect.stringMatching(/^\d+$/) }),
    );
    expect(alertIdOf(created!)).toBe(seen.id);
    first.close();

    // While the board is away: a new alert and an acknowledgement of the first.
    const missed = await alerts.raise(missedDoseAlert({ severity: 'critical' }));
    await stack.http().post(`/v1/alerts/${seen.id}/acknowledge`).set(bearer(nurse)).expect(200);

    const back = await opened(connect(nurse, { 'last-event-id': created!.id! }));
    const later = await alerts.raise(missedDoseAlert());
    const events = await eventually(
      async () => back.events,
      (list) => list.some((e) => alertIdOf(e) === later.id),
    );
    expect(events.map((e) => [e.event, alertIdOf(e)])).toEqual([
      ['alert.created', missed.id],
      ['alert.acknowledged', seen.id],
      ['alert.created', later.id],
    ]);
    const ids = events.map((e) => BigInt(e.id!));
    expect(ids.every((id, i) => id > (i === 0 ? BigInt(created!.id!) : ids[i - 1]!))).toBe(true);
  });

  it('tells a board it cannot catch up to reload (stream.reset), and refuses a bad Last-Event-ID', async () => {
    const lost = await opened(connect(nurse, { 'last-event-id': '9000000000000' }));
    await eventually(
      async () => lost.events.map((e) => e.event),
      (types) => types.includes('stream.reset'),
    );
    const res = await stack
      .http()
      .get('/v1/alerts/stream')
      .set(bearer(nurse))
      .set('last-event-id', 'yesterday')
      .expect(400);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.body.errors).toEqual([expect.objectContaining({ field: 'Last-Event-ID' })]);
  });

  it('forgets events past the retention window: purged, and a resume from one is a reset', async () => {
    const watching = await opened(connect(nurse));
    const old = await alerts.raise(missedDoseAlert());
    const [event] = await eventually(
      async () => watching.events.filter((e) => alertIdOf(e) === old.id),
      (events) => events.length === 1,
    );
    const dataSource = stack.app.get(DataSource);
    await dataSource.query(
      `UPDATE alert_stream_events SET created_at = now() - interval '2 days' WHERE id <= $1`,
      [event!.id],
    );
    const kept = await alerts.raise(missedDoseAlert());
    await eventually(
      async () => watching.events.map(alertIdOf),
      (ids) => ids.includes(kept.id),
    );

    expect(await stack.app.get(AlertStreamLog).purge()).toBeGreaterThanOrEqual(1);
    const [{ count }] = (await dataSource.query(
      `SELECT count(*)::int AS count FROM alert_stream_events WHERE id <= $1`,
      [event!.id],
    )) as { count: number }[];
    expect(count).toBe(0);
    const late = await opened(connect(nurse, { 'last-event-id': event!.id! }));
    await eventually(
      async () => late.events.map((e) => e.event),
      (types) => types.includes('stream.reset'),
    );
  });

  it('refuses a key its third stream with 429 and Retry-After, and closeKey ends only that key', async () => {
    const limited = (
      await stack
        .http()
        .post('/v1/api-keys')
        .set(adminAuth)
        .send({ name: 'second board', role: 'nurse', unitIds: ['ward-7'] })
        .expect(201)
    ).body as { id: string; key: string };
    const theirs = await opened(connect(nurse));
    const ours = [await opened(connect(limited.key)), await opened(connect(limited.key))];
    const refused = await stack
      .http()
      .get('/v1/alerts/stream')
      .set(bearer(limited.key))
      .expect(429);
    expect(refused.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(refused.headers['retry-after']).toMatch(/^\d+$/);
    expect(refused.body).toEqual(expect.objectContaining({ status: 429 }));

    stack.app.get(AlertStreams).closeKey(limited.id);
    await Promise.all(ours.map((stream) => stream.ended));

    // The other key's stream still carries events; the closed key may open streams again.
    const alert = await alerts.raise(missedDoseAlert());
    await eventually(
      async () => theirs.events.map(alertIdOf),
      (ids) => ids.includes(alert.id),
    );
    await opened(connect(limited.key));
  });
});

/** Redis carries live events; while it is down a new stream is refused, and nothing crashes. */
describe('alert stream: Redis outage', () => {
  let stack: TestStack;
  let redis: TcpProxy;
  let alerts: AlertsService;
  let url: string;
  let nurse: string;
  const rejections: unknown[] = [];
  const onRejection = (reason: unknown) => rejections.push(reason);

  beforeAll(async () => {
    process.on('unhandledRejection', onRejection);
    redis = await startTcpProxy(process.env.TEST_REDIS_URL!);
    stack = await startStack({ workers: 0, route: { redis: redis.route } });
    alerts = stack.app.get(AlertsService);
    nurse = await createKey(stack, 'nurse', ['ward-7']);
    url = await streamUrl(stack);
  });
  afterAll(async () => {
    process.off('unhandledRejection', onRejection);
    redis.restore();
    await stack.close();
    await redis.close();
  });

  /** Opens streams until one is accepted (Redis reconnects with a backoff of its own). */
  const openOnceAccepted = (headers: Record<string, string> = {}) =>
    eventually(
      async () => {
        const stream = openEventStream(url, { ...bearer(nurse), ...headers });
        if ((await stream.status) === 200) return opened(stream);
        stream.close();
        return undefined;
      },
      (stream) => stream !== undefined,
      { timeoutMs: 30_000 },
    ) as Promise<EventStreamClient>;

  it('answers 503 to a board opening its stream while Redis is down, serves on, streams when it is back, and ends streams it drops', async () => {
    redis.cut();
    const refused = await stack.http().get('/v1/alerts/stream').set(bearer(nurse));
    expect(refused.status).toBe(503);
    expect(refused.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(refused.headers['retry-after']).toMatch(/^\d+$/);
    // The process is fine: requests that need no Redis are served as ever.
    await stack.http().get('/v1/alerts').set(bearer(nurse)).expect(200);

    redis.restore();
    const live = await openOnceAccepted();
    const first = await alerts.raise(missedDoseAlert());
    const [created] = await eventually(
      async () => live.events,
      (events) => events.some((e) => alertIdOf(e) === first.id),
    );
    // Redis goes: the stream can hear nothing more, so it ends rather than look live.
    redis.cut();
    await live.ended;
    // Raised while Redis is down: recorded in Postgres, so the board gets it when it is back.
    const during = await alerts.raise(missedDoseAlert({ severity: 'critical' }));
    redis.restore();
    const back = await openOnceAccepted({ 'last-event-id': created!.id! });
    await eventually(
      async () => back.events.map(alertIdOf),
      (ids) => ids.includes(during.id),
    );
    back.close();
    expect(rejections).toEqual([]);
  });
});
