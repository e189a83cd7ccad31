import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The audit trail: an append-only, hash-chained table whose UPDATE, DELETE and TRUNCATE the
 * database itself refuses (for every role, the owner included, short of disabling the trigger as
 * a superuser), and the patients' erasure mark.
 */
export class AuditTrail1797000000500 implements MigrationInterface {
  name = 'AuditTrail1797000000500';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
            CREATE TABLE "audit_events" (
                "seq" bigint NOT NULL,
                "occurred_at" TIMESTAMP(3) WITH TIME ZONE NOT NULL,
                "tenant_id" uuid,
                "actor_key_id" uuid,
                "actor_link_id" uuid,
                "actor_person" text,
                "action" text NOT NULL,
                "resource_type" text NOT NULL,
                "resource_id" text,
                "method" text NOT NULL,
                "route" text NOT NULL,
                "outcome" smallint NOT NULL,
                "client_ip" text,
                "request_id" text NOT NULL,
                "prev_hash" text NOT NULL,
                "hash" text NOT NULL,
                CONSTRAINT "PK_6e299f5706e715265416fefe53e" PRIMARY KEY ("seq")
            )
        `);
    await queryRunner.query(
      `CREATE INDEX "audit_events_tenant_seq_idx" ON "audit_events" ("tenant_id", "seq")`,
    );
    await queryRunner.query(
      `CREATE INDEX "audit_events_resource_idx" ON "audit_events" ("tenant_id", "resource_type", "resource_id", "seq")`,
    );
    await queryRunner.query(`
            CREATE FUNCTION audit_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                RAISE EXCEPTION 'audit_events is append-only: % refused', TG_OP
                    USING ERRCODE = 'insufficient_privilege';
            END
            $$
        `);
    await queryRunner.query(`
            CREATE TRIGGER audit_events_append_only BEFORE UPDATE OR DELETE ON "audit_events"
            FOR EACH ROW EXECUTE FUNCTION audit_events_append_only()
        `);
    await queryRunner.query(`
            CREATE TRIGGER audit_events_no_truncate BEFORE TRUNCATE ON "audit_events"
            FOR EACH STATEMENT EXECUTE FUNCTION audit_events_append_only()
        `);
    // ALWAYS: session_replication_role = replica (which silences ordinary triggers) does not.
    await queryRunner.query(
      `ALTER TABLE "audit_events" ENABLE ALWAYS TRIGGER audit_events_append_only`,
    );
    await queryRunner.query(
      `ALTER TABLE "audit_events" ENABLE ALWAYS TRIGGER audit_events_no_truncate`,
    );
    await queryRunner.query(`ALTER TABLE "patients" ADD "erased_at" TIMESTAMP(3) WITH TIME ZONE`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "patients" DROP COLUMN "erased_at"`);
    await queryRunner.query(`DROP TABLE "audit_events"`);
    await queryRunner.query(`DROP FUNCTION audit_events_append_only()`);
  }
}
