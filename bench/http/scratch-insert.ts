import { randomUUID } from 'node:crypto';
import { Pool } from 'pg';

/**
 * What both reference servers do per request: one `INSERT … RETURNING id` into the bench's
 * scratch table through a pg Pool(10), the API's pool size.
 */
export function scratchInsert(): {
  port: number;
  insert: (body: { externalId: string; unitId: string }) => Promise<{ id: string }>;
  end: () => Promise<void>;
} {
  const databaseUrl = process.env.DATABASE_URL;
  const port = Number(process.env.PORT);
  if (!databaseUrl || !Number.isInteger(port)) throw new Error('DATABASE_URL and PORT are needed');
  const pool = new Pool({ connectionString: databaseUrl, max: 10 });
  return {
    port,
    insert: async (body) => {
      const { rows } = await pool.query<{ id: string }>(
        'INSERT INTO bench_ceiling (id, external_id, unit_id) VALUES ($1, $2, $3) RETURNING id',
        [randomUUID(), body.externalId, body.unitId],
      );
      return { id: rows[0]!.id };
    },
    end: () => pool.end(),
  };
}

/** Stops on SIGTERM/SIGINT, and says so on stderr if the server cannot start. */
export function runServer(
  name: string,
  start: () => Promise<{ close: () => Promise<unknown> }>,
): void {
  start().then(
    (server) => {
      const stop = () => void server.close().finally(() => process.exit(0));
      process.once('SIGTERM', stop);
      process.once('SIGINT', stop);
      process.stdout.write(`${name} listening\n`);
    },
    (error: unknown) => {
      console.error(`${name}: ${(error as Error).message}`);
      process.exit(1);
    },
  );
}
