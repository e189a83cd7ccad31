import {
  createParamDecorator,
  ExecutionContext,
  SetMetadata,
  applyDecorators,
} from '@nestjs/common';
import { ApiBearerAuth, ApiForbiddenResponse, ApiUnauthorizedResponse } from '@nestjs/swagger';
import type { CdsCaller } from './cds-hooks-clients';
import type { Permission } from './permissions';
import type { PatientLinkPrincipal } from './patient-links';
import type { Principal } from './principal';

export const PUBLIC_ROUTE = 'taperwatch:public';
export const REQUIRED_PERMISSION = 'taperwatch:permission';
export const PATIENT_LINK_ROUTE = 'taperwatch:patient-link';
export const CDS_HOOKS_ROUTE = 'taperwatch:cds-hooks';

/** How a patient-link route takes its token. */
export interface PatientLinkRouteOptions {
  /**
   * Also `?token=` (calendar apps subscribe to a URL and cannot send a header). Query strings
   * are never logged; the Bearer header is still preferred.
   */
  tokenInQuery?: boolean;
}

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

/**
 * A route for the patient's own link token only (never an API key): the global guard
 * authenticates the link and sets it on the request (CurrentPatientLink).
 */
export const PatientLinkRoute = (options: PatientLinkRouteOptions = {}) =>
  applyDecorators(
    SetMetadata(PATIENT_LINK_ROUTE, options),
    ApiBearerAuth('patient-link'),
    ApiUnauthorizedResponse({
      description:
        'Missing, unknown, revoked or expired patient link token (an API key is not one)',
    }),
  );

/**
 * A CDS Hooks service call (never an API key): the global guard verifies the EHR's signed JWT as
 * the CDS Hooks specification says (CdsHooksClients) and sets the caller on the request.
 */
export const CdsHooksRoute = () =>
  applyDecorators(
    SetMetadata(CDS_HOOKS_ROUTE, true),
    ApiBearerAuth('cds-hooks-jwt'),
    ApiUnauthorizedResponse({
      description:
        'Missing or invalid EHR JWT: unregistered iss, bad signature, aud not the service URL, expired, or a jti used before',
    }),
  );

export const CurrentCdsCaller = createParamDecorator(
  (_: unknown, context: ExecutionContext): CdsCaller =>
    context.switchToHttp().getRequest<{ cdsCaller: CdsCaller }>().cdsCaller,
);

export const CurrentPatientLink = createParamDecorator(
  (_: unknown, context: ExecutionContext): PatientLinkPrincipal =>
    context.switchToHttp().getRequest<{ patientLink: PatientLinkPrincipal }>().patientLink,
);

export const CurrentPrincipal = createParamDecorator(
  (_: unknown, context: ExecutionContext): Principal =>
    context.switchToHttp().getRequest<{ principal: Principal }>().principal,
);
