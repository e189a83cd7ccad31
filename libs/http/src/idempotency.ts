import {
  CanActivate,
  ExecutionContext,
  Inject,
  Injectable,
  SetMetadata,
  UseGuards,
  applyDecorators,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { ApiHeader } from '@nestjs/swagger';
import { createHash } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Clock } from '@taperwatch/common';
import { APP_CONFIG, AppConfig } from '@taperwatch/config';
import { IdempotencyRepository } from './idempotency.repository';
import { ProblemDetails, ProblemException, StoredResponseException, problemType } from './problem';

const MAX_KEY_LENGTH = 255;
/** A first request still unfinished after this long is taken to have died with its process. */
const STALE_AFTER_S = 60;
/** Response headers worth replaying (Location of a 201/202; the problem content type). */
const REPLAYED_HEADERS = ['location', 'content-type'];

/** Rows deleted per statement by the purge, so it never holds many locks at once. */
const PURGE_BATCH = 5000;
const HOLDS_SECRET = 'idempotency:holds-secret';

/** Who sent a key: keys are scoped to the calling API key, never shared across a tenant. */
export interface IdempotencyCaller {
  keyId: string;
  tenantId: string;
}

/** A claimed key, carried on the request from the guard to the onSend hook. */
interface Claim {
  apiKeyId: string;
  key: string;
  /** The route's success answer holds a secret: such an answer is never stored. */
  holdsSecret: boolean;
}

/** A principal-bearing request: the global auth guard runs before any route guard. */
interface IdempotentRequest extends FastifyRequest {
  principal?: IdempotencyCaller;
  idempotencyClaim?: Claim;
}

/**
 * What is kept, and replayed, instead of a success answer that carried a secret (a new API key,
 * a patient link's token): the secret was shown once, so a retry learns what was created and
 * that it must revoke it and ask again (docs/decisions/0020).
 */
export function secretNotReplayed(answer: unknown): ProblemDetails {
  const id = (answer as { id?: unknown } | null)?.id;
  const created = typeof id === 'string' ? id : undefined;
  return {
    type: problemType('secret-not-replayed'),
    title: 'Already done; its secret is not shown again',
    status: 409,
    detail:
      `This request already succeeded${created ? ` and created ${created}` : ''}, but its answer ` +
      'held a secret that is shown only once and never stored. Revoke what it created if the ' +
      'secret was lost, and send a new request with a new Idempotency-Key.',
    ...(created ? { id: created } : {}),
  };
}

/**
 * Idempotency-Key for creating POSTs: the same caller, key and body replays the first response;
 * a different body is 422; a key still in flight is 409. Responses of 5xx are not kept, so a
 * retry after an outage runs again. Keys belong to the calling API key and expire after
 * IDEMPOTENCY_KEY_TTL_HOURS (the worker purges them; an expired key may be used again).
 *
 * A route guard claims the key and a Fastify onSend hook stores what was actually sent (status,
 * body, Location), errors included. Not a Nest interceptor: interceptors put rxjs and two
 * AsyncResource bindings on every request of the route, header or not, which the hot creating
 * POSTs cannot afford (docs/decisions/0008).
 */
@Injectable()
export class IdempotencyStore {
  private readonly ttlMs: number;

  constructor(
    private readonly repository: IdempotencyRepository,
    private readonly clock: Clock,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    this.ttlMs = config.IDEMPOTENCY_KEY_TTL_HOURS * 3_600_000;
  }

  /** Claims the key, or throws the replay, the 422 for another body, or the 409 in flight. */
  async claim(
    caller: IdempotencyCaller,
    key: string,
    method: string,
    path: string,
    body: unknown,
  ): Promise<void> {
    const requestHash = createHash('sha256')
      .update(`${method} ${path}\n${JSON.stringify(body ?? null)}`)
      .digest('hex');
    const now = this.clock.now();
    // Taken over, as if new: an expired row, or an in-flight marker older than STALE_AFTER_S
    // for the same request (its process died).
    const claimed = await this.repository.claim({
      apiKeyId: caller.keyId,
      key,
      tenantId: caller.tenantId,
      method,
      path,
      requestHash,
      expiresAt: new Date(now.getTime() + this.ttlMs),
      now,
      staleAfterSeconds: STALE_AFTER_S,
    });
    if (claimed) return;
    const existing = await this.repository.find(caller.keyId, key);
    if (existing && existing.requestHash !== requestHash) {
      throw ProblemException.unprocessable(
        'This Idempotency-Key was used with a different request',
        [
          {
            field: 'Idempotency-Key',
            message: 'already used with a different request body or path',
          },
        ],
      );
    }
    if (!existing || existing.responseStatus === null) {
      throw new ProblemException(
        ProblemException.conflict('A request with this Idempotency-Key is still in progress')
          .problem,
        { 'retry-after': '1' },
      );
    }
    throw new StoredResponseException(
      existing.responseStatus,
      existing.responseBody,
      existing.responseHeaders ?? {},
    );
  }

