import { Inject, Injectable } from '@nestjs/common';
import {
  JWTVerifyGetKey,
  createRemoteJWKSet,
  decodeJwt,
  decodeProtectedHeader,
  errors as joseErrors,
  jwtVerify,
} from 'jose';
import { Clock } from '@taperwatch/common';
import {
  APP_CONFIG,
  AppConfig,
  ConfigError,
  OidcIssuer,
  parseOidcAlgorithms,
  parseOidcIssuers,
} from '@taperwatch/config';
import { DEFAULT_TENANT_ID } from '@taperwatch/persistence';
import { Actors } from './actors';
import { Principal } from './principal';
import { grantOf, unknownMappedRoles } from './token-claims';

/** A compact JWS: header.payload.signature, base64url each (an empty signature still counts). */
const JWS_SHAPE = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/;

/**
 * Whether a bearer credential is a signed token rather than an API key: three base64url parts
 * whose first is a JSON header. API keys never contain a dot.
 */
export function looksLikeJws(credential: string): boolean {
  if (!JWS_SHAPE.test(credential)) return false;
  try {
    decodeProtectedHeader(credential);
    return true;
  } catch {
    return false;
  }
}

/** The guard's answer for a token: the caller, or the status and detail to refuse it with. */
export type TokenOutcome =
  { ok: true; principal: Principal } | { ok: false; status: 401 | 403 | 503; detail: string };

/**
 * Verifies bearer JWTs from OIDC_ISSUERS with jose: the signature against the issuer's published
 * keys (cached; fetched again for an unknown `kid`, at most once per OIDC_JWKS_COOLDOWN_MS), `iss`,
 * `aud`, `exp` (required) and `nbf` with OIDC_CLOCK_TOLERANCE_SECONDS, asymmetric algorithms only.
 */
