import { Column, CreateDateColumn, Entity, Index, PrimaryColumn } from 'typeorm';

/**
 * A patient's own link: a bearer token that may only read that patient's schedule and report
 * that patient's doses. Stored as SHA-256 like an API key; it always expires and can be revoked.
 */
@Entity('patient_links')
@Index('patient_links_patient_idx', ['tenantId', 'patientId'])
export class PatientLinkEntity {
  @PrimaryColumn('uuid')
  id!: string;

  @Column('uuid', { name: 'tenant_id' })
  tenantId!: string;

  @Column('uuid', { name: 'patient_id' })
  patientId!: string;

  /** SHA-256 of the token (256 random bits: a slow hash adds nothing). */
  @Index('patient_links_token_hash_key', { unique: true })
  @Column('text', { name: 'token_hash' })
  tokenHash!: string;

  /** The API key that created the link. */
  @Column('uuid', { name: 'created_by' })
  createdBy!: string;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz', precision: 3 })
  createdAt!: Date;

  @Column({ type: 'timestamptz', name: 'expires_at', precision: 3 })
  expiresAt!: Date;

  @Column({ type: 'timestamptz', name: 'revoked_at', precision: 3, nullable: true })
  revokedAt!: Date | null;
}
