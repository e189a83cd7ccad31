import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { AlertsService } from '@taperwatch/alerts';
import { ManualClock } from '@taperwatch/common';
import { AppConfig } from '@taperwatch/config';
import { OVERDUE_BATCH, WatchRepository, WatchService } from '@taperwatch/doses';
import { JobQueue, QUEUES } from '@taperwatch/queues';
import { openTestDataSource } from '@taperwatch/testing';

const NOW = new Date('2026-03-02T10:00:00Z');
const MINUTE = 60_000;

/**
 * The sweep's claim (WatchRepository.claimOverdue) in its batches, against real Postgres: every
 * overdue dose claimed once, soonest first, and two claims at once never take the same dose.
 */
describe('the sweep claim', () => {
  let dataSource: DataSource;
  let close: () => Promise<void>;
  let repository: WatchRepository;

  beforeAll(async () => {
    ({ dataSource, close } = await openTestDataSource());
    repository = new WatchRepository(dataSource);
  });
  afterAll(() => close());

  // Each test claims every dose overdue at NOW, so the next starts with none; its own tenant
  // tells its doses apart.
  let tenantId: string;
  beforeEach(() => {
    tenantId = randomUUID();
  });

  /** `count` scheduled doses of one plan each, missed after `NOW - minutesAgo(i)`; their ids. */
  async function seedDoses(count: number, minutesAgo: (i: number) => number): Promise<string[]> {
    const rows: { id: string }[] = await dataSource.query(
      `INSERT INTO doses (id, tenant_id, plan_id, patient_id, step_index, due_at, drug_code, dose_mg,
                          equivalent_mg, status, missed_after)
       SELECT gen_random_uuid(), $1, gen_random_uuid(), gen_random_uuid(), 1, m - interval '30 minutes',
              'baclofen', 15, 15, 'scheduled', m
       FROM unnest($2::timestamptz[]) WITH ORDINALITY AS t(m, n) ORDER BY n RETURNING id`,
      [
        tenantId,
        Array.from({ length: count }, (_, i) => new Date(NOW.getTime() - minutesAgo(i) * MINUTE)),
      ],
    );
    return rows.map((r) => r.id);
  }

  const idsWith = async (status: string): Promise<string[]> =>
    (
      (await dataSource.query(
        `SELECT id FROM doses WHERE tenant_id = $1 AND status = $2 ORDER BY id`,
        [tenantId, status],
      )) as { id: string }[]
    ).map((r) => r.id);
  const missedIds = () => idsWith('missed');

  it('claims OVERDUE_BATCH doses a batch, the longest overdue first, until a short batch', async () => {
    const overdue = await seedDoses(2 * OVERDUE_BATCH + 7, (i) => 1 + i);
    const ahead = await seedDoses(5, (i) => -1 - i);
    const claims = [];
    for (;;) {
      const claim = await repository.claimOverdue(NOW);
      claims.push(claim);
      if (!claim.full) break;
    }
    expect(claims.map((c) => [c.rows.length, c.full])).toEqual([
      [OVERDUE_BATCH, true],
      [OVERDUE_BATCH, true],
      [7, false],
    ]);
    // A batch returns its rows in no particular order; each batch is overdue longer than the next.
    const spans = claims.map((c) => c.rows.map((r) => r.missed_after.getTime()));
    for (let k = 1; k < spans.length; k++) {
      expect(Math.max(...spans[k - 1]!)).toBeLessThan(Math.min(...spans[k]!));
    }
    expect(new Set(claims.flatMap((c) => c.rows.map((r) => r.plan_id))).size).toBe(overdue.length);
    expect(await missedIds()).toEqual([...overdue].sort());
    expect(await idsWith('scheduled')).toEqual([...ahead].sort());
    expect((await repository.claimOverdue(NOW)).rows).toEqual([]);
  });

  it('never gives two claims running at once the same dose', async () => {
    const overdue = await seedDoses(OVERDUE_BATCH + 40, (i) => 1 + i);
    const first = dataSource.createQueryRunner();
    await first.connect();
    await first.startTransaction();
    try {
      // The first claim holds its row locks until it commits; the second skips them.
      const held = await repository.claimOverdue(NOW, first.manager);
      const other = await repository.claimOverdue(NOW);
      expect(held.rows).toHaveLength(OVERDUE_BATCH);
      expect(other.rows).toHaveLength(40);
      const plans = new Set([...held.rows, ...other.rows].map((r) => r.plan_id));
      expect(plans.size).toBe(overdue.length);
      await first.commitTransaction();
    } finally {
      await first.release();
    }
    expect(await missedIds()).toEqual([...overdue].sort());
  });

  it('marks every overdue dose in one sweep, however many batches that takes', async () => {
    const overdue = await seedDoses(3 * OVERDUE_BATCH + 1, (i) => 1 + (i % 90));
    // markOverdue uses the repository and the clock alone.
    const service = new WatchService(
      repository,
      new ManualClock(NOW),
      {} as AlertsService,
      {} as AppConfig,
      {} as JobQueue<typeof QUEUES.doseChecks>,
    );
    expect(await service.markOverdue()).toBe(overdue.length);
    expect(await missedIds()).toEqual([...overdue].sort());
    const [pending] = (await dataSource.query(
      `SELECT count(*)::int AS n FROM doses WHERE tenant_id = $1 AND judge_pending AND missed_at = $2`,
      [tenantId, NOW],
    )) as { n: number }[];
    expect(pending!.n).toBe(overdue.length);
  });
});
