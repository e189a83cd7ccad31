import { MigrationInterface, QueryRunner } from 'typeorm';

/** CDS Hooks: each hook call's answer (idempotent on hookInstance) and the EHR's feedback. */
export class CdsHooks1797000000700 implements MigrationInterface {
  name = 'CdsHooks1797000000700';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "cds_hook_answers" ("issuer" text NOT NULL, "hook_instance" uuid NOT NULL, "tenant_id" uuid NOT NULL, "service_id" text NOT NULL, "taper_request_ids" uuid array NOT NULL DEFAULT '{}', "cards" jsonb, "created_at" TIMESTAMP(3) WITH TIME ZONE NOT NULL, CONSTRAINT "PK_cds_hook_answers" PRIMARY KEY ("issuer", "hook_instance"))`,
    );
    await queryRunner.query(
      `CREATE TABLE "cds_hook_feedback" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "tenant_id" uuid NOT NULL, "issuer" text NOT NULL, "service_id" text NOT NULL, "card_uuid" uuid NOT NULL, "outcome" text NOT NULL, "accepted_suggestions" jsonb, "override_reason" jsonb, "outcome_at" TIMESTAMP(3) WITH TIME ZONE NOT NULL, "recorded_by" uuid NOT NULL, "received_at" TIMESTAMP(3) WITH TIME ZONE NOT NULL, CONSTRAINT "cds_hook_feedback_outcome_check" CHECK (outcome IN ('accepted', 'overridden')), CONSTRAINT "PK_cds_hook_feedback" PRIMARY KEY ("id"))`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "cds_hook_feedback"`);
    await queryRunner.query(`DROP TABLE "cds_hook_answers"`);
  }
}
