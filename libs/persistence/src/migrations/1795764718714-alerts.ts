import { MigrationInterface, QueryRunner } from 'typeorm';

export class Alerts1795764718714 implements MigrationInterface {
  name = 'Alerts1795764718714';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
            CREATE TABLE "alerts" (
                "id" uuid NOT NULL,
                "tenant_id" uuid NOT NULL,
                "type" text NOT NULL,
                "severity" text NOT NULL,
                "status" text NOT NULL DEFAULT 'open',
                "patient_id" uuid NOT NULL,
                "plan_id" uuid NOT NULL,
                "unit_id" text NOT NULL,
                "dose_ids" uuid array NOT NULL DEFAULT '{}',
                "level" integer NOT NULL DEFAULT '0',
                "message" text NOT NULL,
                "dedup_key" text NOT NULL,
                "created_at" TIMESTAMP(3) WITH TIME ZONE NOT NULL DEFAULT now(),
                "updated_at" TIMESTAMP(3) WITH TIME ZONE NOT NULL DEFAULT now(),
                "acknowledged_at" TIMESTAMP WITH TIME ZONE,
                "acknowledged_by" uuid,
                "resolved_at" TIMESTAMP WITH TIME ZONE,
                "resolved_by" uuid,
                "resolution_note" text,
                CONSTRAINT "alerts_severity_check" CHECK (severity IN ('info', 'warning', 'critical')),
                CONSTRAINT "alerts_status_check" CHECK (status IN ('open', 'acknowledged', 'resolved')),
                CONSTRAINT "alerts_type_check" CHECK (
                    type IN (
                        'missed_dose',
                        'abrupt_cessation_risk',
                        'withdrawal_symptoms'
                    )
                ),
                CONSTRAINT "PK_60f895662df096bfcdfab7f4b96" PRIMARY KEY ("id")
            )
        `);
    await queryRunner.query(`
            CREATE INDEX "alerts_plan_idx" ON "alerts" ("plan_id")
        `);
    await queryRunner.query(`
            CREATE INDEX "alerts_tenant_unit_created_idx" ON "alerts" ("tenant_id", "unit_id", "created_at")
        `);
    await queryRunner.query(`
            CREATE UNIQUE INDEX "alerts_live_dedup_key" ON "alerts" ("dedup_key")
            WHERE status <> 'resolved'
        `);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
            DROP INDEX "public"."alerts_live_dedup_key"
        `);
    await queryRunner.query(`
            DROP INDEX "public"."alerts_tenant_unit_created_idx"
        `);
    await queryRunner.query(`
            DROP INDEX "public"."alerts_plan_idx"
        `);
    await queryRunner.query(`
            DROP TABLE "alerts"
        `);
  }
}
