import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { ActorKind } from '@taperwatch/persistence';

/** A token's subject as the actors table keeps it. */
export interface ActorSighting {
  tenantId: string;
  kind: ActorKind;
  issuer: string;
  subject: string;
  name: string | null;
  seenAt: Date;
}

/** The actors table's one statement (decision 0030). */
@Injectable()
export class ActorsRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** The subject's row id, the row created on first sight; a name given replaces the one kept. */
  async upsert(seen: ActorSighting): Promise<string> {
    const rows = (await this.dataSource.query(
      `INSERT INTO actors (tenant_id, kind, issuer, subject, name, seen_at)
       VALUES ($1, $2, $3, $4, $5, $6)
       ON CONFLICT (tenant_id, issuer, subject)
         DO UPDATE SET name = COALESCE(EXCLUDED.name, actors.name), seen_at = EXCLUDED.seen_at
       RETURNING id`,
      [seen.tenantId, seen.kind, seen.issuer, seen.subject, seen.name, seen.seenAt],
    )) as { id: string }[];
    return rows[0]!.id;
  }
}
