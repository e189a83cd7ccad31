import { Injectable } from '@nestjs/common';
import { randomBytes, randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { Clock } from '@taperwatch/common';
import { PatientLinkEntity } from '@taperwatch/persistence';
import { actorRefsOf } from './actor-ref.sql';
import { hashKey } from './api-keys.service';
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
    private readonly dataSource: DataSource,
    private readonly clock: Clock,
  ) {}

  private get repo() {
    return this.dataSource.getRepository(PatientLinkEntity);
  }

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
    await this.repo.insert(row);
    return { view: this.toView(row, now, creator.actor), token };
  }

  async list(tenantId: string, patientId: string): Promise<PatientLinkView[]> {
    const rows = await this.repo.find({
      where: { tenantId, patientId },
      order: { createdAt: 'DESC', id: 'ASC' },
    });
    const now = this.clock.now();
    const creators = await actorRefsOf(
      this.dataSource,
      rows.map((row) => row.createdBy),
    );
    return rows.map((row) => this.toView(row, now, creators.get(row.createdBy)!));
  }

  /** Revokes a live link of the patient; false when there is none. */
  async revoke(tenantId: string, patientId: string, id: string): Promise<boolean> {
    const result = await this.dataSource.query(
      `UPDATE patient_links SET revoked_at = $4
       WHERE id = $1 AND tenant_id = $2 AND patient_id = $3 AND revoked_at IS NULL
       RETURNING id`,
      [id, tenantId, patientId, this.clock.now()],
    );
    return (result as unknown[][])[0]!.length > 0;
  }

  /** The link's principal, or undefined when the token is unknown, revoked or expired. */
  async authenticate(presented: string): Promise<PatientLinkPrincipal | undefined> {
    if (!isPatientLinkToken(presented)) return undefined;
    const [row] = (await this.dataSource.query(
      `SELECT l.id, l.tenant_id, l.patient_id, p.timezone
       FROM patient_links l JOIN patients p ON p.id = l.patient_id AND p.tenant_id = l.tenant_id
       WHERE l.token_hash = $1 AND l.revoked_at IS NULL AND l.expires_at > $2`,
      [hashKey(presented), this.clock.now()],
    )) as { id: string; tenant_id: string; patient_id: string; timezone: string }[];
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
