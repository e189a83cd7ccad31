import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { DataSource } from 'typeorm';
import { AlertsService } from '@taperwatch/alerts';
import { AuditTrail } from '@taperwatch/audit';
import {
  TestStack,
  adminAuth,
  approvedPlan,
  baclofenRequest,
  bearer,
  HOUR,
  createKey,
  eventually,
  missedDoseAlert,
  openEventStream,
  seedWatchedPlan,
  startStack,
} from '@taperwatch/testing';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const FhirValidator = require('@asymmetrik/fhir-json-schema-validator') as new () => {
  validate(resource: unknown, verbose?: boolean): unknown[];
};

const VERIFY = path.resolve(__dirname, '../dist/apps/audit-verify/src/main.js');

interface AuditItem {
  seq: string;
  actor: {
    apiKeyId: string | null;
    patientLinkId: string | null;
    person: string | null;
    by: { type: string; id: string; name?: string } | null;
  };
  action: string;
  resource: { type: string; id: string | null };
  method: string;
  route: string;
  outcome: number;
  clientIp: string | null;
}

/** An unusual birth date, so finding it anywhere in the database means it was not erased. */
const BIRTH_DATE = '1931-02-17';

/**
 * The audit trail of a whole taper read back through the API, the database refusing to change
 * it, the chain checked by `npm run audit:verify` (built: npm test builds first), FHIR AuditEvents,
 * and erasure of a patient's identifiers.
 */
