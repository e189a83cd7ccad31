import { Check, Column, CreateDateColumn, Entity, Index, PrimaryColumn } from 'typeorm';

export const ROLES = ['admin', 'prescriber', 'nurse', 'service', 'pharmacist'] as const;
export type Role = (typeof ROLES)[number];

@Entity('api_keys')
@Index('api_keys_tenant_created_idx', ['tenantId', 'createdAt', 'id'])
@Check('api_keys_role_check', `role IN ('admin', 'prescriber', 'nurse', 'service', 'pharmacist')`)
export class ApiKeyEntity {
  @PrimaryColumn('uuid')
  id!: string;

  @Column('uuid', { name: 'tenant_id' })
  tenantId!: string;

  @Column('text')
  name!: string;

  @Column('text')
  role!: Role;

  /** Empty means "all units of the tenant" (not allowed for nurses). */
  @Column('text', { name: 'unit_ids', array: true, default: () => "'{}'" })
  unitIds!: string[];

  /** SHA-256 of the key: keys are 256-bit random, so a slow hash adds nothing but latency. */
  @Index('api_keys_key_hash_key', { unique: true })
  @Column('text', { name: 'key_hash' })
  keyHash!: string;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz', precision: 3 })
  createdAt!: Date;

  @Column('timestamptz', { name: 'revoked_at', nullable: true })
  revokedAt!: Date | null;

  /** Past it the key is refused (401); null never expires. */
  @Column({ type: 'timestamptz', name: 'expires_at', precision: 3, nullable: true })
  expiresAt!: Date | null;

  /** Coarse: each API process writes it at most once a minute per key. */
  @Column({ type: 'timestamptz', name: 'last_used_at', precision: 3, nullable: true })
  lastUsedAt!: Date | null;

  /** The key that created this one; null for keys made before this was recorded. */
  @Column('uuid', { name: 'created_by', nullable: true })
  createdBy!: string | null;
}
