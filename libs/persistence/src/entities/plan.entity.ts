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
// At most one plan in force per patient and drug: the second of two concurrent approvals fails here.
@Index('plans_one_in_force_key', ['patientId', 'drugCode'], {
  unique: true,
  where: "status IN ('active', 'paused')",
})
// Revisions share their request; versions count up per request.
@Index('plans_request_version_key', ['requestId', 'version'], { unique: true })
// The horizon job's scan: plans in force whose written doses end soonest.
@Index('plans_in_force_horizon_idx', ['dosesUntil'], { where: "status IN ('active', 'paused')" })
export class PlanEntity {
  @PrimaryColumn('uuid')
  id!: string;

  @Column('uuid', { name: 'tenant_id' })
  tenantId!: string;

  /** With version, unique: what stops two workers planning one request twice. */
  @Column('uuid', { name: 'request_id' })
  requestId!: string;

  @Column('uuid', { name: 'patient_id' })
  patientId!: string;

  @Column('text', { name: 'drug_code' })
  drugCode!: string;

  /**
   * Set when step dailyDoseMg (and start/target) count mg of another drug than drugCode: a switch
   * to diazepam totals diazepam equivalents. Null when they are mg of drugCode.
   */
  @Column('text', { name: 'equivalent_drug_code', nullable: true })
  equivalentDrugCode!: string | null;

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

  /** The most doses any step gives (administrationsPerDay): kept so hot SQL need not read steps. */
  @Column('integer', { name: 'doses_per_day' })
  dosesPerDay!: number;

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

  /** The version this one revises (null for a first version). */
  @Column('uuid', { name: 'parent_plan_id', nullable: true })
  parentPlanId!: string | null;

  /** Set while paused: the held step runs from here until resumed. */
  @Column({ type: 'timestamptz', name: 'paused_at', precision: 3, nullable: true })
  pausedAt!: Date | null;

  /** Approved after its start date: the start date it was planned for (steps then moved). */
  @Column('date', { name: 'reanchored_from', nullable: true })
  reanchoredFrom!: string | null;

  /** Days every step moved later when it was approved after its start date. */
  @Column('integer', { name: 'reanchored_by_days', nullable: true })
  reanchoredByDays!: number | null;

  /** Dose rows exist up to (not including) this instant; the horizon job moves it on. */
  @Column({ type: 'timestamptz', name: 'doses_until', precision: 3, nullable: true })
  dosesUntil!: Date | null;
}
