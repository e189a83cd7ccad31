import type { FastifyInstance } from 'fastify';
import { FHIR_CONTENT_TYPE, isFhirPath } from './operation-outcome';
import { ProblemException } from './problem';

/**
 * application/fhir+json is JSON, parsed by Fastify's own JSON parser (the same prototype-poisoning
 * refusals as application/json), and only on the FHIR endpoints: /v1 stays application/json.
 */
export function registerFhirJsonParser(fastify: FastifyInstance): void {
  const json = fastify.getDefaultJsonParser('error', 'error');
  // parseAs 'string' hands the parser a string, as Fastify's JSON parser expects.
  fastify.addContentTypeParser(FHIR_CONTENT_TYPE, { parseAs: 'string' }, (request, body, done) => {
    if (!isFhirPath(request.url)) {
      done(ProblemException.of(415, `Send application/json; ${FHIR_CONTENT_TYPE} is for /fhir`));
      return;
    }
    json(request, body as string, done);
  });
}
