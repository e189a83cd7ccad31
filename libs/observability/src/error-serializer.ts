/** What an error log line carries: never a driver's parameters, query text or row detail. */
export interface SerializedError {
  type: string;
  message: string;
  code?: string;
  stack?: string;
  cause?: SerializedError;
}

const MAX_CAUSES = 3;
/** SQLSTATE: five digits or capitals (e.g. 23505); only database errors carry one. */
const SQLSTATE = /^[0-9A-Z]{5}$/;

/**
 * Postgres puts the offending value at the end of some messages (`invalid input syntax for type
 * uuid: "MRN-1"`, `invalid input value for enum role: "x"`); identifiers it quotes earlier in the
 * message (relation, constraint, column) are kept.
 */
function withoutValue(message: string, code: string | undefined): string {
  if (!code || !SQLSTATE.test(code)) return message;
  return message.replace(/: ".*"$/s, ': [value]');
}

/** Stack frames only: the first line repeats the message, which is already given sanitized. */
function framesOf(stack: unknown): string | undefined {
  if (typeof stack !== 'string') return undefined;
  const frames = stack.split('\n').filter((line) => /^\s+at /.test(line));
  return frames.length > 0 ? frames.join('\n') : undefined;
}

function codeOf(error: { code?: unknown; driverError?: { code?: unknown } }): string | undefined {
  const code = error.code ?? error.driverError?.code;
  return typeof code === 'string' || typeof code === 'number' ? String(code) : undefined;
}

function serialize(value: unknown, depth: number): SerializedError {
  if (typeof value !== 'object' || value === null) {
    return { type: typeof value, message: String(value) };
  }
  const error = value as {
    name?: unknown;
    type?: unknown;
    message?: unknown;
    code?: unknown;
    stack?: unknown;
    cause?: unknown;
    driverError?: { code?: unknown };
  };
  const code = codeOf(error);
  const type =
    value instanceof Error
      ? value.constructor.name || value.name
      : typeof error.name === 'string'
        ? error.name
        : typeof error.type === 'string'
          ? error.type
          : 'Object';
  const message = typeof error.message === 'string' ? withoutValue(error.message, code) : '';
  const out: SerializedError = { type, message };
  if (code !== undefined) out.code = code;
  const stack = framesOf(error.stack);
  if (stack) out.stack = stack;
  if (error.cause !== undefined && depth < MAX_CAUSES)
    out.cause = serialize(error.cause, depth + 1);
  return out;
}

/**
 * pino's `serializers.err` for the API and the worker. pino's standard serializer copies every
 * enumerable property, and a TypeORM QueryFailedError has `parameters` (the patient's values),
 * `query`, and a `driverError` with `detail` (`Key (external_id)=(MRN-1) already exists`); this
 * one keeps the class, the message and the code.
 */
export function serializeError(value: unknown): SerializedError {
  return serialize(value, 0);
}
