import { Check, Column, Entity, PrimaryColumn, PrimaryGeneratedColumn } from 'typeorm';

/**
 * What the CDS Hooks service answered one hook call (one EHR `hookInstance`): a repeated call is
 * answered the same cards, and the taper request it created is never created twice.
 */
@Entity('cds_hook_answers')
export class CdsHookAnswerEntity {
  /** The EHR's JWT `iss`: hookInstance is unique only per EHR. */
  @PrimaryColumn('text', { primaryKeyConstraintName: 'PK_cds_hook_answers' })
  issuer!: string;

  @PrimaryColumn('uuid', { name: 'hook_instance', primaryKeyConstraintName: 'PK_cds_hook_answers' })
  hookInstance!: string;

  @Column('uuid', { name: 'tenant_id' })
  tenantId!: string;

  @Column('text', { name: 'service_id' })
  serviceId!: string;

  /** The taper requests the cards link to (none when the patient was unknown). */
  @Column('uuid', { name: 'taper_request_ids', array: true, default: () => "'{}'" })
  taperRequestIds!: string[];

  /** The `cards` array as answered; null while the first call is still answering. */
  @Column('jsonb', { nullable: true })
  cards!: unknown[] | null;

  @Column({ type: 'timestamptz', name: 'created_at', precision: 3 })
  createdAt!: Date;
}

/** What the prescriber did with a card, as the EHR reported it (CDS Hooks feedback). */
@Entity('cds_hook_feedback')
@Check('cds_hook_feedback_outcome_check', `outcome IN ('accepted', 'overridden')`)
export class CdsHookFeedbackEntity {
  @PrimaryGeneratedColumn('uuid', { primaryKeyConstraintName: 'PK_cds_hook_feedback' })
  id!: string;

  @Column('uuid', { name: 'tenant_id' })
  tenantId!: string;

  @Column('text')
  issuer!: string;

  @Column('text', { name: 'service_id' })
  serviceId!: string;

  @Column('uuid', { name: 'card_uuid' })
  cardUuid!: string;

  @Column('text')
  outcome!: 'accepted' | 'overridden';

  /** Suggestion uuids the prescriber accepted. */
  @Column('jsonb', { name: 'accepted_suggestions', nullable: true })
  acceptedSuggestions!: string[] | null;

  /** The override reason Coding and the prescriber's comment, as sent. */
  @Column('jsonb', { name: 'override_reason', nullable: true })
  overrideReason!: Record<string, unknown> | null;

  @Column({ type: 'timestamptz', name: 'outcome_at', precision: 3 })
  outcomeAt!: Date;

  /** The actors row of the EHR that reported it. */
  @Column('uuid', { name: 'recorded_by' })
  recordedBy!: string;

  @Column({ type: 'timestamptz', name: 'received_at', precision: 3 })
  receivedAt!: Date;
}