describe('audit trail and erasure', () => {
  let stack: TestStack;
  let ds: DataSource;
  let prescriber: string;
  let nurse: string;
  let prescriberKeyId: string;
  let nurseKeyId: string;
  let patientId: string;
  let externalId: string;
  let planId: string;
  let alertId: string;
  let doseId: string;
  let linkId: string;

  const audit = async (query: string): Promise<AuditItem[]> => {
    const items: AuditItem[] = [];
    let cursor: string | null = null;
    do {
      const page = await stack
        .http()
        .get(`/v1/audit-events?${query}&limit=50${cursor ? `&cursor=${cursor}` : ''}`)
        .set(adminAuth)
        .expect(200);
      items.push(...(page.body.items as AuditItem[]));
      cursor = page.body.nextCursor as string | null;
    } while (cursor);
    return items;
  };
  const keyIdOf = async (name: string) =>
    ((await ds.query('SELECT id FROM api_keys WHERE name = $1', [name])) as { id: string }[])[0]!
      .id;
  const verify = () =>
    spawnSync(process.execPath, [VERIFY], {
      env: { PATH: process.env.PATH, DATABASE_URL: stack.database.url },
      encoding: 'utf8',
    });

  beforeAll(async () => {
    stack = await startStack({ workers: 1 });
    ds = stack.app.get(DataSource);
    prescriber = await createKey(stack, 'prescriber');
    nurse = await createKey(stack, 'nurse', ['ward-7']);
    prescriberKeyId = await keyIdOf('prescriber key');
    nurseKeyId = await keyIdOf('nurse key');
  });
  afterAll(() => stack.close());

  it('reads back a whole taper: request, approval, recording, alert, acknowledgement and reads', async () => {
    const patient = await stack
      .http()
      .post('/v1/patients')
      .set(bearer(prescriber))
      .set('x-actor', 'dr.house')
      .send({ externalId: `MRN-AUDIT-${Date.now()}`, unitId: 'ward-7', birthDate: BIRTH_DATE })
      .expect(201);
    patientId = patient.body.id;
    externalId = patient.body.externalId;
    planId = await approvedPlan(stack, prescriber, baclofenRequest(patientId));
    const doses = await stack
      .http()
      .get(`/v1/plans/${planId}/doses?limit=10`)
      .set(bearer(nurse))
      .expect(200);
    doseId = doses.body.items[0].id;
    await stack
      .http()
      .post(`/v1/doses/${doseId}/administrations`)
      .set(bearer(nurse))
      .set('x-actor', 'nurse.joy')
      .send({ outcome: 'given' })
      .expect(201);
    // The watcher's own alert would need real time to pass; the service raises the same one.
    const raised = await stack.app
      .get(AlertsService)
      .raise(missedDoseAlert({ patientId, planId, doseIds: [doseId] }));
    alertId = raised.id;
    await stack.http().get(`/v1/alerts/${alertId}`).set(bearer(nurse)).expect(200);
    await stack.http().post(`/v1/alerts/${alertId}/acknowledge`).set(bearer(nurse)).expect(200);
    await stack.http().get(`/v1/patients/${patientId}`).set(bearer(nurse)).expect(200);
    await stack.http().get(`/v1/plans/${planId}`).set(bearer(nurse)).expect(200);
    // A refused read is attributable too.
    await stack.http().get(`/v1/patients/${patientId}`).set(bearer('tw_not-a-key')).expect(401);
    // A mistyped MRN in the path is refused and never kept: the trail cannot be erased.
    await stack.http().get('/v1/patients/MRN-TYPO-42').set(bearer(nurse)).expect(400);
    const link = await stack
      .http()
      .post(`/v1/patients/${patientId}/links`)
      .set(bearer(nurse))
      .send({})
      .expect(201);
    linkId = link.body.id;
    await stack.http().get('/v1/patient-link/schedule').set(bearer(link.body.token)).expect(200);

    const onPatient = await audit(`resourceType=Patient&resourceId=${patientId}`);
    expect(onPatient.map((e) => [e.action, e.outcome])).toEqual([
      ['create', 201],
      ['read', 200],
      ['read', 401],
      ['create-link', 201],
      ['read', 200],
    ]);
    expect(onPatient[0]!.actor).toEqual({
      apiKeyId: prescriberKeyId,
      patientLinkId: null,
      person: 'dr.house',
      by: { type: 'api_key', id: prescriberKeyId, name: 'prescriber key' },
    });
    expect(onPatient[1]!.actor.apiKeyId).toBe(nurseKeyId);
    expect(onPatient[2]!.actor).toEqual({
      apiKeyId: null,
      patientLinkId: null,
      person: null,
      by: null,
    });
    expect(onPatient[4]!.actor).toEqual({
      apiKeyId: null,
      patientLinkId: linkId,
      person: null,
      by: { type: 'patient', id: linkId },
    });
    expect(onPatient[4]!.route).toBe('/v1/patient-link/schedule');
    expect(onPatient.every((e) => e.clientIp !== null)).toBe(true);

    const onPlan = await audit(`resourceType=Plan&resourceId=${planId}`);
    expect(onPlan.map((e) => [e.action, e.actor.apiKeyId, e.route])).toEqual([
      ['approve', prescriberKeyId, '/v1/plans/:id/approve'],
      ['read', nurseKeyId, '/v1/plans/:id/doses'],
      ['read', nurseKeyId, '/v1/plans/:id'],
    ]);
    const onDose = await audit(`resourceType=Dose&resourceId=${doseId}`);
    expect(onDose.map((e) => [e.action, e.outcome, e.actor.person])).toEqual([
      ['record', 201, 'nurse.joy'],
    ]);
    const onAlert = await audit(`resourceType=Alert&resourceId=${alertId}`);
    expect(onAlert.map((e) => [e.action, e.actor.apiKeyId])).toEqual([
      ['read', nurseKeyId],
      ['acknowledge', nurseKeyId],
    ]);
    const requests = await audit(`resourceType=TaperRequest&actor=${prescriberKeyId}`);
    expect(requests[0]).toEqual(
      expect.objectContaining({ action: 'create', outcome: 202, method: 'POST' }),
    );
    expect(requests[0]!.resource.id).toMatch(/^[0-9a-f-]{36}$/);
    const typo = (await audit('resourceType=Patient')).filter((e) => e.outcome === 400);
    expect(typo.map((e) => e.resource.id)).toEqual([null]);
    // By person, across resources.
    expect((await audit('actor=nurse.joy')).map((e) => e.resource.type)).toEqual(['Dose']);
    // Key creation is attributable to the bootstrap admin.
    const keys = await audit('resourceType=ApiKey');
    expect(keys.map((e) => [e.action, e.resource.id])).toEqual(
      expect.arrayContaining([['create', prescriberKeyId]]),
    );
  });

  it('pages by cursor, names a bad filter, and is for admins only', async () => {
    const first = await stack.http().get('/v1/audit-events?limit=2').set(adminAuth).expect(200);
    expect(first.body.items).toHaveLength(2);
    const second = await stack
      .http()
      .get(`/v1/audit-events?limit=2&cursor=${first.body.nextCursor}`)
      .set(adminAuth)
      .expect(200);
    expect(BigInt(second.body.items[0].seq)).toBe(BigInt(first.body.items[1].seq) + 1n);
    const bad = await stack
      .http()
      .get('/v1/audit-events?from=yesterday&cursor=zzz')
      .set(adminAuth)
      .expect(400);
    expect(JSON.stringify(bad.body)).toContain('from');
    await stack.http().get('/v1/audit-events').set(bearer(nurse)).expect(403);
    const docs = await stack.http().get('/openapi.json').expect(200);
    expect(Object.keys(docs.body.paths)).toEqual(
      expect.arrayContaining(['/v1/audit-events', '/v1/audit-events/fhir']),
    );
    expect(docs.body.paths['/v1/patients/{id}'].delete.responses).toEqual(
      expect.objectContaining({ '204': expect.anything(), '404': expect.anything() }),
    );
  });

  it('records who opened the alert event stream (a reply Fastify hands over to the route)', async () => {
    await stack.app.listen(0, '127.0.0.1');
    const url = `${(await stack.app.getUrl()).replace('[::1]', '127.0.0.1')}/v1/alerts/stream`;
    const stream = openEventStream(url, bearer(nurse));
    try {
      expect(await stream.status).toBe(200);
      await eventually(
        async () => {
          await stack.app.get(AuditTrail).flush();
          return audit(`resourceType=Alert&actor=${nurseKeyId}`);
        },
        (events) => events.some((e) => e.action === 'subscribe'),
      );
      const [opened] = (await audit(`resourceType=Alert&actor=${nurseKeyId}`)).filter(
        (e) => e.action === 'subscribe',
      );
      expect(opened).toMatchObject({
        method: 'GET',
        route: '/v1/alerts/stream',
        outcome: 200,
        resource: { type: 'Alert', id: null },
      });
    } finally {
      stream.close();
    }
  });

  it('serves the trail as FHIR R4 AuditEvents that validate against the official schema', async () => {
    const res = await stack
      .http()
      .get(`/v1/audit-events/fhir?resourceType=Patient&resourceId=${patientId}&limit=3`)
      .set(adminAuth)
      .expect(200);
    expect(res.headers['content-type']).toMatch(/^application\/fhir\+json/);
    const bundle = res.body as {
      resourceType: string;
      link?: { relation: string; url: string }[];
      entry: { resource: Record<string, unknown> }[];
    };
    const validator = new FhirValidator();
    expect(validator.validate(bundle, true)).toEqual([]);
    expect(bundle.entry).toHaveLength(3);
    for (const { resource } of bundle.entry) expect(validator.validate(resource, true)).toEqual([]);
    expect(bundle.entry[0]!.resource).toEqual(
      expect.objectContaining({
        resourceType: 'AuditEvent',
        action: 'C',
        outcome: '0',
        agent: [expect.objectContaining({ altId: 'dr.house', requestor: true })],
      }),
    );
    expect(bundle.entry[2]!.resource).toEqual(expect.objectContaining({ outcome: '4' }));
    expect(bundle.link?.[0]?.relation).toBe('next');
  });

  it('erases a patient: identifiers gone from every table, clinical rows kept, itself audited', async () => {
    expect(await tablesHolding(ds, externalId)).not.toEqual([]);
    // Still watched: erasure waits for the plan to end.
    await stack.http().delete(`/v1/patients/${patientId}`).set(adminAuth).expect(409);
    await stack
      .http()
      .post(`/v1/plans/${planId}/cancel`)
      .set(bearer(prescriber))
      .send({ reason: 'Patient transferred' })
      .expect(200);
    await stack.http().delete(`/v1/patients/${patientId}`).set(bearer(nurse)).expect(403);
    await stack.http().delete(`/v1/patients/${patientId}`).set(adminAuth).expect(204);
    await stack.http().delete(`/v1/patients/${patientId}`).set(adminAuth).expect(204);
    await stack
      .http()
      .delete('/v1/patients/00000000-0000-4000-8000-000000000000')
      .set(adminAuth)
      .expect(404);

    expect(await tablesHolding(ds, externalId)).toEqual([]);
    expect(await tablesHolding(ds, BIRTH_DATE)).toEqual([]);
    await stack.http().get(`/v1/patients/${patientId}`).set(bearer(nurse)).expect(404);
    // Retained (the default) under the pseudonymous id: the plan, its doses and the alert.
    const [kept] = (await ds.query(
      `SELECT (SELECT count(*) FROM plans WHERE patient_id = $1)::int AS plans,
              (SELECT count(*) FROM doses WHERE patient_id = $1)::int AS doses,
              (SELECT count(*) FROM alerts WHERE patient_id = $1)::int AS alerts,
              (SELECT count(*) FROM patient_links WHERE patient_id = $1 AND revoked_at IS NULL)::int
                AS "liveLinks"`,
      [patientId],
    )) as { plans: number; doses: number; alerts: number; liveLinks: number }[];
    expect(kept).toEqual(expect.objectContaining({ plans: 1, liveLinks: 0 }));
    expect(kept!.alerts).toBeGreaterThan(0);
    expect(kept!.doses).toBeGreaterThan(0);

    const erasures = (await audit(`resourceType=Patient&resourceId=${patientId}`)).filter(
      (e) => e.action === 'erase',
    );
    expect(erasures.map((e) => [e.outcome, e.method])).toEqual([
      [409, 'DELETE'],
      [403, 'DELETE'],
      [204, 'DELETE'],
      [204, 'DELETE'],
    ]);
  });

  it('is append-only in the database itself, and its chain verifies after erasure', async () => {
    await stack.app.get(AuditTrail).flush();
    await expect(ds.query(`UPDATE audit_events SET outcome = 200`)).rejects.toThrow(/append-only/);
    await expect(ds.query(`DELETE FROM audit_events`)).rejects.toThrow(/append-only/);
    await expect(ds.query(`TRUNCATE audit_events`)).rejects.toThrow(/append-only/);
    // Not even with ordinary triggers silenced for replication.
    await expect(
      ds.transaction(async (m) => {
        await m.query(`SET LOCAL session_replication_role = replica`);
        await m.query(`DELETE FROM audit_events`);
      }),
    ).rejects.toThrow(/append-only/);
    const result = verify();
    expect(result.stderr).toBe('');
    expect(result.stdout).toMatch(/the chain is whole \(\d+ rows\); its last hash is [0-9a-f]{64}/);
    expect(result.status).toBe(0);
  });

  it('finds a row changed behind the trigger (as a superuser) and names it', async () => {
    const [row] = (await ds.query(
      `SELECT seq::text AS seq FROM audit_events WHERE resource_id = $1 ORDER BY seq LIMIT 1`,
      [patientId],
    )) as { seq: string }[];
    await ds.transaction(async (m) => {
      await m.query(`ALTER TABLE audit_events DISABLE TRIGGER audit_events_append_only`);
      await m.query(`UPDATE audit_events SET actor_person = 'someone-else' WHERE seq = $1`, [
        row!.seq,
      ]);
      await m.query(`ALTER TABLE audit_events ENABLE ALWAYS TRIGGER audit_events_append_only`);
    });
    const result = verify();
    expect(result.status).toBe(1);
    expect(result.stderr).toContain(`breaks at seq ${row!.seq}: its contents do not match`);
  });
});

