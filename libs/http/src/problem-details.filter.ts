import { ArgumentsHost, Catch, ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { isDatabaseUnavailable } from '@taperwatch/persistence';
import {
  defaultProblem,
  ProblemDetails,
  ProblemException,
  StoredResponseException,
} from './problem';
import { errorAnswer } from './operation-outcome';
import { unmatchedRouteProblem } from './unmatched-route';

const RETRY_AFTER_SECONDS = '5';

/**
 * The one place every error becomes RFC 9457 problem details (under /fhir, the same facts as a
 * FHIR OperationOutcome). Unknown errors are logged with
 * the request id and answered with a generic 500: no stack, SQL or path ever leaves. Postgres
 * unreachable, timing out or refusing connections is 503 with Retry-After, not a 500: the caller
 * should try again, and nothing here is a bug.
 */
@Catch()
export class ProblemDetailsFilter implements ExceptionFilter {
  private readonly logger = new Logger('Errors');

  catch(exception: unknown, host: ArgumentsHost): void {
    const reply = host.switchToHttp().getResponse<FastifyReply>();
    const request = host.switchToHttp().getRequest<FastifyRequest>();
    if (exception instanceof StoredResponseException) {
      reply.headers({ ...exception.storedHeaders, 'idempotency-replayed': 'true' });
      reply.status(exception.storedStatus).send(exception.storedBody);
      return;
    }
    const { problem, headers } = this.toProblem(exception, request);
    if (problem.status === 503 || problem.status === 429)
      headers['retry-after'] ??= RETRY_AFTER_SECONDS;
    const { contentType, body } = errorAnswer(request.url, problem);
    reply.status(problem.status).headers(headers).type(contentType).send(body);
  }

  private toProblem(
    thrown: unknown,
    request: FastifyRequest,
  ): { problem: ProblemDetails; headers: Record<string, string> } {
    // Fastify's not-found handler, however Nest words it: 404, or 405 for a known path.
    const exception =
      request.is404 && thrown instanceof HttpException && thrown.getStatus() === 404
        ? unmatchedRouteProblem(request)
        : thrown;
    if (exception instanceof ProblemException) {
      return { problem: exception.problem, headers: { ...exception.headers } };
    }
    if (exception instanceof HttpException) {
      const status = exception.getStatus();
      if (status >= 500 && status !== 503) this.logUnexpected(exception, request);
      return { problem: defaultProblem(status, this.safeDetail(exception, status)), headers: {} };
    }
    if (isDatabaseUnavailable(exception)) {
      this.logUnavailable(exception, request);
      return {
        problem: defaultProblem(503, 'The database is unavailable; try again shortly'),
        headers: {},
      };
    }
    this.logUnexpected(exception, request);
    return {
      problem: defaultProblem(500, `Unexpected error; quote request id ${request.id}`),
      headers: {},
    };
  }

  /** Framework messages (Fastify's JSON parser, body limit, media type) are safe to show; others not. */
  private safeDetail(exception: HttpException, status: number): string {
    if (status >= 500) return defaultProblem(status).detail;
    const response = exception.getResponse();
    const message =
      typeof response === 'string'
        ? response
        : ((response as { message?: unknown }).message ?? exception.message);
    const text = Array.isArray(message) ? message.join('; ') : String(message);
    return status === 400 && /JSON/i.test(text) ? 'The body is not valid JSON' : text;
  }

  private logUnavailable(exception: unknown, request: FastifyRequest): void {
    const e = exception as { message?: string; code?: string };
    this.logger.warn(
      { err: { message: e?.message, code: e?.code }, requestId: request.id },
      'database unavailable',
    );
  }

  private logUnexpected(exception: unknown, request: FastifyRequest): void {
    // The logger's err serializer keeps class, message and SQLSTATE: a driver error's
    // parameters and detail hold row values.
    this.logger.error(
      {
        err: exception,
        requestId: request.id,
        route: request.routeOptions?.url,
      },
      'unhandled error',
    );
  }
}
