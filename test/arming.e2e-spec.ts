import { randomBytes } from 'node:crypto';
import { Queue } from 'bullmq';
import Redis from 'ioredis';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { AlertsService } from '@taperwatch/alerts';
import { SystemClock } from '@taperwatch/common';
import { AppConfig } from '@taperwatch/config';
import { CHECK_HORIZON_MS, WatchRepository, WatchService } from '@taperwatch/doses';
import { DEFAULT_TENANT_ID } from '@taperwatch/persistence';
import { JobQueue, QUEUES } from '@taperwatch/queues';
import { openTestDataSource } from '@taperwatch/testing';

/**
 * Arming a page of plans in one transaction (decision 0044) against real Postgres and Redis:
 * the same doses armed, with the same missedAfter, as arming plan by plan did, whoever else is
 * arming or switching a patient's mode at the same time.
 */
describe('arming doses a page of plans at a time', () => {
  let ds: DataSource;
  let close: () => Promise<void>;
  let redis: Redis;
  let queue: Queue;
  const prefix = `{arm-batch-test-${randomBytes(4).toString('hex')}}`;

  const watcher = (): WatchService =>
    new WatchService(
      new WatchRepository(ds),
      new SystemClock(),
      // Arming and queueing raise no alert.
      {} as AlertsService,
      { DOSE_GRACE_MINUTES: undefined } as AppConfig,
      queue as unknown as JobQueue<typeof QUEUES.doseChecks>,
    );

  beforeAll(async () => {
    ({ dataSource: ds, close } = await openTestDataSource());
    redis = new Redis(process.env.TEST_REDIS_URL!, { maxRetriesPerRequest: null });
    queue = new Queue(QUEUES.doseChecks, { connection: redis, prefix });
  });

  afterAll(async () => {
    await queue.obliterate({ force: true });
    await queue.close();
    redis.disconnect();
    await close();
  });

  beforeEach(async () => {
    await ds.query(`DELETE FROM doses`);
    await ds.query(`DELETE FROM plans`);
    await ds.query(`DELETE FROM patients`);
    await queue.obliterate({ force: true });
  });

  /**
   * `plans` patients with a plan each and three unarmed doses due 1, 2 and 30 hours from now.
   * Plan g: drug and administrations a day by g % 4 (diazepam, whose catalogue has no grace, 1,
   * 3 and 8 a day: ISMP's 120, 60 and 45 minutes; baclofen TID: its catalogue's 60); patient an
   * outpatient when g % 7 = 0; paused when g % 11 = 0; no plan in force (completed) when
   * g % 13 = 0; when g % 17 = 0 the doses belong to version 1, superseded by a version 2 given
   * once a day (so version 2's grace applies: 120 for diazepam). Each plan also has a given dose and an armed
   * one, which arming leaves alone.
   */
  async function seed(plans: number, tag = 'a'): Promise<void> {
    const id = (what: string, g: string) => `md5('${tag}-${what}-' || ${g})::uuid`;
    await ds.query(
      `INSERT INTO patients (id, tenant_id, external_id, unit_id, timezone, monitoring)
       SELECT ${id('patient', 'g')}, $1, '${tag}-' || g, 'unit-1', 'Europe/London',
              CASE WHEN g % 7 = 0 THEN 'outpatient' ELSE 'supervised' END
       FROM generate_series(1, $2::int) g`,
      [DEFAULT_TENANT_ID, plans],
    );
    const planColumns = `tenant_id, request_id, patient_id, drug_code, version, status, strategy,
                         start_date, end_date, start_daily_dose_mg, target_daily_dose_mg, steps,
                         doses_per_day, approved_at, paused_at`;
    await ds.query(
      `INSERT INTO plans (id, ${planColumns})
       SELECT ${id('plan', 'g')}, $1, ${id('request', 'g')}, ${id('patient', 'g')},
              CASE WHEN g % 4 = 3 THEN 'baclofen' ELSE 'diazepam' END, 1,
              CASE WHEN g % 17 = 0 THEN 'superseded' WHEN g % 13 = 0 THEN 'completed'
                   WHEN g % 11 = 0 THEN 'paused' ELSE 'active' END,
              'linear', current_date - 14, current_date + 60, 30, 0, '[]'::jsonb,
              (ARRAY[1, 3, 8, 3])[g % 4 + 1], now() - interval '14 days',
              CASE WHEN g % 11 = 0 THEN now() - interval '1 day' END
       FROM generate_series(1, $2::int) g`,
      [DEFAULT_TENANT_ID, plans],
    );
    await ds.query(
      `INSERT INTO plans (id, ${planColumns})
       SELECT ${id('revision', 'g')}, $1, ${id('request', 'g')}, ${id('patient', 'g')},
              CASE WHEN g % 4 = 3 THEN 'baclofen' ELSE 'diazepam' END, 2, 'active', 'linear',
              current_date - 14, current_date + 60, 30, 0, '[]'::jsonb, 1, now() - interval '1 day',
              NULL
       FROM generate_series(1, $2::int) g WHERE g % 17 = 0`,
      [DEFAULT_TENANT_ID, plans],
    );
    await ds.query(
      `INSERT INTO doses (id, tenant_id, plan_id, patient_id, step_index, due_at, drug_code,
                          dose_mg, equivalent_mg, status, missed_after)
       SELECT gen_random_uuid(), p.tenant_id, p.id, p.patient_id, 0,
              date_trunc('minute', now()) + make_interval(hours => k.h), p.drug_code, 5, 5,
              k.status, k.armed
       FROM plans p
       CROSS JOIN (VALUES (1, 'scheduled', NULL::timestamptz), (2, 'scheduled', NULL),
                          (30, 'scheduled', NULL), (-5, 'given', NULL),
                          (-3, 'scheduled', '2000-01-01T00:00:00Z')) AS k(h, status, armed)
       WHERE p.id IN (SELECT ${id('plan', 'g')} FROM generate_series(1, $1::int) g)`,
      [plans],
    );
  }

  /** Each dose's missedAfter as arming plan by plan would have set it (null: left unarmed). */
  const expectedSql = (tag = 'a') => `
    SELECT g, d.id, d.missed_after AS actual,
      CASE WHEN d.status <> 'scheduled' THEN NULL
           WHEN d.due_at < now() THEN '2000-01-01T00:00:00Z'::timestamptz
           WHEN g % 13 = 0 AND g % 17 <> 0 THEN NULL
           WHEN g % 7 = 0 THEN 'infinity'::timestamptz
           -- Version 2 is given once a day: ISMP's 120 for diazepam, the catalogue's 60 for baclofen.
           WHEN g % 17 = 0 THEN d.due_at + make_interval(mins => CASE WHEN g % 4 = 3 THEN 60
                                                                 ELSE 120 END)
           ELSE d.due_at + make_interval(mins => (ARRAY[120, 60, 45, 60])[g % 4 + 1])
      END AS expected
    FROM doses d
    JOIN generate_series(1, $1::int) g ON d.plan_id = md5('${tag}-plan-' || g)::uuid`;

  async function mismatches(plans: number, tag = 'a'): Promise<unknown[]> {
    return ds.query(
      `SELECT * FROM (${expectedSql(tag)}) x WHERE actual IS DISTINCT FROM expected LIMIT 5`,
      [plans],
    );
  }

  async function expectedArmed(plans: number, tag = 'a'): Promise<number> {
    const [row] = (await ds.query(
      `SELECT count(*)::int AS n FROM (${expectedSql(tag)}) x
       WHERE expected IS NOT NULL AND actual IS NULL`,
      [plans],
    )) as { n: number }[];
    return row!.n;
  }

  it('arms every plan of many pages with its own grace, its patient’s mode and its plan in force', async () => {
    // 1,200 plans, three unarmed doses each: several pages of ARM_PAGE doses.
    await seed(1200);
    const toArm = await expectedArmed(1200);
    expect(toArm).toBeGreaterThan(3000);

    await expect(watcher().armDoses()).resolves.toBe(toArm);

    expect(await mismatches(1200)).toEqual([]);
    // Plans without a plan in force keep their doses unarmed; a second round arms nothing more.
    await expect(watcher().armDoses()).resolves.toBe(0);
  });

  it('two workers arming and queueing at once arm each dose once and queue each check once', async () => {
    await seed(900);
    const toArm = await expectedArmed(900);
    const [a, b] = [watcher(), watcher()];

    const armed = await Promise.all([a.armDoses(), b.armDoses(), a.armDoses()]);
    // Every dose counted by exactly one of the runs: none armed twice, none left.
    expect(armed.reduce((x, y) => x + y, 0)).toBe(toArm);
    expect(await mismatches(900)).toEqual([]);

    await Promise.all([a.queueChecks(), b.queueChecks()]);
    const [due] = (await ds.query(
      `SELECT count(*)::int AS n, count(*) FILTER (WHERE NOT check_queued)::int AS unqueued
       FROM doses WHERE status = 'scheduled'
         AND missed_after < now() + make_interval(secs => $1::float8 / 1000)`,
      [CHECK_HORIZON_MS],
    )) as { n: number; unqueued: number }[];
    expect(due!.unqueued).toBe(0);
    expect(due!.n).toBeGreaterThan(1000);
    // One job per dose, under its deterministic id: delayed, or waiting for a dose already late.
    const jobs = await queue.getJobCounts('delayed', 'wait');
    expect(jobs.delayed! + jobs.wait!).toBe(due!.n);
  });

  describe('under a lock on the patient', () => {
    let other: Client;

    beforeEach(async () => {
      other = new Client({ connectionString: (ds.options as { url: string }).url });
      await other.connect();
    });
    afterEach(() => other.end());

    /** Until one backend of the test database waits for a lock (a bounded poll). */
    async function someoneWaitsForALock(): Promise<void> {
      const deadline = Date.now() + 20_000;
      while (Date.now() < deadline) {
        const [row] = (await ds.query(
          `SELECT count(*)::int AS n FROM pg_stat_activity
           WHERE datname = current_database() AND wait_event_type = 'Lock'`,
        )) as { n: number }[];
        if (row!.n > 0) return;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      throw new Error('nobody waited for a lock within 20 s');
    }

    it('arms a patient switched to outpatient as never missed once the switch commits', async () => {
      await seed(300, 'b');
      // Plan 1: diazepam once a day, a supervised patient until the switch.
      const [patient] = (await ds.query(`SELECT md5('b-patient-1')::uuid AS id`)) as {
        id: string;
      }[];
      await other.query('BEGIN');
      await other.query(`UPDATE patients SET monitoring = 'outpatient' WHERE id = $1`, [
        patient!.id,
      ]);

      const arming = watcher().armDoses();
      await someoneWaitsForALock();
      await other.query('COMMIT');
      await arming;

      const doses = (await ds.query(
        `SELECT DISTINCT missed_after = 'infinity' AS never FROM doses
         WHERE plan_id = md5('b-plan-1')::uuid AND status = 'scheduled' AND due_at > now()`,
      )) as { never: boolean }[];
      expect(doses).toEqual([{ never: true }]);
      // Every other plan armed as usual: the page waited, it did not fail or skip.
      const wrong = (await mismatches(300, 'b')) as { id: string }[];
      const ofPlan1 = (await ds.query(
        `SELECT id FROM doses WHERE plan_id = md5('b-plan-1')::uuid`,
      )) as { id: string }[];
      expect(wrong.filter((w) => !ofPlan1.some((d) => d.id === w.id))).toEqual([]);
    });

    it('waits for an erasure holding the patient and arms the rest, not what it deleted', async () => {
      await seed(300, 'c');
      await other.query('BEGIN');
      await other.query(`SELECT 1 FROM patients WHERE id = md5('c-patient-2')::uuid FOR UPDATE`);
      await other.query(`DELETE FROM doses WHERE plan_id = md5('c-plan-2')::uuid`);
      const toArm = await expectedArmed(300, 'c');
      const ofPlan2 = (await ds.query(
        `SELECT count(*)::int AS n FROM doses WHERE plan_id = md5('c-plan-2')::uuid
           AND status = 'scheduled' AND missed_after IS NULL`,
      )) as { n: number }[];

      const arming = watcher().armDoses();
      await someoneWaitsForALock();
      await other.query('COMMIT');

      await expect(arming).resolves.toBe(toArm - ofPlan2[0]!.n);
      expect(await mismatches(300, 'c')).toEqual([]);
    });
  });
});
