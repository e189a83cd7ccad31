import { Column, CreateDateColumn, Entity, PrimaryColumn, UpdateDateColumn } from 'typeorm';
import type { EscalationPolicy } from '@taperwatch/domain';

/** A unit's escalation policy (docs/api.md, PUT /v1/units/{unitId}/escalation-policy). */
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
   * The Standard Webhooks signing secret (whsec_ + base64), AES-256-GCM encrypted under
   * WEBHOOK_SECRET_ENCRYPTION_KEY (WebhookSecretVault). Never returned after creation or rotation.
   */
  @Column('text', { name: 'webhook_secret' })
  webhookSecret!: string;

  /** The rotated-out secret, encrypted the same way: it still signs until the time below. */
  @Column('text', { name: 'previous_webhook_secret', nullable: true })
  previousWebhookSecret!: string | null;

  @Column({
    type: 'timestamptz',
    name: 'previous_secret_expires_at',
    precision: 3,
    nullable: true,
  })
  previousSecretExpiresAt!: Date | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz', precision: 3 })
  createdAt!: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz', precision: 3 })
  updatedAt!: Date;

  @Column({ type: 'timestamptz', name: 'secret_rotated_at', precision: 3, nullable: true })
  secretRotatedAt!: Date | null;
}
