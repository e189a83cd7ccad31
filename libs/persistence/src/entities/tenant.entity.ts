import { Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';

/** The tenant that BOOTSTRAP_ADMIN_KEY belongs to; created by the first migration. */
export const DEFAULT_TENANT_ID = '00000000-0000-4000-8000-000000000001';

@Entity('tenants')
export class TenantEntity {
  @PrimaryColumn('uuid')
  id!: string;

  @Column('text')
  name!: string;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz', precision: 3 })
  createdAt!: Date;
}