@Injectable()
export class TokenVerifier {
  private readonly issuers: Map<string, OidcIssuer>;
  private readonly algorithms: string[];
  /** Per issuer: its key set, resolved once (discovery fetched lazily), or dropped after a failure. */
  private readonly keySets = new Map<string, Promise<JWTVerifyGetKey>>();

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly clock: Clock,
    private readonly actors: Actors,
  ) {
    const parsed = parseOidcIssuers(config.OIDC_ISSUERS);
    if (!parsed.ok) throw new ConfigError([`OIDC_ISSUERS is invalid: ${parsed.problem}`]);
    for (const issuer of parsed.issuers) {
      const unknown = unknownMappedRoles(issuer);
      if (unknown.length > 0) {
        throw new ConfigError([
          `OIDC_ISSUERS is invalid: ${issuer.issuer} roleMap names unknown roles: ${unknown.join(', ')}`,
        ]);
      }
    }
    this.issuers = new Map(parsed.issuers.map((issuer) => [issuer.issuer, issuer]));
    this.algorithms = parseOidcAlgorithms(config.OIDC_ALGORITHMS) ?? [];
  }

  async verify(token: string): Promise<TokenOutcome> {
    let claimedIssuer: unknown;
    try {
      claimedIssuer = decodeJwt(token).iss;
    } catch {
      return refuse(401, 'The bearer token is not a well-formed JWT');
    }
    const issuer = typeof claimedIssuer === 'string' ? this.issuers.get(claimedIssuer) : undefined;
    if (!issuer) {
      return refuse(
        401,
        'The token was not issued by a trusted issuer; send a token from one, or an API key',
      );
    }

    let keys: JWTVerifyGetKey;
    try {
      keys = await this.keySetOf(issuer);
    } catch {
      return refuse(503, "The token issuer's keys could not be fetched; try again shortly");
    }
    let payload: Record<string, unknown>;
    try {
      ({ payload } = await jwtVerify(token, keys, {
        issuer: issuer.issuer,
        audience: issuer.audience,
        algorithms: this.algorithms,
        clockTolerance: this.config.OIDC_CLOCK_TOLERANCE_SECONDS,
        currentDate: new Date(this.clock.now()),
        requiredClaims: ['exp', 'sub'],
      }));
    } catch (error) {
      if (error instanceof joseErrors.JOSEError && !isFetchFailure(error)) {
        return refuse(401, `The token is not valid: ${reasonOf(error)}; sign in again`);
      }
      return refuse(503, "The token issuer's keys could not be fetched; try again shortly");
    }

    const grant = grantOf(issuer, payload);
    if (!grant.ok) return refuse(403, grant.problem);
    const tenantId = issuer.tenantId ?? DEFAULT_TENANT_ID;
    const subject = payload['sub'] as string;
    const actorId = await this.actors.idOf({
      tenantId,
      kind: grant.kind,
      issuer: issuer.issuer,
      subject,
      ...(grant.name !== undefined ? { name: grant.name } : {}),
    });
    const actor = { type: grant.kind, id: subject, ...(grant.name ? { name: grant.name } : {}) };
    return {
      ok: true,
      principal: new Principal(actorId, tenantId, grant.role, grant.unitIds, actor),
    };
  }

  private keySetOf(issuer: OidcIssuer): Promise<JWTVerifyGetKey> {
    let keys = this.keySets.get(issuer.issuer);
    if (!keys) {
      keys = this.resolveKeySet(issuer);
      this.keySets.set(issuer.issuer, keys);
      // A failed discovery is tried again by the next token, not remembered.
      keys.catch(() => this.keySets.delete(issuer.issuer));
    }
    return keys;
  }

  private async resolveKeySet(issuer: OidcIssuer): Promise<JWTVerifyGetKey> {
    const jwksUri = issuer.jwksUri ?? (await this.discoverJwksUri(issuer.issuer));
    return createRemoteJWKSet(new URL(jwksUri), {
      timeoutDuration: this.config.OIDC_FETCH_TIMEOUT_MS,
      cooldownDuration: this.config.OIDC_JWKS_COOLDOWN_MS,
      cacheMaxAge: this.config.OIDC_JWKS_MAX_AGE_MS,
    });
  }

  /** The issuer's discovery document names where its keys are; it must be the issuer's own. */
  private async discoverJwksUri(issuer: string): Promise<string> {
    const url = `${issuer.replace(/\/$/, '')}/.well-known/openid-configuration`;
    const response = await fetch(url, {
      signal: AbortSignal.timeout(this.config.OIDC_FETCH_TIMEOUT_MS),
      headers: { accept: 'application/json' },
    });
    if (!response.ok) throw new Error(`discovery answered ${response.status}`);
    const document = (await response.json()) as { issuer?: unknown; jwks_uri?: unknown };
    if (document.issuer !== issuer || typeof document.jwks_uri !== 'string') {
      throw new Error('discovery document does not match the issuer');
    }
    return document.jwks_uri;
  }
}

function refuse(status: 401 | 403 | 503, detail: string): TokenOutcome {
  return { ok: false, status, detail };
}

/** jose reports an unreachable or slow key endpoint as these; they are not the token's fault. */
function isFetchFailure(error: InstanceType<typeof joseErrors.JOSEError>): boolean {
  return error instanceof joseErrors.JWKSTimeout || error instanceof joseErrors.JWKSInvalid;
}

/** A short reason a caller can act on, without echoing the token. */
function reasonOf(error: InstanceType<typeof joseErrors.JOSEError>): string {
  if (error instanceof joseErrors.JWTExpired) return 'it has expired';
  if (error instanceof joseErrors.JWTClaimValidationFailed) {
    return `its ${error.claim} claim is not acceptable (${error.reason})`;
  }
  if (error instanceof joseErrors.JOSEAlgNotAllowed)
    return 'its signature algorithm is not allowed';
  if (error instanceof joseErrors.JWKSNoMatchingKey) return 'no key of the issuer matches its kid';
  if (error instanceof joseErrors.JWSSignatureVerificationFailed)
    return 'its signature does not verify';
  return 'it could not be verified';
}
