import type { FastifyRequest } from 'fastify';
import { ProblemException } from './problem';

const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'];

/**
 * A request no route matched: 405 with Allow when the path exists under other methods, else 404.
 * Asked of Fastify's own router, so it stays true of every route, however it was registered.
 */
export function unmatchedRouteProblem(request: FastifyRequest): ProblemException {
  const path = request.url.split('?')[0] ?? '';
  const allowed = METHODS.filter(
    (method) => request.server.findRoute({ method, url: request.url }) !== null,
  );
  if (allowed.length === 0) {
    return ProblemException.of(404, `No route for ${request.method} ${path}`);
  }
  const allow = allowed.join(', ');
  return new ProblemException(
    ProblemException.of(405, `${path} accepts ${allow}, not ${request.method}`).problem,
    { allow },
  );
}