describe('erasure with ERASURE_CLINICAL_RECORDS=delete', () => {
  let stack: TestStack;
  afterAll(() => stack.close());

  it("deletes the patient's clinical rows too, leaving the pseudonymous row and the audit trail", async () => {
    stack = await startStack({ workers: 1, env: { ERASURE_CLINICAL_RECORDS: 'delete' } });
    const ds = stack.app.get(DataSource);
    const prescriber = await createKey(stack, 'prescriber');
    const { patientId, planId, doseIds } = await seedWatchedPlan(stack, prescriber, [
      { inMs: -2 * HOUR, status: 'given' },
      { inMs: 2 * HOUR },
    ]);
    await stack.app
      .get(AlertsService)
      .raise(missedDoseAlert({ patientId, planId, doseIds: [doseIds[0]!] }));
    await stack
      .http()
      .post(`/v1/plans/${planId}/cancel`)
      .set(bearer(prescriber))
      .send({ reason: 'Patient transferred' })
      .expect(200);
    expect(await tablesHolding(ds, patientId)).toEqual(
      expect.arrayContaining(['alerts', 'doses', 'plans', 'taper_requests']),
    );
    await stack.http().delete(`/v1/patients/${patientId}`).set(adminAuth).expect(204);
    await stack.app.get(AuditTrail).flush();
    expect((await tablesHolding(ds, patientId)).sort()).toEqual(['audit_events', 'patients']);
    const [patient] = (await ds.query(
      'SELECT external_id, birth_date, erased_at FROM patients WHERE id = $1',
      [patientId],
    )) as { external_id: string; birth_date: string | null; erased_at: Date | null }[];
    expect(patient).toEqual({
      external_id: `erased:${patientId}`,
      birth_date: null,
      erased_at: expect.any(Date),
    });
  });
});

