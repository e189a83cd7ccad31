import {
  CanActivate,
  ExecutionContext,
  Injectable,
  UseGuards,
  applyDecorators,
} from '@nestjs/common';
import { ApiHeader } from '@nestjs/swagger';
import { createHash } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { DataSource } from 'typeorm';
import { IdempotencyKeyEntity } from '@taperwatch/persistence';
import { ProblemException, StoredResponseException } from './problem';

const MAX_KEY_LENGTH = 255;
/** A first request still unfinished after this long is taken to have died with its process. */
const STALE_AFTER_S = 60;
/** Response headers worth replaying (Location of a 201/202; the problem content type). */
const REPLAYED_HEADERS = ['location', 'content-type'];

/** A claimed key, carried on the request from the guard to the onSend hook. */
interface Claim {
  tenantId: string;
  key: string;
}

/** A principal-bearing request: the global auth guard runs before any route guard. */
interface IdempotentRequest extends FastifyRequest {
  principal?: { tenantId: string };
  idempotencyClaim?: Claim;
}

/**
 * Idempotency-Key for creating POSTs (API.md): the same key and body replays the first response;
 * a different body is 422; a key still in flight is 409. Responses of 5xx are not kept, so a
 * retry after an outage runs again.
 *
 * A route guard claims the key and a Fastify onSend hook stores what was actually sent (status,
 * body, Location), errors included. Not a Nest interceptor: interceptors put rxjs and two
 * AsyncResource bindings on every request of the route, header or not, and cost the hot
 * creating POSTs about a quarter of their throughput (docs/decisions/0008).
 */
@Injectable()
export class IdempotencyStore {
  constructor(private readonly dataSource: DataSource) {}

  /** Claims the key, or throws the replay, the 422 for another body, or the 409 in flight. */
  async claim(tenantId: string, key: string, method: string, path: string, body: unknown) {
    const requestHash = createHash('sha256')
      .update(`${method} ${path}\n${JSON.stringify(body ?? null)}`)
      .digest('hex');
    // An in-flight marker older than STALE_AFTER_S (its process died) is taken over.
    const claimed: unknown[] = await this.dataSource.query(
      `INSERT INTO idempotency_keys (tenant_id, key, method, path, request_hash)
       VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (tenant_id, key) DO UPDATE SET created_at = now()
         WHERE idempotency_keys.response_status IS NULL
           AND idempotency_keys.request_hash = EXCLUDED.request_hash
           AND idempotency_keys.created_at < now() - make_interval(secs => $6)
       RETURNING key`,
      [tenantId, key, method, path, requestHash, STALE_AFTER_S],
    );
    if (claimed.length > 0) return;
    const existing = await this.repo.findOneBy({ tenantId, key });
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

  /** Keeps the response a claimed request sent; a 5xx frees the key for a retry instead. */
  async complete(claim: Claim, reply: FastifyReply, payload: unknown): Promise<void> {
    const where = { tenantId: claim.tenantId, key: claim.key };
    if (reply.statusCode >= 500 || typeof payload !== 'string') {
      await this.repo.delete(where);
      return;
    }
    const headers: Record<string, string> = {};
    for (const name of REPLAYED_HEADERS) {
      const value = reply.getHeader(name);
      if (typeof value === 'string') headers[name] = value;
    }
    await this.repo.update(where, {
      responseStatus: reply.statusCode,
      responseBody: JSON.parse(payload || 'null') as object,
      responseHeaders: headers,
      completedAt: new Date(),
    });
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

  private get repo() {
    return this.dataSource.getRepository(IdempotencyKeyEntity);
  }
}

/** Claims a request's Idempotency-Key before the handler runs; requests without one pass. */
@Injectable()
export class IdempotencyGuard implements CanActivate {
  constructor(private readonly store: IdempotencyStore) {}

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
    await this.store.claim(request.principal.tenantId, key, request.method, path, request.body);
    request.idempotencyClaim = { tenantId: request.principal.tenantId, key };
    return true;
  }
}

/** Marks a creating POST as honouring Idempotency-Key, and documents the header. */
export function Idempotent(): MethodDecorator {
  return applyDecorators(
    UseGuards(IdempotencyGuard),
    ApiHeader({
      name: 'Idempotency-Key',
      required: false,
      description:
        'Any string up to 255 characters; a retry with the same key and body replays the first response.',
    }),
  );
}
