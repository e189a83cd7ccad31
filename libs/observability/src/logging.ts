import type { Params } from 'nestjs-pino';
import pino, { Logger, LoggerOptions } from 'pino';
import type { LogLevel } from '@taperwatch/config';

/**
 * Request and job logs carry ids and routes only. Bodies, query strings and auth headers are
 * never logged, so patient identifiers (externalId, birthDate) cannot reach a log line; the
 * redact list is a second net for anything that slips into an error object.
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
 * AsyncLocalStorage scope per request) is not mounted: it cost a fifth of the API's CPU under
 * load. The access log is one line per request from a Fastify hook instead (accessLog below),
 * and the request id reaches workers explicitly in job data.
 */
export function httpLoggerParams(level: LogLevel): Params {
  return { pinoHttp: baseLoggerOptions(level, 'taperwatch-api'), forRoutes: [] };
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
