import { MigrationInterface, QueryRunner } from 'typeorm';

export class PlansInForce1795764692194 implements MigrationInterface {
  name = 'PlansInForce1795764692194';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
            DROP INDEX "public"."plans_request_id_key"
        `);
    await queryRunner.query(`
            CREATE TABLE "doses" (
                "id" uuid NOT NULL,
                "tenant_id" uuid NOT NULL,
                "plan_id" uuid NOT NULL,
                "patient_id" uuid NOT NULL,
                "step_index" integer NOT NULL,
                "due_at" TIMESTAMP(3) WITH TIME ZONE NOT NULL,
                "dose_mg" numeric(10, 3) NOT NULL,
                "status" text NOT NULL DEFAULT 'scheduled',
                "administered_at" TIMESTAMP(3) WITH TIME ZONE,
                "recorded_by" uuid,
                "note" text,
                "created_at" TIMESTAMP(3) WITH TIME ZONE NOT NULL DEFAULT now(),
                "updated_at" TIMESTAMP(3) WITH TIME ZONE NOT NULL DEFAULT now(),
                CONSTRAINT "doses_status_check" CHECK (
                    status IN (
                        'scheduled',
                        'given',
                        'held',
                        'refused',
                        'missed',
                        'cancelled'
                    )
                ),
                CONSTRAINT "PK_6bb26e98368b4b9690980e7b7d1" PRIMARY KEY ("id")
            )
        `);
    await queryRunner.query(`
            CREATE INDEX "doses_patient_due_idx" ON "doses" ("patient_id", "due_at")
        `);
    await queryRunner.query(`
            CREATE UNIQUE INDEX "doses_plan_due_key" ON "doses" ("plan_id", "due_at")
        `);
    await queryRunner.query(`
            CREATE TABLE "plan_transitions" (
                "id" uuid NOT NULL,
                "tenant_id" uuid NOT NULL,
                "plan_id" uuid NOT NULL,
                "action" text NOT NULL,
                "from_status" text,
                "to_status" text NOT NULL,
                "reason" text,
                "actor_key_id" uuid,
                "details" jsonb,
                "created_at" TIMESTAMP(3) WITH TIME ZONE NOT NULL DEFAULT now(),
                CONSTRAINT "PK_f251ff9f657b52bce7323d9f325" PRIMARY KEY ("id")
            )
        `);
    await queryRunner.query(`
            CREATE INDEX "plan_transitions_plan_idx" ON "plan_transitions" ("plan_id", "created_at")
        `);
    await queryRunner.query(`
            CREATE TABLE "symptom_checks" (
                "id" uuid NOT NULL,
                "tenant_id" uuid NOT NULL,
                "plan_id" uuid NOT NULL,
                "patient_id" uuid NOT NULL,
                "scale" text NOT NULL,
                "score" numeric(8, 2) NOT NULL,
                "observed_at" TIMESTAMP(3) WITH TIME ZONE NOT NULL,
                "note" text,
                "band" text,
                "threshold" numeric(8, 2),
                "at_or_above_threshold" boolean,
                "revision_plan_id" uuid,
                "recorded_by" uuid NOT NULL,
                "created_at" TIMESTAMP(3) WITH TIME ZONE NOT NULL DEFAULT now(),
                CONSTRAINT "symptom_checks_scale_check" CHECK (scale IN ('CIWA-B', 'COWS', 'generic')),
                CONSTRAINT "PK_2ad61c274b1cc294e4fb7980235" PRIMARY KEY ("id")
            )
        `);
    await queryRunner.query(`
            CREATE INDEX "symptom_checks_plan_idx" ON "symptom_checks" ("plan_id", "observed_at")
        `);
    await queryRunner.query(`
            ALTER TABLE "plans"
            ADD "parent_plan_id" uuid
        `);
    await queryRunner.query(`
            ALTER TABLE "plans"
            ADD "paused_at" TIMESTAMP(3) WITH TIME ZONE
        `);
    await queryRunner.query(`
            ALTER TABLE "plans"
            ADD "doses_until" TIMESTAMP(3) WITH TIME ZONE
        `);
    await queryRunner.query(`
            CREATE INDEX "plans_in_force_horizon_idx" ON "plans" ("doses_until")
            WHERE status IN ('active', 'paused')
        `);
    await queryRunner.query(`
            CREATE UNIQUE INDEX "plans_request_version_key" ON "plans" ("request_id", "version")
        `);
    await queryRunner.query(`
            CREATE UNIQUE INDEX "plans_one_in_force_key" ON "plans" ("patient_id", "drug_code")
            WHERE status IN ('active', 'paused')
        `);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
            DROP INDEX "public"."plans_one_in_force_key"
        `);
    await queryRunner.query(`
            DROP INDEX "public"."plans_request_version_key"
        `);
    await queryRunner.query(`
            DROP INDEX "public"."plans_in_force_horizon_idx"
        `);
    await queryRunner.query(`
            ALTER TABLE "plans" DROP COLUMN "doses_until"
        `);
    await queryRunner.query(`
            ALTER TABLE "plans" DROP COLUMN "paused_at"
        `);
    await queryRunner.query(`
            ALTER TABLE "plans" DROP COLUMN "parent_plan_id"
        `);
    await queryRunner.query(`
            DROP INDEX "public"."symptom_checks_plan_idx"
        `);
    await queryRunner.query(`
            DROP TABLE "symptom_checks"
        `);
    await queryRunner.query(`
            DROP INDEX "public"."plan_transitions_plan_idx"
        `);
    await queryRunner.query(`
            DROP TABLE "plan_transitions"
        `);
    await queryRunner.query(`
            DROP INDEX "public"."doses_plan_due_key"
        `);
    await queryRunner.query(`
            DROP INDEX "public"."doses_patient_due_idx"
        `);
    await queryRunner.query(`
            DROP TABLE "doses"
        `);
    await queryRunner.query(`
            CREATE UNIQUE INDEX "plans_request_id_key" ON "plans" USING btree ("request_id")
        `);
  }
}
