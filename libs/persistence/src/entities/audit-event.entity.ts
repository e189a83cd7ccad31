import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/**
 * One attributable act: who, what, which resource, when, from where, and how it ended. Rows hold
 * ids only (never a patient's identifiers), so erasure never has to touch them. Append-only: a
 * database trigger refuses UPDATE, DELETE and TRUNCATE. Each row carries the hash of the one before
 * (`seq - 1`), so an edit made around the trigger is found by `npm run audit:verify`.
 */
@Entity('audit_events')
@Index('audit_events_tenant_seq_idx', ['tenantId', 'seq'])
@Index('audit_events_resource_idx', ['tenantId', 'resourceType', 'resourceId', 'seq'])
export class AuditEventEntity {
  /** The position in the one chain; gapless, assigned by the flusher under an advisory lock. */
  @PrimaryColumn('bigint')
  seq!: string;

  @Column({ type: 'timestamptz', name: 'occurred_at', precision: 3 })
  occurredAt!: Date;

  /** Null when the caller was never identified (a refused credential). */
  @Column('uuid', { name: 'tenant_id', nullable: true })
  tenantId!: string | null;

  @Column('uuid', { name: 'actor_key_id', nullable: true })
  actorKeyId!: string | null;

  /** A patient link (the patient acting on their own doses). */
  @Column('uuid', { name: 'actor_link_id', nullable: true })
  actorLinkId!: string | null;

  /** The person the caller names in X-Actor (a staff id); asserted by the key holder. */
  @Column('text', { name: 'actor_person', nullable: true })
  actorPerson!: string | null;

  /** read, search, create, update, delete, or the named act (approve, acknowledge, erase...). */
  @Column('text')
  action!: string;

  @Column('text', { name: 'resource_type' })
  resourceType!: string;

  @Column('text', { name: 'resource_id', nullable: true })
  resourceId!: string | null;

  @Column('text')
  method!: string;

  /** The route pattern (`/v1/plans/:id`), never the path or query, which may carry identifiers. */
  @Column('text')
  route!: string;

  /** The HTTP status answered. */
  @Column('smallint')
  outcome!: number;

  @Column('text', { name: 'client_ip', nullable: true })
  clientIp!: string | null;

  @Column('text', { name: 'request_id' })
  requestId!: string;

  @Column('text', { name: 'prev_hash' })
  prevHash!: string;

  @Column('text')
  hash!: string;
}
