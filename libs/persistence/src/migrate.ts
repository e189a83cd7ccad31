import { DataSource, MigrationExecutor } from 'typeorm';
import { setReadTimeout } from './timed-client';

/** Arbitrary but fixed: every taperwatch process takes this lock before migrating. */
const MIGRATION_LOCK_KEY = 74_657_201;

/**
 * Applies pending migrations under an advisory lock, so several API and worker processes
 * starting together migrate once and the others wait, then find nothing to do. They run on the
 * lock's own connection with no statement or read timeout: an index build may take minutes.
 */
export async function runMigrationsLocked(dataSource: DataSource): Promise<number> {
  const runner = dataSource.createQueryRunner();
  const client: unknown = await runner.connect();
  try {
    setReadTimeout(client, 0);
    await runner.query('SET statement_timeout = 0');
    await runner.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
    const executor = new MigrationExecutor(dataSource, runner);
    executor.transaction = 'each';
    const applied = await executor.executePendingMigrations();
    return applied.length;
  } finally {
    await runner
      .query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY])
      .catch(() => undefined);
    // The connection leaves the pool rather than go back without its timeouts.
    await (
      runner as unknown as { releasePostgresConnection(err?: Error): Promise<void> }
    ).releasePostgresConnection(new Error('migration connection retired'));
  }
}

/** Refuses to start on a schema that is behind the code (MIGRATIONS_RUN=false deployments). */
export async function assertSchemaCurrent(dataSource: DataSource): Promise<void> {
  if (await dataSource.showMigrations()) {
    throw new Error('the database schema is behind this version: run `npm run migration:run`');
  }
}
