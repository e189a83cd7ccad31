import Redis from 'ioredis';
import { Pool } from 'pg';
// Relative: libs/testing's index pulls in the Nest stack; this file needs only pg.
import { adminUrlFor, recreateDatabase } from '../../libs/testing/src/databases';

/** One statement (or a parameterless batch) on a short-lived pool of one connection. */
export async function query<R extends object>(url: string, sql: string, params: unknown[] = []) {
  const pool = new Pool({ connectionString: url, max: 1 });
  try {
    return (await pool.query<R>(sql, params)).rows;
  } finally {
    await pool.end();
  }
}

/** Drops and recreates the bench database on the server of `baseUrl`; returns its URL. */
export function recreateBenchDatabase(baseUrl: string, database: string): Promise<string> {
  if (!/^[a-z_][a-z0-9_]*$/.test(database)) throw new Error(`bad database name ${database}`);
  return recreateDatabase(adminUrlFor(baseUrl), database);
}

/** The ceiling's scratch table: a uuid key and one secondary index, like `patients`. */
export async function createScratchTable(url: string): Promise<void> {
  await query(
    url,
    `CREATE TABLE bench_ceiling (
       id uuid PRIMARY KEY,
       external_id text NOT NULL,
       unit_id text NOT NULL,
       created_at timestamptz NOT NULL DEFAULT now());
     CREATE INDEX bench_ceiling_external_id_idx ON bench_ceiling (external_id);`,
  );
}

/** Removes every Redis key under the bench's queue prefix (bounded SCAN loop). */
export async function deleteQueueKeys(redisUrl: string, prefix: string): Promise<number> {
  const redis = new Redis(redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1 });
  await redis.connect();
  let deleted = 0;
  try {
    let cursor = '0';
    for (let i = 0; i < 100_000; i++) {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
      if (keys.length > 0) deleted += await redis.del(...keys);
      cursor = next;
      if (cursor === '0') break;
    }
  } finally {
    redis.disconnect();
  }
  return deleted;
}
