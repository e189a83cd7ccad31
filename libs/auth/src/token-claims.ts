import type { OidcIssuer } from '@taperwatch/config';
import { ROLES, Role } from '@taperwatch/persistence';

/** What a verified token's claims grant, or why they grant nothing (a 403 names it). */
export type TokenGrant =
  | { ok: true; role: Role; unitIds: string[]; kind: 'person' | 'system'; name?: string }
  | { ok: false; problem: string };

/** A claim as a list of strings: one string, an array of them (others ignored), or nothing. */
function strings(value: unknown): string[] {
  if (typeof value === 'string') return value === '' ? [] : [value];
  if (Array.isArray(value))
    return value.filter((v): v is string => typeof v === 'string' && v !== '');
  return [];
}

function isRole(value: string): value is Role {
  return (ROLES as readonly string[]).includes(value);
}

/** Role names a roleMap sends claim values to that taperwatch does not know; checked at start. */
export function unknownMappedRoles(issuer: OidcIssuer): string[] {
  return Object.values(issuer.roleMap).filter((role) => !isRole(role));
}

/**
 * The role, units, kind and display name a verified token's claims give its bearer. Each role
 * claim value is looked up in the issuer's roleMap, or else taken as a role name; values that are
 * neither are ignored. Exactly one taperwatch role must remain: none, or two different ones, is
 * refused, so nobody acts with a role they did not unambiguously hold.
 * A token whose `sub` is its own `client_id` was issued to a client on its own behalf (client
 * credentials): a system; any other subject is a person.
 */
export function grantOf(issuer: OidcIssuer, claims: Record<string, unknown>): TokenGrant {
  const roles = new Set<Role>();
  for (const value of strings(claims[issuer.roleClaim])) {
    const mapped = Object.hasOwn(issuer.roleMap, value) ? issuer.roleMap[value]! : value;
    if (isRole(mapped)) roles.add(mapped);
  }
  if (roles.size === 0) {
    return {
      ok: false,
      problem: `The token's ${issuer.roleClaim} claim names no taperwatch role (${ROLES.join(', ')}); ask your identity provider's administrator for one`,
    };
  }
  if (roles.size > 1) {
    return {
      ok: false,
      problem: `The token's ${issuer.roleClaim} claim names more than one taperwatch role (${[...roles].join(', ')}); sign in with a single role`,
    };
  }
  const role = [...roles][0]!;
  const name = strings(claims[issuer.nameClaim])[0];
  const sub = claims['sub'];
  const kind = typeof sub === 'string' && sub === claims['client_id'] ? 'system' : 'person';
  return {
    ok: true,
    role,
    unitIds: [...new Set(strings(claims[issuer.unitsClaim]))],
    kind,
    ...(name !== undefined ? { name: name.slice(0, 200) } : {}),
  };
}
