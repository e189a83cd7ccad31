import { Inject, Injectable, Logger, OnModuleDestroy } from '@nestjs/common';
import {
  JWTPayload,
  createRemoteJWKSet,
  decodeJwt,
  decodeProtectedHeader,
  jwtVerify,
  type JWTVerifyGetKey,
} from 'jose';
import { createHash } from 'node:crypto';
import { Clock } from '@taperwatch/common';
import { APP_CONFIG, AppConfig, CdsHooksClient, parseCdsHooksClients } from '@taperwatch/config';
import { ProblemException } from '@taperwatch/http';
import { RedisClient, closeRedis, createRedisClient } from '@taperwatch/queues';
import { Actors } from './actors';
import { Principal } from './principal';

/** The spec's recommended algorithms first; never `none` or a shared secret (HS*). */
const ALGORITHMS = ['ES384', 'RS384', 'ES256', 'RS256', 'ES512', 'RS512', 'PS384', 'PS256'];

/** jose's codes for a JWK Set it could not read: a 503, not the caller's 401. */
const UNREACHABLE = new Set(['ERR_JWKS_TIMEOUT', 'ERR_JWKS_INVALID', 'ERR_JOSE_GENERIC']);

/** An EHR whose request token verified: its client settings and the principal it acts as. */
export interface CdsCaller {
  client: CdsHooksClient;
  /** `sub` when the token has one (the EHR's client id), else its issuer. */
  clientId: string;
  principal: Principal;
}

/** Why a token was refused, said to the caller (who can fix it) and never its contents. */
class Refused extends Error {}

/**
 * Verifies the JWT an EHR signs for every CDS Hooks call, as the CDS Hooks specification says:
 * `iss` on the allow-list (CDS_HOOKS_CLIENTS), a signature by a key of that issuer's configured
 * JWK Set (a token's `jku` header is never followed), `aud` = the service URL called, a short
 * lifetime, and a `jti` never seen before (Redis remembers a hash of iss and jti until the token
 * could no longer verify).
 */
