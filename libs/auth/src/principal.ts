import type { Role } from '@taperwatch/persistence';

/**
 * Who acted, as the API shows it: an API key (id = the key's id), or a person or system signed in
 * through a trusted token issuer (id = the issuer's subject, name as the issuer gave it), or a
 * patient through their link.
 */
export interface ActorRef {
  /** 'patient': the patient, reporting through their link (id = the link's id). */
  type: 'api_key' | 'person' | 'system' | 'patient';
  id: string;
  name?: string;
}

/** Who is calling: set on the request by the guard, read by controllers and services. */
export class Principal {
  /**
   * Whether the key reaches every unit of the tenant: an empty unit list, except for a nurse,
   * whose empty list (a key made before nurses had to name units) reaches nothing.
   */
  readonly allUnits: boolean;

  /** Who acted: the key itself unless a token issuer named a person or system. */
  readonly actor: ActorRef;

  constructor(
    /**
     * The id every *_by column stores for this caller: the API key's id, or for a token's person
     * or system their actors row id (so idempotency, rate limits and streams key on it alike).
     */
    readonly keyId: string,
    readonly tenantId: string,
    readonly role: Role,
    /** Empty = every unit of the tenant. Nurse keys always have at least one. */
    readonly unitIds: readonly string[],
    actor?: ActorRef,
  ) {
    this.allUnits = unitIds.length === 0 && role !== 'nurse';
    this.actor = actor ?? { type: 'api_key', id: keyId };
  }

  /** A nurse key that names no unit: the guard refuses it rather than let it see everything. */
  get reachesNoUnit(): boolean {
    return this.unitIds.length === 0 && !this.allUnits;
  }

  canSeeUnit(unitId: string): boolean {
    return this.allUnits || this.unitIds.includes(unitId);
  }

  /** The units a query must be limited to, or undefined for all of the tenant's. */
  get unitFilter(): readonly string[] | undefined {
    return this.allUnits ? undefined : this.unitIds;
  }
}

export const BOOTSTRAP_KEY_ID = '00000000-0000-4000-8000-00000000b007';
