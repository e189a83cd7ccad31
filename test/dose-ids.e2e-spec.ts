import { DataSource } from 'typeorm';
import {
  approvedPlan,
  baclofenRequest,
  bearer,
  createKey,
  createPatient,
  startStack,
  TestStack,
} from '@taperwatch/testing';

/** RFC 9562 version 7: 48 bits of Unix milliseconds, version 7, variant 10. */
const VERSION_7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const millisecondsOf = (id: string) => parseInt(id.replace(/-/g, '').slice(0, 12), 16);

/** Doses get ids in the order they were created (uuid_v7), so today's doses share index leaves. */
describe('dose ids in creation order', () => {
  let stack: TestStack;
  let dataSource: DataSource;

  beforeAll(async () => {
    stack = await startStack({ workers: 1 });
    dataSource = stack.app.get(DataSource);
  });
  afterAll(() => stack.close());

  it("uuid_v7(at) is a version 7 id led by at's milliseconds, ordered as the instants are", async () => {
    const rows: { ms: string; id: string }[] = await dataSource.query(
      `SELECT floor(extract(epoch FROM at) * 1000)::bigint::text AS ms, uuid_v7(at)::text AS id
         FROM (SELECT timestamptz '2020-01-01' + random() * interval '3000 days' AS at
                 FROM generate_series(1, 500)) instants`,
    );
    for (const { ms, id } of rows) {
      expect(id).toMatch(VERSION_7);
      expect(millisecondsOf(id)).toBe(Number(ms));
    }
    const byInstant = [...rows].sort((a, b) => Number(a.ms) - Number(b.ms));
    const byId = [...rows].sort((a, b) => (a.id < b.id ? -1 : 1));
    expect(byId.map((r) => r.ms)).toEqual(byInstant.map((r) => r.ms));
    // Two ids of one millisecond still differ (74 random bits).
    const [same]: { a: string; b: string }[] = await dataSource.query(
      `SELECT uuid_v7(timestamptz '2026-01-01')::text AS a, uuid_v7(timestamptz '2026-01-01')::text AS b`,
    );
    expect(same!.a.slice(0, 13)).toBe(same!.b.slice(0, 13));
    expect(same!.a).not.toBe(same!.b);
  });

  it('gives each dose the planner writes an id of the moment it was written, and records by it', async () => {
    const prescriber = await createKey(stack, 'prescriber');
    const nurse = await createKey(stack, 'nurse', ['ward-7']);
    const patient = await createPatient(stack, prescriber);
    const before = Date.now();
    const planId = await approvedPlan(stack, prescriber, baclofenRequest(patient.id));
    const after = Date.now();

    const doses: { id: string }[] = await dataSource.query(
      `SELECT id::text FROM doses WHERE plan_id = $1 ORDER BY due_at`,
      [planId],
    );
    expect(doses.length).toBeGreaterThan(0);
    for (const { id } of doses) {
      expect(id).toMatch(VERSION_7);
      // The database's clock and this process's are the same machine's; a second's slack.
      expect(millisecondsOf(id)).toBeGreaterThanOrEqual(before - 1000);
      expect(millisecondsOf(id)).toBeLessThanOrEqual(after + 1000);
    }

    const res = await stack
      .http()
      .post(`/v1/doses/${doses[0]!.id}/administrations`)
      .set(bearer(nurse))
      .send({ outcome: 'given' })
      .expect(201);
    expect(res.body).toMatchObject({ id: doses[0]!.id, status: 'given', drugCode: 'baclofen' });
  });
});
