import type { Params } from 'nestjs-pino';
import pino, { DestinationStream, Logger, LoggerOptions } from 'pino';
import type { LogLevel } from '@taperwatch/config';
import { serializeError } from './error-serializer';

/**
 * Request and job logs carry ids and routes only. Bodies, query strings and auth headers are
 * never logged, so patient identifiers (externalId, birthDate) cannot reach a log line; errors
 * are logged as class, message and code only (serializeError); the redact list is a second net.
 */
export const REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  // A patient link's token (the calendar feed may carry it as ?token=): never logged.
  'req.query.token',
  '*.token',
  '*.externalId',
  '*.birthDate',
  '*.*.externalId',
  '*.*.birthDate',
];

export function baseLoggerOptions(level: LogLevel, name: string): LoggerOptions {
  return {
    name,
    level,
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    // Every `err` (and every Error logged alone) goes through the one serializer.
    serializers: { err: serializeError },
    // pino makes an error's raw message the line's msg when none is given; give the clean one.
    hooks: {
      logMethod(args, method) {
        const [first, ...rest] = args as unknown[];
        if (rest.length === 0 && typeof first === 'object' && first !== null) {
          const err = first instanceof Error ? first : (first as { err?: unknown }).err;
          if (err !== undefined) return method.call(this, first, serializeError(err).message);
        }
        return method.apply(this, args);
      },
    },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
  };
}

export function createLogger(level: LogLevel, name: string): Logger {
  return pino(baseLoggerOptions(level, name));
}

/** Probes and scrapes are not worth a log line each. */
export const UNLOGGED_PATHS = new Set(['/health/live', '/health/ready', '/metrics']);

/**
 * nestjs-pino bridges Nest's Logger to pino. Its per-request middleware (a child logger and an
 * AsyncLocalStorage scope per request) is not mounted: under load it was a large share of the
 * API's CPU (bench/RESULTS.md). The access log is one line per request from a Fastify hook
 * instead (accessLog below), and the request id reaches workers explicitly in job data.
 */
export function httpLoggerParams(level: LogLevel, destination?: DestinationStream): Params {
  return { ...loggerParams(level, 'taperwatch-api', destination), forRoutes: [] };
}

/** nestjs-pino's settings for a process named `name`, to stdout or the given destination. */
export function loggerParams(
  level: LogLevel,
  name: string,
  destination?: DestinationStream,
): Params {
  const options = baseLoggerOptions(level, name);
  return { pinoHttp: destination ? [options, destination] : options };
}

export interface AccessLogEntry {
  requestId: string;
  method: string;
  route: string;
  path: string;
  status: number;
  ms: number;
}

/** One line per request: ids, route and status only (never bodies or query strings). */
export function accessLog(logger: Logger, entry: AccessLogEntry): void {
  if (UNLOGGED_PATHS.has(entry.path)) return;
  if (entry.status >= 500) logger.error(entry, 'request failed');
  else logger.info(entry, 'request completed');
}
