import { Check, Column, Entity, Index, PrimaryColumn, UpdateDateColumn } from 'typeorm';
import type { EscalationPolicy } from '@taperwatch/domain';

/**
 * The domain's statuses plus `undeliverable`: no policy at all reached the alert (no unit
 * policy and no DEFAULT_ESCALATION_POLICY). Never silent: logged, counted and on the alert.
 */
export const ESCALATION_STATUSES = [
  'active',
  'acknowledged',
  'exhausted',
  'ended',
  'undeliverable',
] as const;
export type AlertEscalationStatus = (typeof ESCALATION_STATUSES)[number];
export type PolicySource = 'unit' | 'default';

/** One row per alert: where its escalation stands (GoAlert's escalation_policy_state). */
@Entity('alert_escalations')
@Check(
  'alert_escalations_status_check',
  `status IN ('active', 'acknowledged', 'exhausted', 'ended', 'undeliverable')`,
)
@Check('alert_escalations_next_at_check', `(status = 'active') = (next_at IS NOT NULL)`)
// The sweep reads due active rows only: a small index however many alerts have ever existed.
@Index('alert_escalations_due_idx', ['nextAt'], { where: `status = 'active'` })
export class AlertEscalationEntity {
  @PrimaryColumn('uuid', { name: 'alert_id' })
  alertId!: string;

  @Column('uuid', { name: 'tenant_id' })
  tenantId!: string;

  @Column('text', { name: 'unit_id' })
  unitId!: string;

  @Column('text')
  status!: AlertEscalationStatus;

  @Column('integer', { default: 0 })
  step!: number;

  @Column('integer', { default: 0 })
  loop!: number;

  @Column('integer', { default: 0 })
  level!: number;

  /** The first round of the current escalation: above 0 once it was restarted (re-opened, moved). */
  @Column('integer', { name: 'loop_base', default: 0 })
  loopBase!: number;

  @Column({ type: 'timestamptz', name: 'next_at', precision: 3, nullable: true })
  nextAt!: Date | null;

  /** The policy frozen when the alert opened; null when undeliverable. */
  @Column('jsonb', { nullable: true })
  policy!: EscalationPolicy | null;

  @Column('text', { name: 'policy_source', nullable: true })
  policySource!: PolicySource | null;

  @Column('integer', { name: 'failed_deliveries', default: 0 })
  failedDeliveries!: number;

  @Column({ type: 'timestamptz', name: 'last_fired_at', precision: 3, nullable: true })
  lastFiredAt!: Date | null;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz', precision: 3 })
  updatedAt!: Date;
}
