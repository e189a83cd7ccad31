import { Check, Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

/** A person or a system known by a trusted issuer's token (not an API key). */
export type ActorKind = 'person' | 'system';

/**
 * Who acted, when it was not an API key: one row per (tenant, issuer, subject), created on first
 * sight of a verified token. Its id is what `approved_by`, `recorded_by`, `acknowledged_by` and the
 * other *_by columns hold for such a caller, as they hold a key's id for a key.
 */
@Entity('actors')
@Check('actors_kind_check', `kind IN ('person', 'system')`)
@Index('actors_tenant_issuer_subject_key', ['tenantId', 'issuer', 'subject'], { unique: true })
export class ActorEntity {
  @PrimaryGeneratedColumn('uuid', { primaryKeyConstraintName: 'PK_actors' })
  id!: string;

  @Column('uuid', { name: 'tenant_id' })
  tenantId!: string;

  @Column('text')
  kind!: ActorKind;

  /** The token issuer (`iss`) that vouches for this subject. */
  @Column('text')
  issuer!: string;

  /** The issuer's stable id for them (`sub`, or a client id for a system). */
  @Column('text')
  subject!: string;

  /** Display name as the issuer last gave it; absent when the token carried none. */
  @Column('text', { nullable: true })
  name!: string | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz', precision: 3 })
  createdAt!: Date;

  @Column({ type: 'timestamptz', name: 'seen_at', precision: 3 })
  seenAt!: Date;
}
