import { Column, CreateDateColumn, Entity, Index, PrimaryColumn } from 'typeorm';

/** Who moved a plan from which state to which, when and why: one row per transition. */
@Entity('plan_transitions')
@Index('plan_transitions_plan_idx', ['planId', 'createdAt'])
export class PlanTransitionEntity {
  @PrimaryColumn('uuid')
  id!: string;

  @Column('uuid', { name: 'tenant_id' })
  tenantId!: string;

  @Column('uuid', { name: 'plan_id' })
  planId!: string;

  /** approve, pause, resume, cancel, supersede, complete, or propose (a revision created). */
  @Column('text')
  action!: string;

  @Column('text', { name: 'from_status', nullable: true })
  fromStatus!: string | null;

  @Column('text', { name: 'to_status' })
  toStatus!: string;

  @Column('text', { nullable: true })
  reason!: string | null;

  /** The API key that acted; null for the system (the horizon job completing a plan). */
  @Column('uuid', { name: 'actor_key_id', nullable: true })
  actorKeyId!: string | null;

  /** Ids that explain the transition (the revision, the symptom check); never patient data. */
  @Column('jsonb', { nullable: true })
  details!: Record<string, unknown> | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz', precision: 3 })
  createdAt!: Date;
}
