import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyRequest } from 'fastify';
import { ProblemException } from '@taperwatch/http';
import { ApiKeysService } from './api-keys.service';
import { PUBLIC_ROUTE, REQUIRED_PERMISSION } from './decorators';
import { Permission, roleAllows } from './permissions';
import { Principal } from './principal';
import { RateLimits } from './rate-limits';

const BEARER = /^Bearer\s+(\S+)$/i;

/** What a route's decorators ask of its caller. */
interface RouteRule {
  isPublic: boolean;
  permission: Permission | undefined;
}

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
  ) {}

  /** Decorators never change at run time: read once per handler, not per request. */
  private readonly rules = new WeakMap<object, RouteRule>();

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const rule = this.ruleOf(context);
    if (rule.isPublic) return true;

    const request = context.switchToHttp().getRequest<FastifyRequest & { principal?: Principal }>();
    const match = BEARER.exec(request.headers.authorization ?? '');
    if (!match) throw await this.unauthenticated(request, 'Send Authorization: Bearer <api key>');
    const principal = await this.keys.authenticate(match[1]!);
    if (!principal) throw await this.unauthenticated(request, 'The API key is not valid');
    await this.limits.chargeKey(principal.keyId);
    request.principal = principal;

    const { permission } = rule;
    if (!permission || !roleAllows(principal.role, permission)) {
      throw ProblemException.of(403, `The ${principal.role} role may not do this`);
    }
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
