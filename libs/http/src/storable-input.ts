import type { FastifyInstance, FastifyRequest } from 'fastify';
import { FieldError, ProblemException } from './problem';

/**
 * PostgreSQL's text and jsonb refuse NUL outright, and a UTF-16 half without its pair cannot be
 * written as UTF-8 at all (the driver silently swaps it for U+FFFD, so what is stored is not
 * what was sent). Either is refused before it reaches a handler.
 */
// eslint-disable-next-line no-control-regex -- finding NUL is the point
const UNSTORABLE = /\u0000|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** No request of the API nests past a handful of levels; deeper input overflows the transformer. */
export const MAX_INPUT_DEPTH = 32;

/** A body of a million NULs names its first few fields, not a million. */
const MAX_REPORTED = 20;

function textProblem(text: string): string | undefined {
  if (!UNSTORABLE.test(text)) return undefined;
  return text.includes('\u0000')
    ? 'must not contain the NUL character (U+0000)'
    : 'must not contain an unpaired UTF-16 surrogate (U+D800 to U+DFFF)';
}

const join = (parent: string, key: string) => (parent ? `${parent}.${key}` : key);

/**
 * The fields of a parsed input (body, query, path parameters, headers) holding text that cannot
 * be stored, or nested deeper than MAX_INPUT_DEPTH: dotted paths as class-validator names them.
 * Walked breadth-first without recursion, so no input can overflow the stack.
 */
export function unstorableInputErrors(value: unknown, field: string): FieldError[] {
  const errors: FieldError[] = [];
  const queue: { item: unknown; path: string; depth: number }[] = [
    { item: value, path: field, depth: 0 },
  ];
  for (let i = 0; i < queue.length && errors.length < MAX_REPORTED; i++) {
    const { item, path, depth } = queue[i]!;
    if (typeof item === 'string') {
      const message = textProblem(item);
      if (message) errors.push({ field: path || 'body', message });
      continue;
    }
    if (typeof item !== 'object' || item === null) continue;
    if (depth >= MAX_INPUT_DEPTH) {
      errors.push({ field: path || 'body', message: `nests more than ${MAX_INPUT_DEPTH} levels` });
      continue;
    }
    for (const key of Object.keys(item)) {
      const keyMessage = textProblem(key);
      if (keyMessage) {
        // The field is named without the offending characters, which a response cannot show.
        const shown = key.replace(new RegExp(UNSTORABLE.source, 'g'), '\uFFFD');
        errors.push({ field: join(path, shown), message: `has a name that ${keyMessage}` });
        continue;
      }
      queue.push({
        item: (item as Record<string, unknown>)[key],
        path: join(path, key),
        depth: depth + 1,
      });
    }
  }
  return errors.slice(0, MAX_REPORTED);
}

/** `idempotency-key` as API documents spell it: `Idempotency-Key`. */
const headerName = (name: string) =>
  name.replace(/(^|-)([a-z])/g, (_, dash: string, c: string) => dash + c.toUpperCase());

/** Every unstorable field of a request: path parameters, query, headers, then body. */
export function requestInputErrors(request: FastifyRequest): FieldError[] {
  const errors: FieldError[] = [];
  collect(errors, request.params, '');
  collect(errors, request.query, '');
  const { headers } = request;
  for (const name in headers) {
    const value = headers[name];
    // Every request carries a dozen clean headers: test each once, and name only one that fails.
    if (typeof value === 'string' && !UNSTORABLE.test(value)) continue;
    collect(errors, value, headerName(name));
  }
  collect(errors, request.body, '');
  return errors.length > MAX_REPORTED ? errors.slice(0, MAX_REPORTED) : errors;
}

function collect(errors: FieldError[], value: unknown, field: string): void {
  if (value === undefined || value === null) return;
  for (const error of unstorableInputErrors(value, field)) errors.push(error);
}

/**
 * The one check of every request's input, whatever route or DTO reads it: a 400 naming each field
 * that cannot be stored. It runs once the body is parsed, before guards and handlers, like
 * Fastify's own refusal of malformed JSON, so an Idempotency-Key is never claimed for it.
 */
export function registerStorableInputHook(fastify: FastifyInstance): void {
  fastify.addHook('preValidation', (request, _reply, done) => {
    const errors = requestInputErrors(request);
    done(errors.length > 0 ? ProblemException.validation(errors) : undefined);
  });
}
