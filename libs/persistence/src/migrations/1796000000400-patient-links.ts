import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Outpatients: a patient's monitoring mode, patient links (the patient's own revocable,
 * expiring token) and who reported each recorded dose (a nurse's key or the patient's link).
 */
export class PatientLinks1796000000400 implements MigrationInterface {
  name = 'PatientLinks1796000000400';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
            ALTER TABLE "patients" ADD "monitoring" text NOT NULL DEFAULT 'supervised'
        `);
    await queryRunner.query(`
            ALTER TABLE "patients" ADD CONSTRAINT "patients_monitoring_check"
                CHECK (monitoring IN ('supervised', 'outpatient'))
        `);
    await queryRunner.query(`
            ALTER TABLE "doses" ADD "reported_via" text
        `);
    await queryRunner.query(`
            ALTER TABLE "doses" ADD CONSTRAINT "doses_reported_via_check"
                CHECK (reported_via IS NULL OR reported_via IN ('staff', 'patient'))
        `);
    // Every recording so far came through a staff key.
    await queryRunner.query(`
            UPDATE "doses" SET "reported_via" = 'staff' WHERE "recorded_outcome" IS NOT NULL
        `);
    await queryRunner.query(`
            CREATE TABLE "patient_links" (
                "id" uuid NOT NULL,
                "tenant_id" uuid NOT NULL,
                "patient_id" uuid NOT NULL,
                "token_hash" text NOT NULL,
                "created_by" uuid NOT NULL,
                "created_at" TIMESTAMP(3) WITH TIME ZONE NOT NULL DEFAULT now(),
                "expires_at" TIMESTAMP(3) WITH TIME ZONE NOT NULL,
                "revoked_at" TIMESTAMP(3) WITH TIME ZONE,
                CONSTRAINT "PK_a64dce30883bdb7f296e7d8f414" PRIMARY KEY ("id")
            )
        `);
    await queryRunner.query(`
            CREATE UNIQUE INDEX "patient_links_token_hash_key" ON "patient_links" ("token_hash")
        `);
    await queryRunner.query(`
            CREATE INDEX "patient_links_patient_idx" ON "patient_links" ("tenant_id", "patient_id")
        `);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "patient_links"`);
    await queryRunner.query(`ALTER TABLE "doses" DROP CONSTRAINT "doses_reported_via_check"`);
    await queryRunner.query(`ALTER TABLE "doses" DROP COLUMN "reported_via"`);
    await queryRunner.query(`ALTER TABLE "patients" DROP CONSTRAINT "patients_monitoring_check"`);
    await queryRunner.query(`ALTER TABLE "patients" DROP COLUMN "monitoring"`);
  }
}
