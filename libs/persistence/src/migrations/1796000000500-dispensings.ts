import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Dispensings (what a pharmacy handed out), the supply watch's record of the alerts it raised per
 * run-out (so a resolved one is not raised again for the same run-out), and the pharmacist role.
 */
export class Dispensings1796000000500 implements MigrationInterface {
  name = 'Dispensings1796000000500';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
            CREATE TABLE "dispensings" (
                "id" uuid NOT NULL,
                "tenant_id" uuid NOT NULL,
                "patient_id" uuid NOT NULL,
                "drug_code" text NOT NULL,
                "form" text NOT NULL,
                "strength_mg" numeric(12, 3) NOT NULL,
                "quantity" numeric(12, 3) NOT NULL,
                "dispensed_at" TIMESTAMP(3) WITH TIME ZONE NOT NULL,
                "fhir_id" text,
                "recorded_by" uuid NOT NULL,
                "created_at" TIMESTAMP(3) WITH TIME ZONE NOT NULL DEFAULT now(),
                CONSTRAINT "dispensings_form_check" CHECK (form IN ('tablet', 'liquid')),
                CONSTRAINT "dispensings_quantity_check" CHECK (quantity > 0 AND strength_mg > 0),
                CONSTRAINT "PK_72fd19696bcd1486da44542afce" PRIMARY KEY ("id")
            )
        `);
    await queryRunner.query(`
            CREATE INDEX "dispensings_patient_drug_idx"
            ON "dispensings" ("patient_id", "drug_code", "dispensed_at")
        `);
    await queryRunner.query(`
            CREATE UNIQUE INDEX "dispensings_fhir_id_key"
            ON "dispensings" ("tenant_id", "fhir_id") WHERE fhir_id IS NOT NULL
        `);
    await queryRunner.query(`
            CREATE TABLE "supply_alerts" (
                "plan_id" uuid NOT NULL,
                "drug_code" text NOT NULL,
                "type" text NOT NULL,
                "runs_out_at" TIMESTAMP(3) WITH TIME ZONE NOT NULL,
                "alert_id" uuid NOT NULL,
                "created_at" TIMESTAMP(3) WITH TIME ZONE NOT NULL DEFAULT now(),
                CONSTRAINT "PK_44fd32edb9666b8c9c56c1792a6" PRIMARY KEY ("plan_id", "drug_code", "type", "runs_out_at")
            )
        `);
    await queryRunner.query(`ALTER TABLE "api_keys" DROP CONSTRAINT "api_keys_role_check"`);
    await queryRunner.query(`
            ALTER TABLE "api_keys" ADD CONSTRAINT "api_keys_role_check"
            CHECK (role IN ('admin', 'prescriber', 'nurse', 'service', 'pharmacist'))
        `);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "api_keys" DROP CONSTRAINT "api_keys_role_check"`);
    await queryRunner.query(`
            ALTER TABLE "api_keys" ADD CONSTRAINT "api_keys_role_check"
            CHECK (role IN ('admin', 'prescriber', 'nurse', 'service'))
        `);
    await queryRunner.query(`DROP TABLE "supply_alerts"`);
    await queryRunner.query(`DROP TABLE "dispensings"`);
  }
}
