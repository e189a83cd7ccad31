import type { Role } from '@taperwatch/persistence';

/** Who is calling: set on the request by the guard, read by controllers and services. */
export class Principal {
  constructor(
    readonly keyId: string,
    readonly tenantId: string,
    readonly role: Role,
    /** Empty = every unit of the tenant. Nurse keys always have at least one. */
    readonly unitIds: readonly string[],
  ) {}

  canSeeUnit(unitId: string): boolean {
    return this.unitIds.length === 0 || this.unitIds.includes(unitId);
  }

  /** The units a query must be limited to, or undefined for all of the tenant's. */
  get unitFilter(): readonly string[] | undefined {
    return this.unitIds.length === 0 ? undefined : this.unitIds;
  }
}

export const BOOTSTRAP_KEY_ID = '00000000-0000-4000-8000-00000000b007';
