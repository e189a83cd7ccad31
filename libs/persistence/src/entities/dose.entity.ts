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

/** One scheduled administration of a plan at an instant; recordings change its status. */
@Entity('doses')
@Check(
  'doses_status_check',
  `status IN ('scheduled', 'given', 'held', 'refused', 'missed', 'cancelled')`,
)
// Re-running the horizon (or two workers running it) never writes a dose twice.
@Index('doses_plan_due_key', ['planId', 'dueAt'], { unique: true })
@Index('doses_patient_due_idx', ['patientId', 'dueAt'])
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

  @Column('numeric', { name: 'dose_mg', precision: 10, scale: 3, transformer: numericToNumber })
  doseMg!: number;

  @Column('text', { default: 'scheduled' })
  status!: DoseStatus;

  @Column({ type: 'timestamptz', name: 'administered_at', precision: 3, nullable: true })
  administeredAt!: Date | null;

  @Column('uuid', { name: 'recorded_by', nullable: true })
  recordedBy!: string | null;

  @Column('text', { nullable: true })
  note!: string | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz', precision: 3 })
  createdAt!: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz', precision: 3 })
  updatedAt!: Date;
}
