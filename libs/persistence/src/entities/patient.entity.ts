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

export const MONITORING_MODES = ['supervised', 'outpatient'] as const;
/** supervised: a ward or clinic charts each dose; outpatient: the patient takes them at home. */
export type MonitoringMode = (typeof MONITORING_MODES)[number];

@Entity('patients')
@Check('patients_monitoring_check', `monitoring IN ('supervised', 'outpatient')`)
@Index('patients_tenant_external_id_key', ['tenantId', 'externalId'], { unique: true })
@Index('patients_tenant_unit_idx', ['tenantId', 'unitId'])
export class PatientEntity {
  @PrimaryColumn('uuid')
  id!: string;

  @Column('uuid', { name: 'tenant_id' })
  tenantId!: string;

  @Column('text', { name: 'external_id' })
  externalId!: string;

  @Column('text', { name: 'unit_id' })
  unitId!: string;

  @Column('text', { default: 'UTC' })
  timezone!: string;

  @Column('date', { name: 'birth_date', nullable: true })
  birthDate!: string | null;

  @Column('numeric', {
    name: 'creatinine_clearance_ml_min',
    precision: 6,
    scale: 1,
    nullable: true,
    transformer: numericToNumber,
  })
  creatinineClearanceMlMin!: number | null;

  @Column('text', { default: 'supervised' })
  monitoring!: MonitoringMode;

  /** Set by erasure: externalId and birthDate are gone; clinical rows stay as retention says. */
  @Column({ type: 'timestamptz', name: 'erased_at', precision: 3, nullable: true })
  erasedAt!: Date | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz', precision: 3 })
  createdAt!: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz', precision: 3 })
  updatedAt!: Date;
}
