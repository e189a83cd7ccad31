import { Check, Column, CreateDateColumn, Entity, Index, PrimaryColumn } from 'typeorm';
import { numericToNumber } from './transformers';

export const PLAN_STATUSES = [
  'proposed',
  'active',
  'paused',
  'completed',
  'cancelled',
  'superseded',
] as const;
export type PlanStatus = (typeof PLAN_STATUSES)[number];

@Entity('plans')
@Check(
  'plans_status_check',
  `status IN ('proposed', 'active', 'paused', 'completed', 'cancelled', 'superseded')`,
)
@Index('plans_tenant_patient_idx', ['tenantId', 'patientId', 'createdAt'])
export class PlanEntity {
  @PrimaryColumn('uuid')
  id!: string;

  @Column('uuid', { name: 'tenant_id' })
  tenantId!: string;

  /** One plan per request: the unique key is what stops two workers planning it twice. */
  @Index('plans_request_id_key', { unique: true })
  @Column('uuid', { name: 'request_id' })
  requestId!: string;

  @Column('uuid', { name: 'patient_id' })
  patientId!: string;

  @Column('text', { name: 'drug_code' })
  drugCode!: string;

  @Column('integer', { default: 1 })
  version!: number;

  @Column('text', { default: 'proposed' })
  status!: PlanStatus;

  @Column('text')
  strategy!: string;

  @Column('date', { name: 'start_date' })
  startDate!: string;

  @Column('date', { name: 'end_date' })
  endDate!: string;

  @Column('numeric', {
    name: 'start_daily_dose_mg',
    precision: 10,
    scale: 3,
    transformer: numericToNumber,
  })
  startDailyDoseMg!: number;

  @Column('numeric', {
    name: 'target_daily_dose_mg',
    precision: 10,
    scale: 3,
    transformer: numericToNumber,
  })
  targetDailyDoseMg!: number;

  @Column('jsonb')
  steps!: unknown[];

  @Column('jsonb', { default: () => "'[]'" })
  warnings!: unknown[];

  @Column('jsonb', { default: () => "'[]'" })
  rationale!: unknown[];

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz', precision: 3 })
  createdAt!: Date;

  @Column('timestamptz', { name: 'approved_at', nullable: true })
  approvedAt!: Date | null;

  @Column('uuid', { name: 'approved_by', nullable: true })
  approvedBy!: string | null;
}
