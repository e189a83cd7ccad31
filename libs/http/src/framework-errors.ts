import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { PROBLEM_CONTENT_TYPE, errorAnswer } from './operation-outcome';
import { ProblemDetails, defaultProblem } from './problem';

/**
 * Fastify's router refusals, which happen before any route (and so before Nest's filter): a
 * path that is not valid percent-encoding (400) and a path segment longer than the router keeps
 * (414). Answered as problem details with a fixed detail: Fastify's own message echoes the path.
 */
export function frameworkErrorProblem(error: FastifyError): ProblemDetails {
  switch (error.code) {
    case 'FST_ERR_BAD_URL':
      return defaultProblem(400, 'The path is not valid percent-encoded UTF-8');
    case 'FST_ERR_MAX_PARAM_LENGTH':
      return defaultProblem(414, 'A segment of the path is too long');
    default:
      return defaultProblem(500);
  }
}

/** Fastify's `frameworkErrors` option. */
export function sendFrameworkError(
  error: FastifyError,
  request: FastifyRequest,
  reply: FastifyReply,
): void {
  const problem = frameworkErrorProblem(error);
  const { contentType, body } = errorAnswer(request.url, problem);
  void reply.status(problem.status).header('x-request-id', request.id).type(contentType).send(body);
}

/**
 * What node's HTTP parser refuses before Fastify sees a request (so written to the socket by
 * hand): headers or a request line over the size limit (431), a client too slow to send its
 * request (408), anything else that is not HTTP (400).
 */
export function clientErrorProblem(error: NodeJS.ErrnoException): ProblemDetails {
  switch (error.code) {
    case 'HPE_HEADER_OVERFLOW':
      return defaultProblem(
        431,
        'The request line and headers are larger than this server accepts',
      );
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return defaultProblem(408, 'The request was not received in time');
    default:
      return defaultProblem(400, 'The request is not valid HTTP');
  }
}

/** Fastify's `clientErrorHandler` option: as Fastify's default, but problem details. */
export function handleClientError(error: NodeJS.ErrnoException, socket: Socket): void {
  // A reset connection has no one to answer.
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  if (socket.writable) {
    const problem = clientErrorProblem(error);
    const body = JSON.stringify(problem);
    socket.write(
      `HTTP/1.1 ${problem.status} ${STATUS_CODES[problem.status]}\r\n` +
        `Content-Type: ${PROBLEM_CONTENT_TYPE}; charset=utf-8\r\n` +
        `Content-Length: ${Buffer.byteLength(body)}\r\n` +
        'Connection: close\r\n\r\n' +
        body,
    );
  }
  socket.destroy(error);
}
