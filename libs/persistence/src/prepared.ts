import type { PoolClient, QueryResultRow } from 'pg';
import type { EntityManager, QueryResult, QueryRunner } from 'typeorm';

/**
 * Runs a named (prepared) statement on the manager's connection: each connection plans it once.
 * For hot paths whose planning costs more than their execution (joins, sub-selects). A
 * transaction's manager runs it inside that transaction; `dataSource.manager` on a pooled
 * connection of its own. Errors are pg's own (not wrapped in QueryFailedError).
 */
export async function preparedQuery<R extends QueryResultRow>(
  manager: EntityManager,
  name: string,
  text: string,
  values: unknown[],
): Promise<R[]> {
  const result = await onConnection(manager, async (runner) => {
    // PostgresQueryRunner.connect() resolves to the pg client it holds.
    const client = (await runner.connect()) as PoolClient;
    return client.query<R>({ name, text, values });
  });
  return result.rows;
}

/** The rows a statement returned and the rows it touched (UPDATE, DELETE, INSERT's count). */
export interface Counted<R> {
  rows: R[];
  count: number;
}

/**
 * Runs a statement through TypeORM and answers its rows and the count of rows it affected, so
 * no caller casts the `[rows, count]` pair `query()` gives for UPDATE and DELETE alone.
 */
export async function countedQuery<R = unknown>(
  manager: EntityManager,
  text: string,
  values: unknown[],
): Promise<Counted<R>> {
  const result = await onConnection(
    manager,
    (runner) => runner.query(text, values, true) as Promise<QueryResult>,
  );
  return { rows: (result.records ?? []) as R[], count: result.affected ?? 0 };
}

/** The manager's own query runner (a transaction's), else one borrowed from the pool for the call. */
async function onConnection<T>(
  manager: EntityManager,
  work: (runner: QueryRunner) => Promise<T>,
): Promise<T> {
  if (manager.queryRunner) return work(manager.queryRunner);
  const runner = manager.connection.createQueryRunner();
  try {
    return await work(runner);
  } finally {
    await runner.release();
  }
}
