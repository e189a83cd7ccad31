import fc from 'fast-check';
import { Client } from 'pg';
import { MINUTE_MS, classifyTimeliness } from '@taperwatch/domain';
import {
  MAX_DOSES_PER_DAY,
  WINDOW_MINUTES_BY_DOSES_PER_DAY,
  minutesFromDueSql,
  timelinessSql,
} from '@taperwatch/doses';

/**
 * The recording statement classifies timeliness in SQL; this keeps that SQL equal to the
 * domain's classifyTimeliness and Math.round over the same inputs, edges included.
 */
describe('the recording statement and the domain agree', () => {
  let client: Client;
  const offsetS = '($1::numeric / 1000)';
  const sql = `SELECT ${timelinessSql(offsetS, '($2::float8[])[$3]')} AS timeliness,
                      ${minutesFromDueSql(offsetS)} AS minutes`;

  beforeAll(async () => {
    client = new Client({ connectionString: process.env.TEST_DATABASE_URL });
    await client.connect();
  });
  afterAll(() => client.end());

  async function expectSame(offsetMs: number, dosesPerDay: number): Promise<void> {
    const { rows } = await client.query<{ timeliness: string; minutes: number }>(sql, [
      offsetMs,
      WINDOW_MINUTES_BY_DOSES_PER_DAY,
      dosesPerDay,
    ]);
    expect({ offsetMs, dosesPerDay, ...rows[0] }).toEqual({
      offsetMs,
      dosesPerDay,
      timeliness: classifyTimeliness({
        dueAt: 0,
        administeredAt: offsetMs,
        frequency: { dosesPerDay },
      }),
      minutes: Math.round(offsetMs / MINUTE_MS) || 0, // an integer column has no -0
    });
  }

  it('at and just past every window edge', async () => {
    for (let perDay = 1; perDay <= MAX_DOSES_PER_DAY; perDay++) {
      const edgeMs = Math.round(WINDOW_MINUTES_BY_DOSES_PER_DAY[perDay - 1]! * MINUTE_MS);
      for (const offset of [edgeMs - 1, edgeMs, edgeMs + 1]) {
        await expectSame(offset, perDay);
        await expectSame(-offset, perDay);
      }
    }
  });

  it('for any offset within three days and any frequency', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: -3 * 24 * 60 * MINUTE_MS, max: 3 * 24 * 60 * MINUTE_MS }),
        fc.integer({ min: 1, max: MAX_DOSES_PER_DAY }),
        expectSame,
      ),
      { numRuns: 300 },
    );
  });

  it('rounds half minutes as JavaScript does', async () => {
    for (const offset of [30_000, -30_000, 90_000, -90_000, 29_999, -30_001]) {
      await expectSame(offset, 3);
    }
  });
});