  /**
   * Keeps the answer a retry of a claimed request gets; a 5xx frees the key for a retry instead.
   * A success whose answer holds a secret is kept as the secretNotReplayed problem, never as is.
   */
  async complete(claim: Claim, reply: FastifyReply, payload: unknown): Promise<void> {
    if (reply.statusCode >= 500 || typeof payload !== 'string') {
      await this.repository.release(claim.apiKeyId, claim.key);
      return;
    }
    const headers: Record<string, string> = {};
    for (const name of REPLAYED_HEADERS) {
      const value = reply.getHeader(name);
      if (typeof value === 'string') headers[name] = value;
    }
    let status = reply.statusCode;
    let body = JSON.parse(payload || 'null') as unknown;
    if (status < 300 && claim.holdsSecret) {
      body = secretNotReplayed(body);
      status = 409;
      headers['content-type'] = 'application/problem+json; charset=utf-8';
    }
    await this.repository.complete(claim.apiKeyId, claim.key, {
      status,
      body,
      headers,
      completedAt: this.clock.now(),
    });
  }

  /** Deletes expired rows (they may hold patient data); the number deleted. */
  async purgeExpired(): Promise<number> {
    const now = this.clock.now();
    let deleted = 0;
    for (;;) {
      const count = await this.repository.purgeExpired(now, PURGE_BATCH);
      deleted += count;
      if (count < PURGE_BATCH) return deleted;
    }
  }

  /**
   * Stores the response of every claimed request before it leaves: once a client has seen an
   * answer, a retry replays it. A failure to store is passed on as a 500 (the key stays in
   * flight and is taken over after STALE_AFTER_S).
   */
  registerHook(fastify: FastifyInstance): void {
    fastify.addHook('onSend', (request, reply, payload, done) => {
      const claim = (request as IdempotentRequest).idempotencyClaim;
      if (!claim) return done(null, payload);
      this.complete(claim, reply, payload).then(
        () => done(null, payload),
        (error: unknown) => done(error as Error),
      );
    });
  }
}

/** Claims a request's Idempotency-Key before the handler runs; requests without one pass. */
@Injectable()
export class IdempotencyGuard implements CanActivate {
  constructor(
    private readonly store: IdempotencyStore,
    private readonly reflector: Reflector,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<IdempotentRequest>();
    const header = request.headers['idempotency-key'];
    if (header === undefined || !request.principal) return true;
    const key = Array.isArray(header) ? header[0] : header;
    if (!key || key.length > MAX_KEY_LENGTH) {
      throw ProblemException.validation([
        { field: 'Idempotency-Key', message: `must be 1 to ${MAX_KEY_LENGTH} characters` },
      ]);
    }
    const path = request.url.split('?')[0]!;
    await this.store.claim(request.principal, key, request.method, path, request.body);
    const holdsSecret = this.reflector.get<boolean>(HOLDS_SECRET, context.getHandler()) === true;
    request.idempotencyClaim = { apiKeyId: request.principal.keyId, key, holdsSecret };
    return true;
  }
}

export interface IdempotentOptions {
  /** The success answer holds a secret shown once (a key, a token): it is never kept. */
  holdsSecret?: boolean;
}

/** Marks a creating POST as honouring Idempotency-Key, and documents the header. */
export function Idempotent(options: IdempotentOptions = {}): MethodDecorator {
  const holdsSecret = options.holdsSecret === true;
  const replay = holdsSecret
    ? 'the answer holds a secret shown once, so a retry is answered 409 ' +
      '(type urn:taperwatch:problem:secret-not-replayed) naming the id of what was created.'
    : 'a retry with the same key and body replays the first response.';
  return applyDecorators(
    SetMetadata(HOLDS_SECRET, holdsSecret),
    UseGuards(IdempotencyGuard),
    ApiHeader({
      name: 'Idempotency-Key',
      required: false,
      description:
        `Any string up to 255 characters, scoped to the calling API key and kept for ` +
        `IDEMPOTENCY_KEY_TTL_HOURS; ${replay}`,
    }),
  );
}
