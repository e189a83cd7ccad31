import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { PatientLinkEntity, countedQuery, preparedQuery } from '@taperwatch/persistence';
import { actorRefsOf } from './actor-ref.sql';
import type { ActorRef } from './principal';

/** What authenticating a link reads: the link, its patient and the patient's zone. */
export interface LiveLinkRow {
  id: string;
  tenant_id: string;
  patient_id: string;
  timezone: string;
}

/**
 * Every statement on patient links (decision 0030). The look-up by hash runs on every
 * patient-link request: a named statement.
 */
@Injectable()
export class PatientLinksRepository {
  constructor(private readonly dataSource: DataSource) {}

  private get repo() {
    return this.dataSource.getRepository(PatientLinkEntity);
  }

  async insert(link: PatientLinkEntity): Promise<void> {
    await this.repo.insert(link);
  }

  /** The patient's links, newest first. */
  list(tenantId: string, patientId: string): Promise<PatientLinkEntity[]> {
    return this.repo.find({
      where: { tenantId, patientId },
      order: { createdAt: 'DESC', id: 'ASC' },
    });
  }

  /** Who each creator id names. */
  creators(ids: readonly string[]): Promise<Map<string, ActorRef>> {
    return actorRefsOf(this.dataSource, ids);
  }

  /** Revokes the patient's link at `at` if it is live; whether it was. */
  async revoke(tenantId: string, patientId: string, id: string, at: Date): Promise<boolean> {
    const { count } = await countedQuery(
      this.dataSource.manager,
      `UPDATE patient_links SET revoked_at = $4
       WHERE id = $1 AND tenant_id = $2 AND patient_id = $3 AND revoked_at IS NULL`,
      [id, tenantId, patientId, at],
    );
    return count > 0;
  }

  /** The link with this hash and its patient's zone, unless revoked or expired at `now`. */
  async findLive(tokenHash: string, now: Date): Promise<LiveLinkRow | undefined> {
    const [row] = await preparedQuery<LiveLinkRow>(
      this.dataSource.manager,
      'patient-link-by-hash',
      `SELECT l.id, l.tenant_id, l.patient_id, p.timezone
       FROM patient_links l JOIN patients p ON p.id = l.patient_id AND p.tenant_id = l.tenant_id
       WHERE l.token_hash = $1 AND l.revoked_at IS NULL AND l.expires_at > $2`,
      [tokenHash, now],
    );
    return row;
  }
}