describe('the audit writer under a steady stream of requests', () => {
  let stack: TestStack;
  beforeAll(async () => {
    // Full batches of 50, and a timer too slow to fire during the test.
    stack = await startStack({
      workers: 0,
      env: { AUDIT_FLUSH_ROWS: '50', AUDIT_FLUSH_INTERVAL_MS: '60000' },
    });
  });
  afterAll(() => stack.close());

  it('appends full batches, not a transaction per row arriving while one is written', async () => {
    const trail = stack.app.get(AuditTrail);
    const ds = stack.app.get(DataSource);
    const count = async () =>
      Number(((await ds.query('SELECT count(*) AS n FROM audit_events')) as { n: string }[])[0]!.n);
    const before = await count();
    let produced = 0;
    const arrive = () => {
      if (produced >= 500) return;
      trail.record({
        occurredAt: new Date(),
        tenantId: null,
        actorKeyId: null,
        actorLinkId: null,
        actorPerson: null,
        action: 'read',
        resourceType: 'Plan',
        resourceId: null,
        method: 'GET',
        route: '/v1/plans/:id',
        outcome: 200,
        clientIp: '127.0.0.1',
        requestId: `steady-${produced++}`,
      });
    };
    const appended: number[] = [];
    const writer = trail as unknown as { append(batch: unknown[]): Promise<void> };
    const append = writer.append.bind(trail);
    jest.spyOn(writer, 'append').mockImplementation(async (batch: unknown[]) => {
      appended.push(batch.length);
      // Requests keep coming while a batch is being written, as they do under load.
      for (let i = 0; i < 5; i++) arrive();
      await append(batch);
    });
    // One request a millisecond: slower than a write, as a busy API's requests are (the pace of
    // arrivals is the condition under test, not a wait for a result).
    while (produced < 500) {
      arrive();
      await new Promise((resolve) => setTimeout(resolve, 1));
    }
    await trail.flush();
    expect(appended.reduce((a, b) => a + b, 0)).toBe(500);
    expect(appended.slice(0, -1).every((n) => n === 50)).toBe(true);
    expect(appended.length).toBeLessThanOrEqual(11);
    expect((await count()) - before).toBe(500);
  });
});

/** Every table with a row whose text holds `needle`. */
async function tablesHolding(ds: DataSource, needle: string): Promise<string[]> {
  const tables = (await ds.query(
    `SELECT table_name AS name FROM information_schema.tables
     WHERE table_schema = 'public' AND table_type = 'BASE TABLE' AND table_name <> 'migrations'`,
  )) as { name: string }[];
  const holding: string[] = [];
  for (const { name } of tables) {
    const [hit] = (await ds.query(
      `SELECT 1 FROM "${name}" t WHERE strpos(row_to_json(t)::text, $1) > 0 LIMIT 1`,
      [needle],
    )) as unknown[];
    if (hit) holding.push(name);
  }
  return holding;
}
