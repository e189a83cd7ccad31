import { Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

/**
 * Every event the alert stream sent, numbered: the number is the SSE `id`, so a board that comes
 * back with Last-Event-ID is sent what it missed. Kept for ALERT_STREAM_RETENTION_SECONDS.
 */
@Entity('alert_stream_events')
@Index('alert_stream_events_tenant_id_idx', ['tenantId', 'id'])
@Index('alert_stream_events_created_at_idx', ['createdAt'])
export class AlertStreamEventEntity {
  /** Written under a per-tenant lock, so a tenant's events commit in the order of their ids. */
  @PrimaryGeneratedColumn('increment', { type: 'bigint' })
  id!: string;

  @Column('uuid', { name: 'tenant_id' })
  tenantId!: string;

  @Column('text')
  type!: string;

  /** The alert as the event carried it (ids and a message, as on the live stream). */
  @Column('jsonb')
  alert!: Record<string, unknown>;

  /** alert.transferred: the unit the alert left. */
  @Column('text', { name: 'from_unit_id', nullable: true })
  fromUnitId!: string | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz', precision: 3 })
  createdAt!: Date;
}