@Injectable()
export class CdsHooksClients implements OnModuleDestroy {
  private readonly logger = new Logger(CdsHooksClients.name);
  private readonly clients = new Map<string, { client: CdsHooksClient; keys: JWTVerifyGetKey }>();
  private redis?: RedisClient;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly actors: Actors,
    private readonly clock: Clock,
  ) {
    for (const client of parseCdsHooksClients(config.CDS_HOOKS_CLIENTS ?? '[]') ?? []) {
      this.clients.set(client.issuer, {
        client,
        keys: createRemoteJWKSet(new URL(client.jwksUri), { timeoutDuration: 2000 }),
      });
    }
  }

  /** The URL a hook token's `aud` must name for service `serviceId`. */
  serviceUrl(serviceId: string): string {
    return `${this.config.PUBLIC_BASE_URL ?? ''}/cds-services/${serviceId}`;
  }

  /**
   * The caller of service `serviceId`, or a 401 problem naming what to fix. `audiences` are the
   * URLs the call may name in `aud` (the service's, and for feedback also the feedback URL).
   */
  async authenticate(token: string | undefined, audiences: string[]): Promise<CdsCaller> {
    try {
      return await this.verify(token, audiences);
    } catch (error) {
      if (error instanceof Refused) throw ProblemException.of(401, error.message);
      if (error instanceof ProblemException) throw error;
      const code = (error as { code?: unknown }).code;
      if (typeof code === 'string' && code.startsWith('ERR_J') && !UNREACHABLE.has(code)) {
        throw ProblemException.of(401, refusal(code, error as Error));
      }
      // The JWK Set could not be fetched (or the actors table written): not the caller's fault.
      this.logger.warn({ err: { message: (error as Error).message } }, 'cds hooks: cannot verify');
      throw ProblemException.of(
        503,
        "Cannot verify the token just now (the issuer's JWK Set or the database did not answer); retry shortly",
      );
    }
  }

  private async verify(token: string | undefined, audiences: string[]): Promise<CdsCaller> {
    if (!token) throw new Refused('Send Authorization: Bearer <JWT signed by the EHR>');
    let issuer: unknown;
    try {
      issuer = decodeJwt(token).iss;
      if (!decodeProtectedHeader(token).kid) {
        throw new Refused('The token header names no kid; sign with a key of your JWK Set');
      }
    } catch (error) {
      if (error instanceof Refused) throw error;
      throw new Refused('The bearer token is not a JWT; send one signed by the EHR');
    }
    const known = typeof issuer === 'string' ? this.clients.get(issuer) : undefined;
    if (!known) {
      throw new Refused('The token iss is not a registered CDS Hooks client of this service');
    }
    const skew = this.config.CDS_HOOKS_CLOCK_SKEW_SECONDS;
    const maxAge = this.config.CDS_HOOKS_MAX_TOKEN_SECONDS;
    const { payload } = await jwtVerify(token, known.keys, {
      issuer: known.client.issuer,
      audience: audiences,
      algorithms: ALGORITHMS,
      clockTolerance: skew,
      maxTokenAge: maxAge + skew,
      requiredClaims: ['iss', 'aud', 'exp', 'iat', 'jti'],
      currentDate: this.clock.now(),
    });
    const exp = payload.exp!;
    if (exp - payload.iat! > maxAge) {
      throw new Refused(`The token lives longer than ${maxAge} s (exp - iat); sign a shorter one`);
    }
    await this.refuseReplay(known.client.issuer, payload, skew);
    const clientId = typeof payload.sub === 'string' && payload.sub ? payload.sub : issuer;
    const tenantId = known.client.tenantId;
    const actorId = await this.actors.idOf({
      tenantId,
      kind: 'system',
      issuer: known.client.issuer,
      subject: clientId as string,
    });
    // The EHR reaches every unit of its tenant, as an integration (service) key does.
    const principal = new Principal(actorId, tenantId, 'service', [], {
      type: 'system',
      id: clientId as string,
      name: known.client.issuer,
    });
    return { client: known.client, clientId: clientId as string, principal };
  }

  /** SET NX: the first use of a jti wins; the key outlives the token's last valid second. */
  private async refuseReplay(issuer: string, payload: JWTPayload, skew: number): Promise<void> {
    const now = Math.floor(this.clock.now().getTime() / 1000);
    const ttl = Math.max(1, payload.exp! - now + skew);
    const digest = createHash('sha256')
      .update(`${issuer}\u0000${String(payload.jti)}`)
      .digest('hex');
    let stored: string | null;
    try {
      stored = await this.connection().set(
        `${this.config.QUEUE_PREFIX}:cds-jti:${digest}`,
        '1',
        'EX',
        ttl,
        'NX',
      );
    } catch {
      // Fail closed: without the replay check a captured token could be sent again.
      throw ProblemException.of(503, 'Cannot check the token for replay right now; retry shortly');
    }
    if (stored !== 'OK') {
      throw new Refused('This token was used before (jti); sign a new token for every call');
    }
  }

  private connection(): RedisClient {
    if (!this.redis) {
      this.redis = createRedisClient(this.config, { maxRetriesPerRequest: 1 });
      this.redis.on('error', (error: Error) =>
        this.logger.debug({ err: { message: error.message } }, 'jti store connection error'),
      );
    }
    return this.redis;
  }

  async onModuleDestroy(): Promise<void> {
    await closeRedis(this.redis);
  }
}

/** jose's error codes, as a caller can act on them (never the token's contents). */
function refusal(code: string, error: Error): string {
  switch (code) {
    case 'ERR_JWT_EXPIRED':
      return 'The token has expired; sign a new one for every call';
    case 'ERR_JWT_CLAIM_VALIDATION_FAILED': {
      const claim = (error as { claim?: string }).claim ?? 'a claim';
      return claim === 'aud'
        ? 'The token aud is not this service URL; send aud = the URL of the service called'
        : `The token ${claim} claim is missing or not valid (iss, aud, exp, iat and jti are required)`;
    }
    case 'ERR_JWKS_NO_MATCHING_KEY':
    case 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED':
      return "The token signature does not verify with a key of the issuer's configured JWK Set";
    case 'ERR_JOSE_ALG_NOT_ALLOWED':
      return `The token alg is not allowed; use ${ALGORITHMS.join(', ')}`;
    default:
      return 'The token is not valid; send a JWT signed by the EHR as CDS Hooks requires';
  }
}
