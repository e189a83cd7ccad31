import { ValidateBy, ValidationArguments } from 'class-validator';

/** One trusted token issuer, as OIDC_ISSUERS names it (defaults filled in). */
export interface OidcIssuer {
  /** The `iss` its tokens carry, exactly. */
  issuer: string;
  /** The `aud` a token must carry to be meant for taperwatch. */
  audience: string;
  /** Where its signing keys are; absent = read from its discovery document. */
  jwksUri?: string;
  /** The tenant its people and systems act in; absent = the default tenant. */
  tenantId?: string;
  roleClaim: string;
  unitsClaim: string;
  nameClaim: string;
  /** Claim value → taperwatch role; values it does not name are taken as role names themselves. */
  roleMap: Record<string, string>;
}

/** Asymmetric only: a shared-secret (HS*) or unsigned (none) token cannot prove its issuer. */
export const OIDC_ALLOWED_ALGORITHMS = [
  'RS256',
  'RS384',
  'RS512',
  'PS256',
  'PS384',
  'PS512',
  'ES256',
  'ES384',
  'ES512',
  'EdDSA',
] as const;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const CLAIM_NAME = /^[A-Za-z0-9_.:/-]{1,100}$/;
const KNOWN_FIELDS = new Set([
  'issuer',
  'audience',
  'jwksUri',
  'tenantId',
  'roleClaim',
  'unitsClaim',
  'nameClaim',
  'roleMap',
]);

type Parsed = { ok: true; issuers: OidcIssuer[] } | { ok: false; problem: string };

/** https, or http to this machine only (a provider started beside taperwatch, as in tests). */
function isTrustedUrl(value: unknown): value is string {
  if (typeof value !== 'string') return false;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return false;
  }
  if (url.protocol === 'https:') return true;
  return url.protocol === 'http:' && ['localhost', '127.0.0.1', '[::1]'].includes(url.hostname);
}

function parseIssuer(raw: unknown, at: string): OidcIssuer | string {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw))
    return `${at} must be an object`;
  const entry = raw as Record<string, unknown>;
  const unknown = Object.keys(entry).find((k) => !KNOWN_FIELDS.has(k));
  if (unknown) return `${at}.${unknown} is not a known field (${[...KNOWN_FIELDS].join(', ')})`;
  if (!isTrustedUrl(entry['issuer'])) {
    return `${at}.issuer must be an https URL (http only for localhost or 127.0.0.1)`;
  }
  if (typeof entry['audience'] !== 'string' || entry['audience'] === '') {
    return `${at}.audience must be the aud value taperwatch's tokens carry`;
  }
  if (entry['jwksUri'] !== undefined && !isTrustedUrl(entry['jwksUri'])) {
    return `${at}.jwksUri must be an https URL (http only for localhost or 127.0.0.1), or left out to use discovery`;
  }
  if (
    entry['tenantId'] !== undefined &&
    !(typeof entry['tenantId'] === 'string' && UUID.test(entry['tenantId']))
  ) {
    return `${at}.tenantId must be a tenant's uuid, or left out for the default tenant`;
  }
  for (const field of ['roleClaim', 'unitsClaim', 'nameClaim']) {
    const value = entry[field];
    if (value !== undefined && !(typeof value === 'string' && CLAIM_NAME.test(value))) {
      return `${at}.${field} must be a claim name`;
    }
  }
  const roleMap = entry['roleMap'] ?? {};
  if (
    typeof roleMap !== 'object' ||
    roleMap === null ||
    Array.isArray(roleMap) ||
    Object.values(roleMap).some((v) => typeof v !== 'string')
  ) {
    return `${at}.roleMap must map claim values to role names, e.g. {"doctors": "prescriber"}`;
  }
  return {
    issuer: entry['issuer'],
    audience: entry['audience'],
    ...(entry['jwksUri'] !== undefined ? { jwksUri: entry['jwksUri'] as string } : {}),
    ...(entry['tenantId'] !== undefined ? { tenantId: entry['tenantId'] as string } : {}),
    roleClaim: (entry['roleClaim'] as string | undefined) ?? 'roles',
    unitsClaim: (entry['unitsClaim'] as string | undefined) ?? 'units',
    nameClaim: (entry['nameClaim'] as string | undefined) ?? 'name',
    roleMap: roleMap as Record<string, string>,
  };
}

/** OIDC_ISSUERS: a JSON array of issuers; each `issuer` at most once. */
export function parseOidcIssuers(raw: unknown): Parsed {
  if (typeof raw !== 'string') return { ok: false, problem: 'must be a JSON string' };
  let body: unknown;
  try {
    body = JSON.parse(raw);
  } catch {
    return { ok: false, problem: 'must be JSON: an array of {issuer, audience, ...}' };
  }
  if (!Array.isArray(body)) return { ok: false, problem: 'must be a JSON array of issuers' };
  const issuers: OidcIssuer[] = [];
  for (const [i, entry] of body.entries()) {
    const parsed = parseIssuer(entry, `[${i}]`);
    if (typeof parsed === 'string') return { ok: false, problem: parsed };
    if (issuers.some((known) => known.issuer === parsed.issuer)) {
      return { ok: false, problem: `[${i}].issuer ${parsed.issuer} is listed twice` };
    }
    issuers.push(parsed);
  }
  return { ok: true, issuers };
}

export function IsOidcIssuersJson(): PropertyDecorator {
  return ValidateBy({
    name: 'isOidcIssuersJson',
    validator: {
      validate: (value: unknown) => parseOidcIssuers(value).ok,
      defaultMessage: (args?: ValidationArguments) => {
        const parsed = parseOidcIssuers(args?.value);
        return `must be a JSON array of token issuers (${parsed.ok ? '' : parsed.problem})`;
      },
    },
  });
}

/** OIDC_ALGORITHMS: a comma-separated subset of the asymmetric algorithms. */
export function parseOidcAlgorithms(raw: string): string[] | undefined {
  const items = raw.split(',').map((item) => item.trim());
  const allowed = new Set<string>(OIDC_ALLOWED_ALGORITHMS);
  return items.length > 0 && items.every((item) => allowed.has(item)) ? items : undefined;
}

export function IsOidcAlgorithms(): PropertyDecorator {
  return ValidateBy({
    name: 'isOidcAlgorithms',
    validator: {
      validate: (value: unknown) =>
        typeof value === 'string' && parseOidcAlgorithms(value) !== undefined,
      defaultMessage: () =>
        `must be a comma-separated list of ${OIDC_ALLOWED_ALGORITHMS.join(', ')} (never none or HS*)`,
    },
  });
}
