import { Injectable } from '@nestjs/common';
import { randomBytes, randomUUID } from 'node:crypto';
import { Clock } from '@taperwatch/common';
import { PatientLinkEntity } from '@taperwatch/persistence';
import { hashKey } from './api-keys.service';
import { PatientLinksRepository } from './patient-links.repository';
import { ActorRef, Principal } from './principal';

/**
 * Patient link tokens start with this, API keys with `tw_`: the global guard tells a link from a
 * key without a database read, so a link on a staff route is a 403, never a key look-up.
 */
export const PATIENT_LINK_PREFIX = 'twp_';

/** A link always expires: 30 days unless asked, never more than 90. */
export const PATIENT_LINK_DEFAULT_DAYS = 30;
export const PATIENT_LINK_MAX_DAYS = 90;

const DAY_MS = 24 * 3_600_000;

/** Who is calling on a patient-link route: one patient, never a staff role. */
export class PatientLinkPrincipal {
  constructor(
    readonly linkId: string,
    readonly tenantId: string,
    readonly patientId: string,
    /** The patient's IANA zone, read with the link (a PATCH takes effect on the next request). */
    readonly timezone: string,
  ) {}
}

export interface PatientLinkView {
  id: string;
  patientId: string;
  /** Who made it: an API key, or the person or system a token named. */
  createdBy: ActorRef;
  createdAt: string;
  expiresAt: string;
  revokedAt: string | null;
  /** active, expired or revoked, at the time of the answer. */
  status: 'active' | 'expired' | 'revoked';
}

export interface CreatedPatientLink {
  view: PatientLinkView;
  /** Shown once; only its SHA-256 is stored. */
  token: string;
}

export function isPatientLinkToken(presented: string): boolean {
  return presented.startsWith(PATIENT_LINK_PREFIX);
}

/**
 * Patient links' credentials: created, listed and revoked by staff (the caller checks that the
 * patient is theirs to see), authenticated on every patient-link request. Nothing is cached, so
 * a revocation or expiry takes effect on the very next request in every process.
 */
@Injectable()
export class PatientLinks {
  constructor(
    private readonly repository: PatientLinksRepository,
    private readonly clock: Clock,
  ) {}

  async create(
    tenantId: string,
    patientId: string,
    /** The caller making it: its keyId is stored, its actor shown. */
    creator: Pick<Principal, 'keyId' | 'actor'>,
    expiresInDays: number,
  ): Promise<CreatedPatientLink> {
    const token = `${PATIENT_LINK_PREFIX}${randomBytes(32).toString('base64url')}`;
    const now = this.clock.now();
    const row: PatientLinkEntity = {
      id: randomUUID(),
      tenantId,
      patientId,
      tokenHash: hashKey(token),
      createdBy: creator.keyId,
      createdAt: now,
      expiresAt: new Date(now.getTime() + expiresInDays * DAY_MS),
      revokedAt: null,
    };
    await this.repository.insert(row);
    return { view: this.toView(row, now, creator.actor), token };
  }

  async list(tenantId: string, patientId: string): Promise<PatientLinkView[]> {
    const rows = await this.repository.list(tenantId, patientId);
    const now = this.clock.now();
    const creators = await this.repository.creators(rows.map((row) => row.createdBy));
    return rows.map((row) => this.toView(row, now, creators.get(row.createdBy)!));
  }

  /** Revokes a live link of the patient; false when there is none. */
  revoke(tenantId: string, patientId: string, id: string): Promise<boolean> {
    return this.repository.revoke(tenantId, patientId, id, this.clock.now());
  }

  /** The link's principal, or undefined when the token is unknown, revoked or expired. */
  async authenticate(presented: string): Promise<PatientLinkPrincipal | undefined> {
    if (!isPatientLinkToken(presented)) return undefined;
    const row = await this.repository.findLive(hashKey(presented), this.clock.now());
    return row
      ? new PatientLinkPrincipal(row.id, row.tenant_id, row.patient_id, row.timezone)
      : undefined;
  }

  private toView(row: PatientLinkEntity, now: Date, createdBy: ActorRef): PatientLinkView {
    return {
      id: row.id,
      patientId: row.patientId,
      createdBy,
      createdAt: row.createdAt.toISOString(),
      expiresAt: row.expiresAt.toISOString(),
      revokedAt: row.revokedAt?.toISOString() ?? null,
      status: row.revokedAt ? 'revoked' : row.expiresAt <= now ? 'expired' : 'active',
    };
  }
}
