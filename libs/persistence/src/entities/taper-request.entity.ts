import {
  Check,
  Column,
  CreateDateColumn,
  Entity,
  Index,
  PrimaryColumn,
  UpdateDateColumn,
} from 'typeorm';

export const TAPER_REQUEST_STATUSES = [
  'queued',
  'planning',
  'planned',
  'rejected',
  'failed',
] as const;
export type TaperRequestStatus = (typeof TAPER_REQUEST_STATUSES)[number];

export interface StoredProblem {
  code: string;
  message: string;
  field?: string;
}

@Entity('taper_requests')
@Check(
  'taper_requests_status_check',
  `status IN ('queued', 'planning', 'planned', 'rejected', 'failed')`,
)
@Index('taper_requests_tenant_patient_idx', ['tenantId', 'patientId'])
@Index('taper_requests_queued_idx', ['updatedAt', 'id'], { where: "status = 'queued'" })
export class TaperRequestEntity {
  @PrimaryColumn('uuid')
  id!: string;

  @Column('uuid', { name: 'tenant_id' })
  tenantId!: string;

  @Column('uuid', { name: 'patient_id' })
  patientId!: string;

  @Column('text', { name: 'drug_code' })
  drugCode!: string;

  /** The request body as accepted (validated), replayed to the planner by the worker. */
  @Column('jsonb')
  body!: Record<string, unknown>;

  @Column('text', { default: 'queued' })
  status!: TaperRequestStatus;

  @Column('uuid', { name: 'plan_id', nullable: true })
  planId!: string | null;

  @Column('jsonb', { nullable: true })
  problems!: StoredProblem[] | null;

  /** Planning attempts that reached Postgres: bounded, then the request ends failed. */
  @Column('integer', { default: 0 })
  attempts!: number;

  @Column('uuid', { name: 'created_by' })
  createdBy!: string;

  /** Correlates the worker's log lines with the HTTP request that asked for the plan. */
  @Column('text', { name: 'correlation_id', nullable: true })
  correlationId!: string | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz', precision: 3 })
  createdAt!: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz', precision: 3 })
  updatedAt!: Date;
}
