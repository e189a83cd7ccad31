import { randomBytes } from 'node:crypto';
import { Target } from './load';

/** A body factory giving every request a unique externalId (for the unique index). */
function uniquePatientBody(): () => string {
  const runId = randomBytes(4).toString('hex');
  let n = 0;
  return () => JSON.stringify({ externalId: `BENCH-${runId}-${++n}`, unitId: 'ward-7' });
}

const JSON_BODY = { 'content-type': 'application/json' };

export function ceilingTarget(baseUrl: string): Target {
  return {
    name: 'ceiling',
    url: baseUrl,
    method: 'POST',
    path: '/ceiling',
    headers: JSON_BODY,
    body: uniquePatientBody(),
  };
}

/** The same request to Nest on Fastify with nothing on the route (nest-floor-server.ts). */
export function nestFloorTarget(baseUrl: string): Target {
  return { ...ceilingTarget(baseUrl), name: 'nest floor', path: '/floor' };
}

export function createPatientTarget(baseUrl: string, auth: Record<string, string>): Target {
  return {
    name: 'POST /v1/patients',
    url: baseUrl,
    method: 'POST',
    path: '/v1/patients',
    headers: { ...JSON_BODY, ...auth },
    body: uniquePatientBody(),
  };
}

export function getPlanTarget(
  baseUrl: string,
  auth: Record<string, string>,
  planId: string,
): Target {
  return {
    name: 'GET /v1/plans/:id',
    url: baseUrl,
    method: 'GET',
    path: `/v1/plans/${planId}`,
    headers: auth,
  };
}

/** One page of a plan's doses, as the ward list asks for it. */
export function listDosesTarget(
  baseUrl: string,
  auth: Record<string, string>,
  planId: string,
  limit = 50,
): Target {
  return {
    name: `GET /v1/plans/:id/doses?limit=${limit}`,
    url: baseUrl,
    method: 'GET',
    path: `/v1/plans/${planId}/doses?limit=${limit}`,
    headers: auth,
  };
}

/**
 * The same page, but each request one no API process has kept (decision 0046): a `from` of its own,
 * each before the plan's first dose, so every answer is read from the doses and written anew.
 */
export function readDosesTarget(
  baseUrl: string,
  auth: Record<string, string>,
  planId: string,
  limit = 50,
): Target {
  const page = listDosesTarget(baseUrl, auth, planId, limit);
  const start = Date.UTC(2000, 0, 1);
  let n = 0;
  return {
    ...page,
    name: `${page.name} (never kept)`,
    pathFor: () => `${page.path}&from=${new Date(start + n++).toISOString()}`,
  };
}

/**
 * Records each dose of `doseIds` given, one per request, in order (a dose can be recorded once:
 * past the end of the list the ids repeat and answer 409, counted as non-2xx).
 */
export function recordAdministrationTarget(
  baseUrl: string,
  auth: Record<string, string>,
  doseIds: readonly string[],
): Target {
  let n = 0;
  return {
    name: 'POST /v1/doses/:id/administrations',
    url: baseUrl,
    method: 'POST',
    path: `/v1/doses/${doseIds[0]}/administrations`,
    headers: { ...JSON_BODY, ...auth },
    body: () => '{"outcome":"given"}',
    pathFor: () => `/v1/doses/${doseIds[n++ % doseIds.length]}/administrations`,
  };
}

/** One page of a unit's open alerts, newest first, as a ward's board asks for them. */
export function listUnitAlertsTarget(
  baseUrl: string,
  auth: Record<string, string>,
  unitId: string,
  limit = 50,
): Target {
  const query = `unitId=${encodeURIComponent(unitId)}&status=open&limit=${limit}`;
  return {
    name: `GET /v1/alerts?unitId&status=open&limit=${limit}`,
    url: baseUrl,
    method: 'GET',
    path: `/v1/alerts?${query}`,
    headers: auth,
  };
}
