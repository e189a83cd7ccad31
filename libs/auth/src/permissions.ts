import type { Role } from '@taperwatch/persistence';

/** The role table of docs/api.md (Authentication and roles), in one place. Controllers name a permission; the guard checks it. */
export const PERMISSIONS = {
  'api-keys:manage': ['admin'],
  'escalation-policies:manage': ['admin'],
  /** Who read or changed what: the audit trail, and erasing a patient's identifiers. */
  'audit:read': ['admin'],
  'patients:erase': ['admin'],
  'patients:write': ['admin', 'prescriber', 'service'],
  'plans:write': ['prescriber', 'service'],
  'clinical:read': ['admin', 'prescriber', 'nurse', 'service'],
  'clinical:record': ['prescriber', 'nurse', 'service'],
  /** Whoever writes patients or records their doses (a nurse within her units). */
  'patient-links:manage': ['admin', 'prescriber', 'nurse', 'service'],
  'drugs:read': ['admin', 'prescriber', 'nurse', 'service', 'pharmacist'],
  // Pharmacists record what they hand out and read what to hand out; nothing else clinical.
  'dispensings:write': ['pharmacist', 'service'],
  'supply:read': ['admin', 'prescriber', 'nurse', 'service', 'pharmacist'],
} as const satisfies Record<string, readonly Role[]>;

export type Permission = keyof typeof PERMISSIONS;

export function roleAllows(role: Role, permission: Permission): boolean {
  return (PERMISSIONS[permission] as readonly Role[]).includes(role);
}

/**
 * How far a key of each role reaches, for issuing keys: a creator may not issue a role ranked
 * above its own. `service` (an integration: every clinical power, patients, plans, recordings and
 * dispensing) outranks `admin`, so only an all-units admin may issue one.
 */
export const ROLE_RANK = {
  service: 4,
  admin: 3,
  prescriber: 2,
  nurse: 1,
  pharmacist: 1,
} as const satisfies Record<Role, number>;

export function roleOutranks(role: Role, other: Role): boolean {
  return ROLE_RANK[role] > ROLE_RANK[other];
}
