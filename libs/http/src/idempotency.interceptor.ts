import {
  CallHandler,
  ExecutionContext,
  HttpException,
  Injectable,
  NestInterceptor,
  SetMetadata,
  UseInterceptors,
  applyDecorators,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { HTTP_CODE_METADATA } from '@nestjs/common/constants';
import { ApiHeader } from '@nestjs/swagger';
import { createHash } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Observable, from, lastValueFrom } from 'rxjs';
import { DataSource } from 'typeorm';
import { IdempotencyKeyEntity } from '@taperwatch/persistence';
import { ProblemException, StoredResponseException } from './problem';

const MAX_KEY_LENGTH = 255;
/** A first request still unfinished after this long is taken to have died with its process. */
const STALE_AFTER_S = 60;
/** Response headers worth replaying (Location of a 201/202). */
const REPLAYED_HEADERS = ['location'];

/** A principal-bearing request: the auth guard has run before any interceptor. */
interface TenantRequest extends FastifyRequest {
  principal?: { tenantId: string };
}

/**
 * Idempotency-Key for creating POSTs (API.md): the same key and body replays the first response;
 * a different body is 422; a key still in flight is 409. Responses of 5xx are not kept, so a
 * retry after an outage runs again.
 */
@Injectable()
export class IdempotencyInterceptor implements NestInterceptor {
  constructor(
    private readonly dataSource: DataSource,
    private readonly reflector: Reflector,
  ) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const request = context.switchToHttp().getRequest<TenantRequest>();
    const header = request.headers['idempotency-key'];
    if (header === undefined || !request.principal) return next.handle();
    const key = Array.isArray(header) ? header[0] : header;
    if (!key || key.length > MAX_KEY_LENGTH) {
      throw ProblemException.validation([
        { field: 'Idempotency-Key', message: `must be 1 to ${MAX_KEY_LENGTH} characters` },
      ]);
    }
    return from(this.handle(context, next, request, key));
  }

  private async handle(
    context: ExecutionContext,
    next: CallHandler,
    request: TenantRequest,
    key: string,
  ): Promise<unknown> {
    const tenantId = request.principal!.tenantId;
    const path = request.url.split('?')[0];
    const requestHash = createHash('sha256')
      .update(`${request.method} ${path}\n${JSON.stringify(request.body ?? null)}`)
      .digest('hex');
    const repo = this.dataSource.getRepository(IdempotencyKeyEntity);
    // Claim the key; an in-flight marker older than STALE_AFTER_S (its process died) is taken over.
    const claimed: unknown[] = await this.dataSource.query(
      `INSERT INTO idempotency_keys (tenant_id, key, method, path, request_hash)
       VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (tenant_id, key) DO UPDATE SET created_at = now()
         WHERE idempotency_keys.response_status IS NULL
           AND idempotency_keys.request_hash = EXCLUDED.request_hash
           AND idempotency_keys.created_at < now() - make_interval(secs => $6)
       RETURNING key`,
      [tenantId, key, request.method, path, requestHash, STALE_AFTER_S],
    );
    if (claimed.length === 0) {
      const existing = await repo.findOneBy({ tenantId, key });
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
          {
            ...ProblemException.conflict('A request with this Idempotency-Key is still in progress')
              .problem,
          },
          { 'retry-after': '1' },
        );
      }
      throw new StoredResponseException(
        existing.responseStatus,
        existing.responseBody,
        existing.responseHeaders ?? {},
      );
    }

    const reply = context.switchToHttp().getResponse<FastifyReply>();
    try {
      const body = await lastValueFrom(next.handle(), { defaultValue: undefined });
      const status = this.reflector.get<number>(HTTP_CODE_METADATA, context.getHandler()) ?? 201;
      await repo.update(
        { tenantId, key },
        {
          responseStatus: status,
          responseBody: (body ?? null) as object,
          responseHeaders: this.headersToReplay(reply),
          completedAt: new Date(),
        },
      );
      return body;
    } catch (error) {
      await this.storeFailure(repo, tenantId, key, error);
      throw error;
    }
  }

  private async storeFailure(
    repo: ReturnType<DataSource['getRepository']>,
    tenantId: string,
    key: string,
    error: unknown,
  ): Promise<void> {
    const status = error instanceof HttpException ? error.getStatus() : 500;
    if (status >= 500) {
      await repo.delete({ tenantId, key });
      return;
    }
    const body = error instanceof ProblemException ? error.problem : null;
    if (!body) {
      // Framework 4xx without our problem body: let the next try run again rather than guess.
      await repo.delete({ tenantId, key });
      return;
    }
    await repo.update(
      { tenantId, key },
      {
        responseStatus: status,
        responseBody: body as object,
        responseHeaders: { 'content-type': 'application/problem+json' },
        completedAt: new Date(),
      },
    );
  }

  private headersToReplay(reply: FastifyReply): Record<string, string> {
    const out: Record<string, string> = {};
    for (const name of REPLAYED_HEADERS) {
      const value = reply.getHeader(name);
      if (typeof value === 'string') out[name] = value;
    }
    return out;
  }
}

export const IDEMPOTENT = 'taperwatch:idempotent';

/** Marks a creating POST as honouring Idempotency-Key, and documents the header. */
export function Idempotent(): MethodDecorator {
  return applyDecorators(
    SetMetadata(IDEMPOTENT, true),
    UseInterceptors(IdempotencyInterceptor),
    ApiHeader({
      name: 'Idempotency-Key',
      required: false,
      description:
        'Any string up to 255 characters; a retry with the same key and body replays the first response.',
    }),
  );
}
