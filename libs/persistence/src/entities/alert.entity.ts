import {
  Check,
  Column,
  CreateDateColumn,
  Entity,
  Index,
  PrimaryColumn,
  UpdateDateColumn,
} from 'typeorm';

export const ALERT_TYPES = [
  'missed_dose',
  'abrupt_cessation_risk',
  'withdrawal_symptoms',
  'no_contact',
  'supply_low',
] as const;
export type AlertType = (typeof ALERT_TYPES)[number];
export const ALERT_STATUSES = ['open', 'acknowledged', 'resolved'] as const;
export type AlertStatus = (typeof ALERT_STATUSES)[number];
export type AlertSeverity = 'info' | 'warning' | 'critical';

@Entity('alerts')
@Check(
  'alerts_type_check',
  `type IN ('missed_dose', 'abrupt_cessation_risk', 'withdrawal_symptoms', 'no_contact', 'supply_low')`,
)
@Check('alerts_status_check', `status IN ('open', 'acknowledged', 'resolved')`)
@Check('alerts_severity_check', `severity IN ('info', 'warning', 'critical')`)
// One live alert per dedup key (plan + type): unique only until it is resolved.
@Index('alerts_live_dedup_key', ['dedupKey'], { unique: true, where: `status <> 'resolved'` })
@Index('alerts_tenant_unit_created_idx', ['tenantId', 'unitId', 'createdAt'])
// A unit's open or acknowledged alerts without reading its resolved ones (decision 0039).
@Index('alerts_live_unit_created_idx', ['tenantId', 'unitId', 'createdAt', 'id'], {
  where: `status <> 'resolved'`,
})
@Index('alerts_plan_idx', ['planId'])
export class AlertEntity {
  @PrimaryColumn('uuid')
  id!: string;

  @Column('uuid', { name: 'tenant_id' })
  tenantId!: string;

  @Column('text')
  type!: AlertType;

  @Column('text')
  severity!: AlertSeverity;

  @Column('text', { default: 'open' })
  status!: AlertStatus;

  @Column('uuid', { name: 'patient_id' })
  patientId!: string;

  @Column('uuid', { name: 'plan_id' })
  planId!: string;

  @Column('text', { name: 'unit_id' })
  unitId!: string;

  @Column('uuid', { name: 'dose_ids', array: true, default: () => "'{}'" })
  doseIds!: string[];

  @Column('integer', { default: 0 })
  level!: number;

  @Column('text')
  message!: string;

  @Column('text', { name: 'dedup_key' })
  dedupKey!: string;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz', precision: 3 })
  createdAt!: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz', precision: 3 })
  updatedAt!: Date;

  @Column('timestamptz', { name: 'acknowledged_at', nullable: true })
  acknowledgedAt!: Date | null;

  @Column('uuid', { name: 'acknowledged_by', nullable: true })
  acknowledgedBy!: string | null;

  @Column('timestamptz', { name: 'resolved_at', nullable: true })
  resolvedAt!: Date | null;

  @Column('uuid', { name: 'resolved_by', nullable: true })
  resolvedBy!: string | null;

  @Column('text', { name: 'resolution_note', nullable: true })
  resolutionNote!: string | null;
}
