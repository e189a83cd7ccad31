import { applyDecorators } from '@nestjs/common';
import { RouteConfig } from '@nestjs/platform-fastify';
import { ApiHeader } from '@nestjs/swagger';

/** Where an audited route's resource id comes from. */
export type AuditIdSource =
  /** a path parameter (named by `param`, `id` unless told) */
  | 'param'
  /** the `id` of the JSON the route answered (a created resource) */
  | 'response'
  /** the patient of the calling patient link */
  | 'patient-link'
  /** none: a search or list */
  | 'none';

export interface AuditRoute {
  resourceType: string;
  action: string;
  idFrom: AuditIdSource;
  param: string;
}

/** The Fastify route config key the audit hooks read. */
export interface AuditRouteConfig {
  audit?: AuditRoute | false;
}

export const ACTOR_HEADER = 'x-actor';

/**
 * Records every call of this route (who, what, which resource, from where, the status) in the
 * audit trail. The hooks in audit-hooks.ts do the recording, in one place for every route; an
 * API route with neither this nor @NotAudited stops the app from starting.
 */
export function Audited(
  resourceType: string,
  action: string,
  options: { idFrom?: AuditIdSource; param?: string } = {},
) {
  const route: AuditRoute = {
    resourceType,
    action,
    idFrom: options.idFrom ?? 'param',
    param: options.param ?? 'id',
  };
  return applyDecorators(
    RouteConfig({ audit: route } satisfies AuditRouteConfig),
    ApiHeader({
      name: 'X-Actor',
      required: false,
      description:
        'The person acting through this API key (a staff id, up to 128 of A-Z a-z 0-9 . _ @ : + -), recorded in the audit trail',
    }),
  );
}

/** A route that touches no patient's data and writes nothing (the drug catalogue). */
export const NotAudited = () => RouteConfig({ audit: false } satisfies AuditRouteConfig);
