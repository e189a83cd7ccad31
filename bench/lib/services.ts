import Redis from 'ioredis';
import { Pool } from 'pg';
import { DataSource } from 'typeorm';
import { dataSourceOptions, runMigrationsLocked } from '@taperwatch/persistence';
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

/** Runs `work` on a short-lived Redis connection. */
export async function withRedis<T>(redisUrl: string, work: (redis: Redis) => Promise<T>) {
  const redis = new Redis(redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1 });
  await redis.connect();
  try {
    return await work(redis);
  } finally {
    redis.disconnect();
  }
}

/** Removes every Redis key under the bench's queue prefix (bounded SCAN loop). */
export function deleteQueueKeys(redisUrl: string, prefix: string): Promise<number> {
  return withRedis(redisUrl, async (redis) => {
    let deleted = 0;
    let cursor = '0';
    for (let i = 0; i < 100_000; i++) {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
      if (keys.length > 0) deleted += await redis.del(...keys);
      cursor = next;
      if (cursor === '0') break;
    }
    return deleted;
  });
}

/** `INFO memory` used_memory in bytes (the whole server: other users' keys count too). */
export function redisUsedMemory(redisUrl: string): Promise<number> {
  return withRedis(redisUrl, async (redis) => {
    const info = await redis.info('memory');
    const match = /^used_memory:(\d+)/m.exec(info);
    if (!match) throw new Error('INFO memory has no used_memory');
    return Number(match[1]);
  });
}

/** `MEMORY USAGE` of each key (0 for a missing one). */
export function redisKeyBytes(redisUrl: string, keys: readonly string[]): Promise<number[]> {
  return withRedis(redisUrl, (redis) =>
    Promise.all(keys.map(async (key) => Number((await redis.call('MEMORY', 'USAGE', key)) ?? 0))),
  );
}

/**
 * A database of the item's own on the bench's server (`<bench database>_<suffix>`), migrated;
 * `work` runs against its URL and the database is dropped afterwards, whatever happened.
 */
export async function withMigratedDatabase<T>(
  baseUrl: string,
  name: string,
  work: (url: string) => Promise<T>,
): Promise<T> {
  const adminUrl = adminUrlFor(baseUrl);
  const url = await recreateBenchDatabase(baseUrl, name);
  try {
    const migrator = new DataSource(dataSourceOptions({ url, poolSize: 2 }));
    await migrator.initialize();
    try {
      await runMigrationsLocked(migrator);
    } finally {
      await migrator.destroy();
    }
    return await work(url);
  } finally {
    await query(adminUrl, `DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  }
}
