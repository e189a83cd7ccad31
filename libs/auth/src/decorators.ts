import {
  createParamDecorator,
  ExecutionContext,
  SetMetadata,
  applyDecorators,
} from '@nestjs/common';
import { ApiBearerAuth, ApiForbiddenResponse, ApiUnauthorizedResponse } from '@nestjs/swagger';
import type { Permission } from './permissions';
import type { Principal } from './principal';

export const PUBLIC_ROUTE = 'taperwatch:public';
export const REQUIRED_PERMISSION = 'taperwatch:permission';

/** Health, docs and metrics: the only routes without a key. */
export const Public = () => SetMetadata(PUBLIC_ROUTE, true);

/** The permission a route needs; the global guard enforces it (403 otherwise). */
export const Requires = (permission: Permission) =>
  applyDecorators(
    SetMetadata(REQUIRED_PERMISSION, permission),
    ApiBearerAuth(),
    ApiUnauthorizedResponse({ description: 'Missing or invalid API key' }),
    ApiForbiddenResponse({ description: `Role lacks ${permission}` }),
  );

export const CurrentPrincipal = createParamDecorator(
  (_: unknown, context: ExecutionContext): Principal =>
    context.switchToHttp().getRequest<{ principal: Principal }>().principal,
);
