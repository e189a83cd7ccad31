import Fastify from 'fastify';
import { runServer, scratchInsert } from './scratch-insert';

/**
 * The ceiling: a bare Fastify route that validates a patient-like body with Fastify's JSON
 * schema and does one INSERT (scratchInsert). Run as its own process by the bench (entry point:
 * dist/bench/http/ceiling-server.js).
 */
runServer('ceiling', async () => {
  const db = scratchInsert();
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
    async (request, reply) => reply.code(201).send(await db.insert(request.body)),
  );
  await app.listen({ port: db.port, host: '127.0.0.1' });
  return { close: () => app.close().then(db.end) };
});
