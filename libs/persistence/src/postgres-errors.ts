/** SQLSTATE 23505: lets services turn a unique-key race into a 409 instead of a 500. */
export function isUniqueViolation(error: unknown, constraint?: string): boolean {
  const e = error as { code?: string; driverError?: { code?: string; constraint?: string } };
  const code = e?.driverError?.code ?? e?.code;
  if (code !== '23505') return false;
  return constraint === undefined || e.driverError?.constraint === constraint;
}

/** Socket errors meaning the server cannot be reached (or went away mid-conversation). */
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
]);

/**
 * SQLSTATEs of a server that is there but cannot serve now: connection exceptions (class 08),
 * shutting down or starting (57P01-57P03), out of connections (53300), a statement cancelled by
 * statement_timeout (57014).
 */
const UNAVAILABLE_SQLSTATES = /^(08...|57P0[123]|53300|57014)$/;

/** pg's and pg-pool's own messages for a connection that failed, timed out or died. */
const DRIVER_MESSAGES = [
  /^timeout exceeded when trying to connect$/,
  /^timeout expired$/,
  /^Connection terminated/,
  /^Query read timeout$/,
  /^Client has encountered a connection error and is not queryable$/,
  /^Client was closed and is not queryable$/,
];

/**
 * Whether an error (a driver error or TypeORM's wrapper of one) means Postgres is unreachable
 * or overloaded, so the caller should answer 503 and try again later, rather than a bug.
 */
export function isDatabaseUnavailable(error: unknown): boolean {
  for (let e = error as DriverErrorLike | undefined, depth = 0; e && depth < 4; depth++) {
    if (typeof e.code === 'string') {
      if (NETWORK_CODES.has(e.code) || UNAVAILABLE_SQLSTATES.test(e.code)) return true;
    }
    if (typeof e.message === 'string' && DRIVER_MESSAGES.some((m) => m.test(e!.message!))) {
      return true;
    }
    e = e.driverError ?? e.cause;
  }
  return false;
}

interface DriverErrorLike {
  code?: unknown;
  message?: string;
  driverError?: DriverErrorLike;
  cause?: DriverErrorLike;
}
