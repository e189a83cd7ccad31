import { Check, Column, CreateDateColumn, Entity, Index, PrimaryColumn } from 'typeorm';
import { numericToNumber } from './transformers';

/** What a symptom check's alert says, kept on the check until it is raised. */
export interface PendingSymptomAlert {
  severity: 'warning' | 'critical';
  message: string;
}

/** A withdrawal-symptom score recorded against a plan, with how it was judged. */
@Entity('symptom_checks')
@Check(
  'symptom_checks_scale_check',
  `scale IN ('CIWA-B', 'COWS', 'generic', 'baclofen-checklist', 'NEWS2')`,
)
@Index('symptom_checks_plan_idx', ['planId', 'observedAt'])
@Index('symptom_checks_pending_alert_idx', ['createdAt'], { where: 'pending_alert IS NOT NULL' })
export class SymptomCheckEntity {
  @PrimaryColumn('uuid')
  id!: string;

  @Column('uuid', { name: 'tenant_id' })
  tenantId!: string;

  @Column('uuid', { name: 'plan_id' })
  planId!: string;

  @Column('uuid', { name: 'patient_id' })
  patientId!: string;

  @Column('text')
  scale!: 'CIWA-B' | 'COWS' | 'generic' | 'baclofen-checklist' | 'NEWS2';

  /** A checklist's score is the number of items present. */
  @Column('numeric', { precision: 8, scale: 2, transformer: numericToNumber })
  score!: number;

  /** A checklist's items present (baclofen-checklist); null for a scored scale. */
  @Column('text', { array: true, nullable: true })
  items!: string[] | null;

  /** NEWS2: the highest score any one parameter got (0-3); null for other scales. */
  @Column('smallint', { name: 'highest_parameter_score', nullable: true })
  highestParameterScore!: number | null;

  @Column({ type: 'timestamptz', name: 'observed_at', precision: 3 })
  observedAt!: Date;

  @Column('text', { nullable: true })
  note!: string | null;

  /** COWS band; null for scales without sourced bands. */
  @Column('text', { nullable: true })
  band!: string | null;

  @Column('numeric', { precision: 8, scale: 2, nullable: true, transformer: numericToNumber })
  threshold!: number | null;

  @Column('boolean', { name: 'at_or_above_threshold', nullable: true })
  atOrAboveThreshold!: boolean | null;

  /** The hold revision this check proposed, if it did. */
  @Column('uuid', { name: 'revision_plan_id', nullable: true })
  revisionPlanId!: string | null;

  /** The alert this check owes and has not yet raised (severity and message); null once raised. */
  @Column('jsonb', { name: 'pending_alert', nullable: true })
  pendingAlert!: PendingSymptomAlert | null;

  @Column('uuid', { name: 'recorded_by' })
  recordedBy!: string;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz', precision: 3 })
  createdAt!: Date;
}
