import { Check, Column, CreateDateColumn, Entity, Index, PrimaryColumn } from 'typeorm';
import { numericToNumber } from './transformers';

export const DISPENSING_FORMS = ['tablet', 'liquid'] as const;
export type DispensingForm = (typeof DISPENSING_FORMS)[number];

/** What a pharmacy handed a patient: one drug in one form and strength, and how much. */
@Entity('dispensings')
@Check('dispensings_form_check', `form IN ('tablet', 'liquid')`)
@Check('dispensings_quantity_check', `quantity > 0 AND strength_mg > 0`)
@Index('dispensings_patient_drug_idx', ['patientId', 'drugCode', 'dispensedAt'])
// A MedicationDispense sent twice must not count twice: that would overstate the supply.
@Index('dispensings_fhir_id_key', ['tenantId', 'fhirId'], {
  unique: true,
  where: `fhir_id IS NOT NULL`,
})
export class DispensingEntity {
  @PrimaryColumn('uuid')
  id!: string;

  @Column('uuid', { name: 'tenant_id' })
  tenantId!: string;

  @Column('uuid', { name: 'patient_id' })
  patientId!: string;

  @Column('text', { name: 'drug_code' })
  drugCode!: string;

  @Column('text')
  form!: DispensingForm;

  /** mg per tablet, or for a liquid mg per mL. */
  @Column('numeric', { name: 'strength_mg', precision: 12, scale: 3, transformer: numericToNumber })
  strengthMg!: number;

  /** Tablets, or mL of a liquid. */
  @Column('numeric', { precision: 12, scale: 3, transformer: numericToNumber })
  quantity!: number;

  @Column({ type: 'timestamptz', name: 'dispensed_at', precision: 3 })
  dispensedAt!: Date;

  /** The sender's MedicationDispense id when it came as FHIR. */
  @Column('text', { name: 'fhir_id', nullable: true })
  fhirId!: string | null;

  @Column('uuid', { name: 'recorded_by' })
  recordedBy!: string;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz', precision: 3 })
  createdAt!: Date;
}

/**
 * One supply alert raised for one run-out of one drug of a plan: the watch raises each at most
 * once per run-out, so an alert a clinician resolved stays resolved until the supply changes.
 */
@Entity('supply_alerts')
export class SupplyAlertEntity {
  @PrimaryColumn('uuid', { name: 'plan_id' })
  planId!: string;

  @PrimaryColumn('text', { name: 'drug_code' })
  drugCode!: string;

  @PrimaryColumn('text')
  type!: string;

  @PrimaryColumn({ type: 'timestamptz', name: 'runs_out_at', precision: 3 })
  runsOutAt!: Date;

  @Column('uuid', { name: 'alert_id' })
  alertId!: string;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz', precision: 3 })
  createdAt!: Date;
}
