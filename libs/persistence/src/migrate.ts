import { DataSource } from 'typeorm';

/** Arbitrary but fixed: every taperwatch process takes this lock before migrating. */
const MIGRATION_LOCK_KEY = 74_657_201;

/**
 * Applies pending migrations under an advisory lock, so several API and worker processes
 * starting together migrate once and the others wait, then find nothing to do.
 */
export async function runMigrationsLocked(dataSource: DataSource): Promise<number> {
  const runner = dataSource.createQueryRunner();
  await runner.connect();
  try {
    await runner.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
    const applied = await dataSource.runMigrations({ transaction: 'each' });
    return applied.length;
  } finally {
    await runner
      .query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY])
      .catch(() => undefined);
    await runner.release();
  }
}

/** Refuses to start on a schema that is behind the code (MIGRATIONS_RUN=false deployments). */
export async function assertSchemaCurrent(dataSource: DataSource): Promise<void> {
  if (await dataSource.showMigrations()) {
    throw new Error('the database schema is behind this version: run `npm run migration:run`');
  }
}
