import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyRequest } from 'fastify';
import { ProblemException } from '@taperwatch/http';
import { ApiKeysService } from './api-keys.service';
import { CdsCaller, CdsHooksClients } from './cds-hooks-clients';
import {
  CDS_HOOKS_ROUTE,
  PATIENT_LINK_ROUTE,
  PUBLIC_ROUTE,
  PatientLinkRouteOptions,
  REQUIRED_PERMISSION,
} from './decorators';
import { PatientLinkPrincipal, PatientLinks, isPatientLinkToken } from './patient-links';
import { Permission, roleAllows } from './permissions';
import { Principal } from './principal';
import { RateLimits } from './rate-limits';
import { TokenVerifier, looksLikeJws } from './token-verifier';

const BEARER = /^Bearer\s+(\S+)$/i;

/** What a route's decorators ask of its caller. */
interface RouteRule {
  isPublic: boolean;
  permission: Permission | undefined;
  patientLink: PatientLinkRouteOptions | undefined;
  cdsHooks: boolean;
}

type GuardedRequest = FastifyRequest & {
  principal?: Principal;
  patientLink?: PatientLinkPrincipal;
  cdsCaller?: CdsCaller;
};

/**
 * The one global guard: every route needs a valid key unless marked @Public, and the key's role
 * must hold the route's @Requires permission. A route with neither is refused, so a forgotten
 * decorator fails closed. Rate limits (429) are charged here too, once the caller is known.
 */
@Injectable()
export class ApiKeyGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly keys: ApiKeysService,
    private readonly limits: RateLimits,
    private readonly links: PatientLinks,
    private readonly tokens: TokenVerifier,
    private readonly cdsClients: CdsHooksClients,
  ) {}

  /** Decorators never change at run time: read once per handler, not per request. */
  private readonly rules = new WeakMap<object, RouteRule>();

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const rule = this.ruleOf(context);
    if (rule.isPublic) return true;

    const request = context.switchToHttp().getRequest<GuardedRequest>();
    if (rule.patientLink) return this.admitPatientLink(request, rule.patientLink);
    if (rule.cdsHooks) return this.admitCdsClient(request);
    const match = BEARER.exec(request.headers.authorization ?? '');
    if (!match) {
      throw await this.unauthenticated(request, 'Send Authorization: Bearer <api key or token>');
    }
    // A patient link is a credential, just not for staff routes: authenticated but not allowed.
    if (isPatientLinkToken(match[1]!) && (await this.links.authenticate(match[1]!))) {
      throw ProblemException.of(
        403,
        "A patient link may only read and report its own patient's doses, on /v1/patient-link",
      );
    }
    const principal = await this.authenticate(request, match[1]!);
    // Fails closed: a nurse key that names no unit (made before units were required) sees nothing.
    if (principal.reachesNoUnit) {
      throw ProblemException.of(
        403,
        principal.actor.type === 'api_key'
          ? 'This API key names no units; ask an admin for a new one'
          : "The token's units claim names no units; ask your identity provider's administrator to add them",
      );
    }
    await this.limits.chargeKey(principal.keyId);
    request.principal = principal;

    const { permission } = rule;
    if (!permission || !roleAllows(principal.role, permission)) {
      throw ProblemException.of(403, `The ${principal.role} role may not do this`);
    }
    return true;
  }

  /** A signed token (by its shape) goes to the token verifier; anything else is an API key. */
  private async authenticate(request: GuardedRequest, credential: string): Promise<Principal> {
    if (looksLikeJws(credential)) {
      const outcome = await this.tokens.verify(credential);
      if (outcome.ok) return outcome.principal;
      if (outcome.status === 401) throw await this.unauthenticated(request, outcome.detail);
      throw new ProblemException(
        ProblemException.of(outcome.status, outcome.detail).problem,
        outcome.status === 503 ? { 'retry-after': '5' } : {},
      );
    }
    const principal = await this.keys.authenticate(credential);
    if (!principal) {
      throw await this.unauthenticated(
        request,
        'The API key is not valid: it may be unknown, revoked or expired',
      );
    }
    return principal;
  }

  /** A patient-link route: a live link token only; an API key is not one (401). */
  private async admitPatientLink(
    request: GuardedRequest,
    options: PatientLinkRouteOptions,
  ): Promise<true> {
    const header = BEARER.exec(request.headers.authorization ?? '')?.[1];
    const query = options.tokenInQuery
      ? (request.query as Record<string, unknown> | undefined)?.['token']
      : undefined;
    const presented = header ?? (typeof query === 'string' ? query : undefined);
    if (!presented) {
      throw await this.unauthenticated(request, 'Send Authorization: Bearer <patient link token>');
    }
    const link = await this.links.authenticate(presented);
    if (!link) {
      throw await this.unauthenticated(
        request,
        'The patient link is not valid: it may have expired or been revoked; ask the clinic for a new one',
      );
    }
    await this.limits.chargeKey(link.linkId);
    request.patientLink = link;
    return true;
  }

  /**
   * A CDS Hooks call: the EHR's signed JWT only. Its `aud` is the service URL (and for feedback
   * also the feedback URL); the EHR then acts as its system principal, for audit and limits.
   */
  private async admitCdsClient(request: GuardedRequest): Promise<true> {
    const token = BEARER.exec(request.headers.authorization ?? '')?.[1];
    const serviceId = (request.params as Record<string, unknown> | undefined)?.['id'];
    const serviceUrl = this.cdsClients.serviceUrl(typeof serviceId === 'string' ? serviceId : '');
    const called = request.routeOptions.url?.endsWith('/feedback')
      ? [serviceUrl, `${serviceUrl}/feedback`]
      : [serviceUrl];
    let caller: CdsCaller;
    try {
      caller = await this.cdsClients.authenticate(token, called);
    } catch (error) {
      if (error instanceof ProblemException && error.getStatus() === 401) {
        throw await this.unauthenticated(request, error.problem.detail ?? 'Not authenticated');
      }
      throw error;
    }
    await this.limits.chargeKey(caller.principal.keyId);
    request.principal = caller.principal;
    request.cdsCaller = caller;
    return true;
  }

  private ruleOf(context: ExecutionContext): RouteRule {
    const handler = context.getHandler();
    let rule = this.rules.get(handler);
    if (!rule) {
      const targets = [handler, context.getClass()];
      rule = {
        isPublic: this.reflector.getAllAndOverride<boolean>(PUBLIC_ROUTE, targets) === true,
        permission: this.reflector.getAllAndOverride<Permission>(REQUIRED_PERMISSION, targets),
        patientLink: this.reflector.getAllAndOverride<PatientLinkRouteOptions>(
          PATIENT_LINK_ROUTE,
          targets,
        ),
        cdsHooks: this.reflector.getAllAndOverride<boolean>(CDS_HOOKS_ROUTE, targets) === true,
      };
      this.rules.set(handler, rule);
    }
    return rule;
  }

  private unauthenticated(request: FastifyRequest, detail: string): Promise<ProblemException> {
    const problem = new ProblemException(ProblemException.of(401, detail).problem, {
      'www-authenticate': 'Bearer',
    });
    return this.limits.failure(request.ip, problem);
  }
}
