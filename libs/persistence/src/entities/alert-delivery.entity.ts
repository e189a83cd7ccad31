import {
  Check,
  Column,
  CreateDateColumn,
  Entity,
  Index,
  PrimaryColumn,
  UpdateDateColumn,
} from 'typeorm';

export const DELIVERY_STATUSES = [
  'pending',
  'sending',
  'delivered',
  'failed',
  'cancelled',
] as const;
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];
export type DeliveryChannel = 'webhook' | 'email';

/**
 * One notification: alert x step x loop x target is unique, so this table is the outbox and
 * the duplicate guard in one. `sending` is a lease (next_attempt_at is its expiry), taken by one
 * worker with a conditional UPDATE, so two workers never send the same attempt.
 */
@Entity('alert_deliveries')
@Index('alert_deliveries_key', ['alertId', 'step', 'loop', 'targetIndex'], { unique: true })
// The sweep's view: deliveries waiting for an attempt or holding an expired lease.
@Index('alert_deliveries_open_idx', ['nextAttemptAt'], {
  where: `status IN ('pending', 'sending')`,
})
@Check(
  'alert_deliveries_status_check',
  `status IN ('pending', 'sending', 'delivered', 'failed', 'cancelled')`,
)
@Check('alert_deliveries_channel_check', `channel IN ('webhook', 'email')`)
export class AlertDeliveryEntity {
  /** Also the Standard Webhooks `webhook-id`: the same on every attempt. */
  @PrimaryColumn('uuid')
  id!: string;

  @Column('uuid', { name: 'tenant_id' })
  tenantId!: string;

  @Column('uuid', { name: 'alert_id' })
  alertId!: string;

  @Column('integer')
  step!: number;

  @Column('integer')
  loop!: number;

  @Column('integer', { name: 'target_index' })
  targetIndex!: number;

  @Column('text')
  channel!: DeliveryChannel;

  /** The URL or e-mail address. */
  @Column('text')
  target!: string;

  /** alert.created for the first notification, alert.escalated after. */
  @Column('text', { name: 'event_type' })
  eventType!: string;

  /** The exact JSON body, fixed when the step fired, so every retry sends the same bytes. */
  @Column('text')
  payload!: string;

  /**
   * The alert's drug when the step fired, for e-mails (the body carries ids only): the sender
   * needs nothing but this row. Null on rows written before it was kept.
   */
  @Column('text', { name: 'drug_code', nullable: true })
  drugCode!: string | null;

  @Column('text', { default: 'pending' })
  status!: DeliveryStatus;

  @Column('integer', { default: 0 })
  attempts!: number;

  @Column({ type: 'timestamptz', name: 'next_attempt_at', precision: 3, nullable: true })
  nextAttemptAt!: Date | null;

  @Column('text', { name: 'last_error', nullable: true })
  lastError!: string | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz', precision: 3 })
  createdAt!: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz', precision: 3 })
  updatedAt!: Date;

  @Column({ type: 'timestamptz', name: 'delivered_at', precision: 3, nullable: true })
  deliveredAt!: Date | null;
}

/** Every attempt of a delivery, as GET /v1/alerts/:id/deliveries lists them. */
@Entity('delivery_attempts')
@Index('delivery_attempts_key', ['deliveryId', 'attempt'], { unique: true })
export class DeliveryAttemptEntity {
  @PrimaryColumn('uuid')
  id!: string;

  @Column('uuid', { name: 'delivery_id' })
  deliveryId!: string;

  @Column('integer')
  attempt!: number;

  @Column({ type: 'timestamptz', name: 'started_at', precision: 3 })
  startedAt!: Date;

  @Column('integer', { name: 'duration_ms' })
  durationMs!: number;

  /** delivered, failed (retryable), refused (never retried). */
  @Column('text')
  outcome!: string;

  @Column('integer', { name: 'response_status', nullable: true })
  responseStatus!: number | null;

  @Column('text', { nullable: true })
  error!: string | null;
}
