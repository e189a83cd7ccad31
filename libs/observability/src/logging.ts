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

const UNLOGGED_PATHS = ['/health/live', '/health/ready', '/metrics'];

export function httpLoggerParams(level: LogLevel): Params {
  return {
    pinoHttp: {
      ...baseLoggerOptions(level, 'taperwatch-api'),
      autoLogging: {
        ignore: (req) => UNLOGGED_PATHS.includes((req.url ?? '').split('?')[0] ?? ''),
      },
      // Reuse Fastify's request id (taken from X-Request-Id when the caller sends one).
      genReqId: (req) => (req as unknown as { id: string }).id,
      customProps: (req) => ({ requestId: (req as unknown as { id: string }).id }),
      serializers: {
        req: (req: { method: string; url: string; id: string }) => ({
          id: req.id,
          method: req.method,
          path: req.url.split('?')[0],
        }),
        res: (res: { statusCode: number }) => ({ statusCode: res.statusCode }),
      },
    },
  };
}
