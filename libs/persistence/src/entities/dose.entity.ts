import {
  Check,
  Column,
  CreateDateColumn,
  Entity,
  Index,
  PrimaryColumn,
  UpdateDateColumn,
} from 'typeorm';
import { numericToNumber } from './transformers';

export const DOSE_STATUSES = [
  'scheduled',
  'given',
  'held',
  'refused',
  'missed',
  'cancelled',
] as const;
export type DoseStatus = (typeof DOSE_STATUSES)[number];
export const DOSE_OUTCOMES = ['given', 'held', 'refused', 'not_given'] as const;
export type DoseOutcome = (typeof DOSE_OUTCOMES)[number];
export const REPORTED_VIA = ['staff', 'patient'] as const;
/** Who recorded a dose: a staff API key, or the patient through their patient link. */
export type ReportedVia = (typeof REPORTED_VIA)[number];
/** The largest amount dose_mg and given_mg hold (numeric(10,3)). */
export const MAX_DOSE_MG = 9_999_999.999;

/** One scheduled administration of a plan at an instant; recordings change its status. */
@Entity('doses')
@Check(
  'doses_status_check',
  `status IN ('scheduled', 'given', 'held', 'refused', 'missed', 'cancelled')`,
)
// Re-running the horizon (or two workers running it) never writes a dose twice; two drugs due at
// one instant (a crossover's times in one DST gap) are two doses.
@Index('doses_plan_due_drug_key', ['planId', 'dueAt', 'drugCode'], { unique: true })
// The watcher's scans touch pending doses only: small partial indexes, however long the history.
@Index('doses_pending_missed_after_idx', ['missedAfter'], { where: "status = 'scheduled'" })
@Index('doses_judge_pending_idx', ['planId'], { where: 'judge_pending' })
@Index('doses_unarmed_idx', ['dueAt'], { where: "status = 'scheduled' AND missed_after IS NULL" })
@Check(
  'doses_recorded_outcome_check',
  `recorded_outcome IS NULL OR recorded_outcome IN ('given', 'held', 'refused', 'not_given')`,
)
@Check('doses_reported_via_check', `reported_via IS NULL OR reported_via IN ('staff', 'patient')`)
export class DoseEntity {
  @PrimaryColumn('uuid')
  id!: string;

  @Column('uuid', { name: 'tenant_id' })
  tenantId!: string;

  @Column('uuid', { name: 'plan_id' })
  planId!: string;

  @Column('uuid', { name: 'patient_id' })
  patientId!: string;

  @Column('integer', { name: 'step_index' })
  stepIndex!: number;

  @Column({ type: 'timestamptz', name: 'due_at', precision: 3 })
  dueAt!: Date;

  /** The drug given: the plan's drug, or in a switch the drug of this administration. */
  @Column('text', { name: 'drug_code' })
  drugCode!: string;

  /** mg of drugCode itself. */
  @Column('numeric', { name: 'dose_mg', precision: 10, scale: 3, transformer: numericToNumber })
  doseMg!: number;

  /**
   * This dose in the unit of the plan's daily totals: the diazepam equivalent in a switch
   * (plans.equivalent_drug_code), else equal to doseMg. For arithmetic, never shown as a dose.
   */
  @Column('numeric', {
    name: 'equivalent_mg',
    precision: 10,
    scale: 3,
    transformer: numericToNumber,
  })
  equivalentMg!: number;

  @Column('text', { default: 'scheduled' })
  status!: DoseStatus;

  @Column({ type: 'timestamptz', name: 'administered_at', precision: 3, nullable: true })
  administeredAt!: Date | null;

  @Column('uuid', { name: 'recorded_by', nullable: true })
  recordedBy!: string | null;

  @Column('text', { nullable: true })
  note!: string | null;

  /** Set with the recording: 'patient' when reported through a patient link (recorded_by is the link). */
  @Column('text', { name: 'reported_via', nullable: true })
  reportedVia!: ReportedVia | null;

  /** dueAt + grace: when an unrecorded dose becomes missed. Set when the watcher arms the dose. */
  @Column({ type: 'timestamptz', name: 'missed_after', precision: 3, nullable: true })
  missedAfter!: Date | null;

  /** A delayed check job was queued (the sweep catches it all the same if Redis loses it). */
  @Column('boolean', { name: 'check_queued', default: false })
  checkQueued!: boolean;

  /**
   * Marked missed or recorded not taken, and its plan not yet judged since: set by the statement
   * that wrote the fact, cleared once a judgement has seen it; the sweep judges what is left.
   */
  @Column('boolean', { name: 'judge_pending', default: false })
  judgePending!: boolean;

  @Column({ type: 'timestamptz', name: 'missed_at', precision: 3, nullable: true })
  missedAt!: Date | null;

  /** What the nurse recorded (not_given keeps status missed). */
  @Column('text', { name: 'recorded_outcome', nullable: true })
  recordedOutcome!: DoseOutcome | null;

  @Column('text', { nullable: true })
  timeliness!: 'on_time' | 'early' | 'late' | null;

  /** Minutes after dueAt the dose was given (negative when early). */
  @Column('integer', { name: 'minutes_from_due', nullable: true })
  minutesFromDue!: number | null;

  @Column('numeric', {
    name: 'given_mg',
    precision: 10,
    scale: 3,
    nullable: true,
    transformer: numericToNumber,
  })
  givenMg!: number | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz', precision: 3 })
  createdAt!: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz', precision: 3 })
  updatedAt!: Date;
}
