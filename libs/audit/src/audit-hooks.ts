import type { FastifyInstance, FastifyRequest } from 'fastify';
import { AuditFacts } from './audit-chain';
import { AuditTrail } from './audit-trail';
import { ACTOR_HEADER, AuditRoute, AuditRouteConfig } from './audited';

/** Only the API's own routes (/v1, and the FHIR endpoints) must say whether they are audited. */
const API_ROUTE = /^\/(?:v\d+|fhir)\//;
const ACTOR = /^[\w.@:+-]{1,128}$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

interface AuditedRequest extends FastifyRequest {
  principal?: { keyId: string; tenantId: string; actor?: { type: string; id: string } };
  patientLink?: { linkId: string; tenantId: string; patientId: string };
  auditResourceId?: string;
}

function auditOf(request: FastifyRequest): AuditRoute | undefined {
  const audit = (request.routeOptions.config as AuditRouteConfig | undefined)?.audit;
  return audit || undefined;
}

/**
 * The one place the API audits: an onResponse hook reads the route's @Audited metadata and pushes
 * one row per request onto the trail's buffer, whatever the outcome (refused calls included).
 * Registered before the routes, so an API route declared without @Audited or @NotAudited is an
 * error at start, not a silent gap.
 */
export function registerAuditHooks(fastify: FastifyInstance, trail: AuditTrail): void {
  fastify.addHook('onRoute', (route) => {
    const config = route.config as AuditRouteConfig | undefined;
    if (API_ROUTE.test(route.url) && config?.audit === undefined) {
      throw new Error(`${route.method} ${route.url} says neither @Audited nor @NotAudited`);
    }
  });
  // A created resource's id is known only from what was answered.
  fastify.addHook('onSend', (request: AuditedRequest, reply, payload, done) => {
    const audit = auditOf(request);
    if (audit?.idFrom === 'response' && reply.statusCode < 300 && typeof payload === 'string') {
      request.auditResourceId = idInJson(payload);
    }
    done(null, payload);
  });
  fastify.addHook('onResponse', (request: AuditedRequest, reply, done) => {
    const audit = auditOf(request);
    if (audit) trail.record(factsOf(request, reply.statusCode, audit));
    done();
  });
  // After the server has drained its requests, before the database closes.
  fastify.addHook('onClose', () => trail.flush());
}

/**
 * For a route audited `idFrom: 'response'` whose request body names the resource (a FHIR
 * resource naming its dose): once read, a refused call (409, 422) is audited against it too.
 */
export function auditResourceNamed(request: FastifyRequest, id: string): void {
  if (UUID.test(id)) (request as AuditedRequest).auditResourceId = id;
}

/**
 * A reply the route hijacked (the alert event stream) never reaches onResponse: the route records
 * itself with this once it has answered, through the same route metadata.
 */
export function auditHijackedReply(
  trail: AuditTrail,
  request: FastifyRequest,
  statusCode: number,
): void {
  const audit = auditOf(request);
  if (audit) trail.record(factsOf(request, statusCode, audit));
}

function factsOf(request: AuditedRequest, statusCode: number, audit: AuditRoute): AuditFacts {
  const actor = request.headers[ACTOR_HEADER];
  // A person or system a verified token named is who acted: X-Actor cannot claim otherwise.
  const signedIn = request.principal?.actor;
  const verified = signedIn && signedIn.type !== 'api_key' ? signedIn.id : undefined;
  return {
    occurredAt: new Date(),
    tenantId: request.principal?.tenantId ?? request.patientLink?.tenantId ?? null,
    actorKeyId: request.principal?.keyId ?? null,
    actorLinkId: request.patientLink?.linkId ?? null,
    actorPerson: verified ?? (typeof actor === 'string' && ACTOR.test(actor) ? actor : null),
    action: audit.action,
    resourceType: audit.resourceType,
    resourceId: resourceIdOf(request, audit, statusCode),
    method: request.method,
    route: request.routeOptions.url ?? '',
    outcome: statusCode,
    clientIp: request.ip ?? null,
    requestId: String(request.id),
  };
}

function resourceIdOf(request: AuditedRequest, audit: AuditRoute, outcome: number): string | null {
  switch (audit.idFrom) {
    case 'param': {
      const value = (request.params as Record<string, string> | undefined)?.[audit.param];
      if (typeof value !== 'string') return null;
      // A refused non-UUID may be anything the caller typed (an MRN by mistake): a row that can
      // never be erased must not keep it. Unit ids are not UUIDs, and are kept once accepted.
      return UUID.test(value) || outcome < 400 ? value.slice(0, 128) : null;
    }
    case 'response':
      return request.auditResourceId ?? null;
    case 'patient-link':
      return request.patientLink?.patientId ?? null;
    case 'none':
      return null;
  }
}

function idInJson(payload: string): string | undefined {
  try {
    const id = (JSON.parse(payload) as { id?: unknown } | null)?.id;
    return typeof id === 'string' && UUID.test(id) ? id : undefined;
  } catch {
    return undefined;
  }
}
