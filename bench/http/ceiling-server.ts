import Fastify from 'fastify';
import { randomUUID } from 'node:crypto';
import { Pool } from 'pg';

/**
 * The ceiling: a bare Fastify route that validates a patient-like body with Fastify's JSON
 * schema and does one `INSERT … RETURNING id` through a pg Pool(10). Run as its own process by
 * the bench (entry point: dist/bench/http/ceiling-server.js).
 */
async function main(): Promise<void> {
  const databaseUrl = process.env.DATABASE_URL;
  const port = Number(process.env.PORT);
  if (!databaseUrl || !Number.isInteger(port)) throw new Error('DATABASE_URL and PORT are needed');
  const pool = new Pool({ connectionString: databaseUrl, max: 10 });
  const app = Fastify({ logger: false });

  app.get('/health', async () => ({ ok: true }));
  app.post<{ Body: { externalId: string; unitId: string } }>(
    '/ceiling',
    {
      schema: {
        body: {
          type: 'object',
          required: ['externalId', 'unitId'],
          additionalProperties: false,
          properties: {
            externalId: { type: 'string', minLength: 1, maxLength: 200 },
            unitId: { type: 'string', minLength: 1, maxLength: 100 },
          },
        },
      },
    },
    async (request, reply) => {
      const { rows } = await pool.query<{ id: string }>(
        'INSERT INTO bench_ceiling (id, external_id, unit_id) VALUES ($1, $2, $3) RETURNING id',
        [randomUUID(), request.body.externalId, request.body.unitId],
      );
      return reply.code(201).send({ id: rows[0]!.id });
    },
  );

  const stop = async () => {
    await app.close();
    await pool.end();
    process.exit(0);
  };
  process.once('SIGTERM', () => void stop());
  process.once('SIGINT', () => void stop());
  await app.listen({ port, host: '127.0.0.1' });
  process.stdout.write('ceiling listening\n');
}

main().catch((error: unknown) => {
  console.error(`ceiling server: ${(error as Error).message}`);
  process.exit(1);
});
