import { Client } from 'pg';
import { DOSE_VIEW_COLUMNS, WatchRepository } from '@taperwatch/doses';
import { dosePagesAnswered } from '@taperwatch/observability';
import {
  HOUR,
  SeededPlan,
  bearer,
  createKey,
  seedWatchedPlan,
  startStack,
  TestStack,
} from '@taperwatch/testing';

interface Dose {
  id: string;
  status: string;
  recordedBy?: { name?: string };
}

/**
 * The dose page an API process keeps and answers again (decision 0046), against real Postgres:
 * the triggers on doses move a plan's page version in the changing transaction, so a change is
 * on the next page read, whichever process made it, and nothing a page does not show moves it.
 */
describe('kept dose pages', () => {
  let stack: TestStack;
  let db: Client;
  let nurse: string;
  const MINUTE = 60_000;
  const plans: Record<'recorded' | 'missed' | 'renamed' | 'raced' | 'written', SeededPlan> =
    {} as never;

  beforeAll(async () => {
    stack = await startStack();
    db = new Client({ connectionString: stack.database.url });
    await db.connect();
    const prescriber = await createKey(stack, 'prescriber');
    nurse = await createKey(stack, 'nurse', ['ward-7']);
    const seed = (offsets: number[]) =>
      seedWatchedPlan(
        stack,
        prescriber,
        offsets.map((inMs) => ({ inMs })),
      );
    plans.recorded = await seed([-10 * MINUTE, 2 * HOUR]);
    plans.missed = await seed([-10 * MINUTE, HOUR]);
    plans.renamed = await seed([-10 * MINUTE]);
    plans.raced = await seed(Array.from({ length: 12 }, (_, i) => (i - 11) * MINUTE));
    plans.written = await seed([HOUR]);
    // The worker planned them; from here the test makes every change to the doses itself.
    await stack.workers.pop()!.stop();
  });
  afterAll(async () => {
    await db.end();
    await stack.close();
  });

  const answered = async () => {
    const { values } = await dosePagesAnswered.get();
    const of = (source: string) => values.find((v) => v.labels.source === source)?.value ?? 0;
    return { kept: of('kept'), read: of('read') };
  };
  const page = async (plan: SeededPlan, key = nurse, query = '?limit=50') =>
    (
      await stack
        .http()
        .get(`/v1/plans/${plan.planId}/doses${query}`)
        .set(bearer(key))
        .expect(200)
        .expect('content-type', 'application/json; charset=utf-8')
    ).body as { items: Dose[]; nextCursor: string | null };
  const record = (doseId: string | undefined) =>
    stack
      .http()
      .post(`/v1/doses/${doseId}/administrations`)
      .set(bearer(nurse))
      .send({ outcome: 'given' })
      .expect(201);
  const statusOf = async (plan: SeededPlan, doseId: string) =>
    (await page(plan)).items.find((d) => d.id === doseId)?.status;
  const versionOf = async (planId: string) =>
    (
      await db.query<{ version: string }>(
        'SELECT version FROM dose_page_versions WHERE plan_id = $1',
        [planId],
      )
    ).rows[0]?.version;

  it('answers the kept page while nothing shown changed, and a recording on the next read', async () => {
    const plan = plans.recorded;
    const first = await page(plan);
    const before = await answered();
    expect(await page(plan)).toEqual(first);
    expect(await answered()).toEqual({ kept: before.kept + 1, read: before.read });

    await record(plan.doseIds[0]);
    const after = await page(plan);
    expect(after.items.find((d) => d.id === plan.doseIds[0])).toMatchObject({
      status: 'given',
      recordedBy: { name: 'nurse key' },
    });
    expect((await answered()).read).toBe(before.read + 1);
  });

  it('shows a dose the watcher found missed at once; arming it moved nothing', async () => {
    const plan = plans.missed;
    await page(plan);
    const version = await versionOf(plan.planId);
    // Arming (the watcher's missed_after) is not on the page: the kept page stands.
    await db.query(`UPDATE doses SET missed_after = now() - interval '1 minute' WHERE id = $1`, [
      plan.doseIds[0],
    ]);
    expect(await versionOf(plan.planId)).toBe(version);
    const before = await answered();
    expect(await statusOf(plan, plan.doseIds[0]!)).toBe('scheduled');
    expect((await answered()).kept).toBe(before.kept + 1);

    const claim = await stack.app.get(WatchRepository).claimOverdue(new Date());
    expect(claim.rows.map((r) => r.plan_id)).toContain(plan.planId);
    expect(await versionOf(plan.planId)).not.toBe(version);
    expect(await statusOf(plan, plan.doseIds[0]!)).toBe('missed');
  });

  it('names a renamed recorder, and refuses a kept page to a ward the patient left', async () => {
    const plan = plans.renamed;
    await record(plan.doseIds[0]);
    await page(plan);
    await db.query(`UPDATE api_keys SET name = 'night nurse key' WHERE name = 'nurse key'`);
    expect((await page(plan)).items[0]!.recordedBy?.name).toBe('night nurse key');

    await page(plan);
    await db.query(`UPDATE patients SET unit_id = 'ward-8' WHERE id = $1`, [plan.patientId]);
    await stack
      .http()
      .get(`/v1/plans/${plan.planId}/doses?limit=50`)
      .set(bearer(nurse))
      .expect(404);
  });

  it('never answers a page older than a recording that answered before the read began', async () => {
    const plan = plans.raced;
    await page(plan);
    for (const doseId of plan.doseIds) {
      // Reads racing the recording may show either state; a read after its answer must show it.
      const racing = Array.from({ length: 4 }, () => page(plan));
      await record(doseId);
      expect(await statusOf(plan, doseId)).toBe('given');
      await Promise.all(racing);
      expect(await statusOf(plan, doseId)).toBe('given');
    }
  });

  it('moves the versions of the plans a statement inserted, deleted or truncated', async () => {
    const plan = plans.written;
    const shared = async () => versionOf('00000000-0000-0000-0000-000000000000');
    const [v1, s1] = [await versionOf(plan.planId), await shared()];
    await db.query(
      `INSERT INTO doses (id, tenant_id, plan_id, patient_id, step_index, due_at, drug_code,
                          dose_mg, equivalent_mg, status)
       SELECT gen_random_uuid(), tenant_id, plan_id, patient_id, 1, due_at + interval '1 day',
              drug_code, dose_mg, equivalent_mg, 'scheduled' FROM doses WHERE id = $1`,
      [plan.doseIds[0]],
    );
    const v2 = await versionOf(plan.planId);
    expect(v2).not.toBe(v1);
    await db.query('DELETE FROM doses WHERE id = $1', [plan.doseIds[0]]);
    expect(await versionOf(plan.planId)).not.toBe(v2);
    expect(await shared()).toBe(s1);
    await db.query('TRUNCATE doses');
    expect(await shared()).not.toBe(s1);
  });

  it('moves a version when any column a page shows changes, whatever columns the view gains', async () => {
    const { rows } = await db.query<{ source: string }>(
      `SELECT pg_get_functiondef('dose_pages_rows_updated'::regproc) AS source`,
    );
    const compared = DOSE_VIEW_COLUMNS.filter((c) => c !== 'id');
    expect(
      compared.filter(
        (c) => !rows[0]!.source.includes(`n.${c},`) && !rows[0]!.source.includes(`n.${c})`),
      ),
    ).toEqual([]);
  });
});
