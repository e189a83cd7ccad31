import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { randomUUID } from 'node:crypto';
import {
  IdempotencyStore,
  createValidationPipe,
  registerFhirJsonParser,
  handleClientError,
  registerStorableInputHook,
  sendFrameworkError,
} from '@taperwatch/http';
import { PinoLogger } from 'nestjs-pino';
import { accessLog, httpRequestDuration } from '@taperwatch/observability';
import { TrustProxy } from '@taperwatch/config';
import { AuditTrail, registerAuditHooks } from '@taperwatch/audit';
import { AlertStreams } from './alerts/alert-streams';

/** A body over 1 MB is 413 (docs/api.md, Conventions). */
export const BODY_LIMIT_BYTES = 1024 * 1024;
const REQUEST_ID = /^[\w.-]{1,128}$/;

export function createFastifyAdapter(trustProxy: TrustProxy): FastifyAdapter {
  return new FastifyAdapter({
    bodyLimit: BODY_LIMIT_BYTES,
    // `/board/` and `/v1/drugs/` mean what they look like (routerOptions: Fastify 5).
    routerOptions: { ignoreTrailingSlash: true },
    // A caller's X-Request-Id is kept when it is sane, so their logs and ours join up.
    genReqId: (req: { headers: Record<string, string | string[] | undefined> }) => {
      const given = req.headers['x-request-id'];
      return typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
    },
    logger: false,
    trustProxy,
    // Refusals made before any route exists for the request are problem details too.
    frameworkErrors: sendFrameworkError,
    clientErrorHandler: handleClientError,
  });
}

/** Everything the HTTP app needs besides its module: pipes, metrics hooks, OpenAPI. */
export function configureHttpApp(app: NestFastifyApplication): void {
  app.useGlobalPipes(createValidationPipe());
  const fastify = app.getHttpAdapter().getInstance();
  // The API reads JSON only: a text/plain body is 415, not a string handed to a DTO.
  fastify.removeContentTypeParser('text/plain');
  registerFhirJsonParser(fastify);
  registerStorableInputHook(fastify);
  // Open event streams would hold the server open forever; end them as shutdown begins.
  fastify.addHook('preClose', async () => app.get(AlertStreams).endAll());
  fastify.addHook('onSend', (request, reply, payload, done) => {
    reply.header('x-request-id', request.id);
    done(null, payload);
  });
  app.get(IdempotencyStore).registerHook(fastify);
  // Before the routes exist, so each /v1 route is checked for its audit metadata.
  registerAuditHooks(fastify, app.get(AuditTrail));
  fastify.addHook('onResponse', (request, reply, done) => {
    const route = request.routeOptions.url ?? 'unmatched';
    const ms = reply.elapsedTime;
    httpRequestDuration.observe(
      { method: request.method, route, status: String(reply.statusCode) },
      ms / 1000,
    );
    // PinoLogger.root exists once the app has initialised (after this function runs).
    accessLog(PinoLogger.root, {
      requestId: request.id,
      method: request.method,
      route,
      path: request.url.split('?')[0] ?? '',
      status: reply.statusCode,
      ms: Math.round(ms * 10) / 10,
    });
    done();
  });

  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('taperwatch')
      .setDescription(
        'Taper plans for drugs that are dangerous to stop suddenly, dose watching and escalating alerts. ' +
          'Errors are RFC 9457 problem details; under /fhir, FHIR R4 OperationOutcomes.',
      )
      .setVersion('1')
      .addBearerAuth({
        type: 'http',
        scheme: 'bearer',
        description:
          'An API key, or a JWT access token from an issuer in OIDC_ISSUERS (a person or a system signed in there)',
      })
      .addBearerAuth(
        {
          type: 'http',
          scheme: 'bearer',
          description: "A patient link's token (twp_…): /v1/patient-link routes only",
        },
        'patient-link',
      )
      .addBearerAuth(
        {
          type: 'http',
          scheme: 'bearer',
          bearerFormat: 'JWT',
          description:
            'A JWT the EHR signs for each CDS Hooks call (iss registered, aud = the service URL, fresh jti): /cds-services routes only',
        },
        'cds-hooks-jwt',
      )
      .build(),
  );
  SwaggerModule.setup('docs', app, document, {
    jsonDocumentUrl: 'openapi.json',
    yamlDocumentUrl: 'openapi.yaml',
  });
}
