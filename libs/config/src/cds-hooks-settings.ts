import { ValidateBy } from 'class-validator';

/** An EHR allowed to call the CDS Hooks service, and where its signing keys are published. */
export interface CdsHooksClient {
  /** The JWT `iss` the EHR signs with. */
  issuer: string;
  /** Its JWK Set URL: keys come from here only, never from a token's `jku`. */
  jwksUri: string;
  /** The taperwatch tenant the EHR's patients and taper requests belong to. */
  tenantId: string;
  /** Patient.identifier system whose value is a taperwatch patient's externalId. */
  patientIdentifierSystem?: string;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function isHttpUrl(value: unknown): value is string {
  if (typeof value !== 'string') return false;
  try {
    const url = new URL(value);
    return url.protocol === 'https:' || url.protocol === 'http:';
  } catch {
    return false;
  }
}

/** CDS_HOOKS_CLIENTS: a JSON array of clients, each issuer once; undefined when malformed. */
export function parseCdsHooksClients(raw: string): CdsHooksClient[] | undefined {
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    return undefined;
  }
  if (!Array.isArray(value)) return undefined;
  const clients: CdsHooksClient[] = [];
  for (const item of value as unknown[]) {
    if (typeof item !== 'object' || item === null) return undefined;
    const { issuer, jwksUri, tenantId, patientIdentifierSystem } = item as Record<string, unknown>;
    if (typeof issuer !== 'string' || issuer === '' || !isHttpUrl(jwksUri)) return undefined;
    if (typeof tenantId !== 'string' || !UUID.test(tenantId)) return undefined;
    if (patientIdentifierSystem !== undefined && typeof patientIdentifierSystem !== 'string') {
      return undefined;
    }
    if (clients.some((c) => c.issuer === issuer)) return undefined;
    clients.push({
      issuer,
      jwksUri,
      tenantId,
      ...(patientIdentifierSystem ? { patientIdentifierSystem } : {}),
    });
  }
  return clients;
}

export function IsCdsHooksClientsJson(): PropertyDecorator {
  return ValidateBy({
    name: 'isCdsHooksClientsJson',
    validator: {
      validate: (value: unknown) =>
        typeof value === 'string' && parseCdsHooksClients(value) !== undefined,
      defaultMessage: () =>
        'must be a JSON array of {issuer, jwksUri (http or https URL), tenantId (uuid), patientIdentifierSystem?}, each issuer once',
    },
  });
}

/** PUBLIC_BASE_URL: an http(s) origin with an optional path, no query, no trailing slash. */
export function IsPublicBaseUrl(): PropertyDecorator {
  return ValidateBy({
    name: 'isPublicBaseUrl',
    validator: {
      validate: (value: unknown) => isHttpUrl(value) && !/[?#]/.test(value) && !value.endsWith('/'),
      defaultMessage: () =>
        'must be the http(s) address users and EHRs reach taperwatch at, without a trailing slash (https://taperwatch.example.org)',
    },
  });
}
