import { Column, CreateDateColumn, Entity, PrimaryColumn, UpdateDateColumn } from 'typeorm';
import type { EscalationPolicy } from '@taperwatch/domain';

/** A unit's escalation policy (API.md PUT /v1/units/:unitId/escalation-policy). */
@Entity('escalation_policies')
export class EscalationPolicyEntity {
  @PrimaryColumn('uuid', { name: 'tenant_id' })
  tenantId!: string;

  @PrimaryColumn('text', { name: 'unit_id' })
  unitId!: string;

  /** The validated policy: { steps, repeat }. */
  @Column('jsonb')
  policy!: EscalationPolicy;

  /**
   * The Standard Webhooks signing secret (whsec_ + base64). Kept readable because signing needs
   * the key itself; it is never returned after creation or rotation.
   */
  @Column('text', { name: 'webhook_secret' })
  webhookSecret!: string;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz', precision: 3 })
  createdAt!: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz', precision: 3 })
  updatedAt!: Date;

  @Column({ type: 'timestamptz', name: 'secret_rotated_at', precision: 3, nullable: true })
  secretRotatedAt!: Date | null;
}
