import { MigrationInterface, QueryRunner } from 'typeorm';

export class Initial1795762671249 implements MigrationInterface {
  name = 'Initial1795762671249';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "api_keys" ("id" uuid NOT NULL, "tenant_id" uuid NOT NULL, "name" text NOT NULL, "role" text NOT NULL, "unit_ids" text array NOT NULL DEFAULT '{}', "key_hash" text NOT NULL, "created_at" TIMESTAMP(3) WITH TIME ZONE NOT NULL DEFAULT now(), "revoked_at" TIMESTAMP WITH TIME ZONE, CONSTRAINT "api_keys_role_check" CHECK (role IN ('admin', 'prescriber', 'nurse', 'service')), CONSTRAINT "PK_5c8a79801b44bd27b79228e1dad" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(
      `CREATE UNIQUE INDEX "api_keys_key_hash_key" ON "api_keys"  ("key_hash") `,
    );
    await queryRunner.query(
      `CREATE TABLE "idempotency_keys" ("tenant_id" uuid NOT NULL, "key" text NOT NULL, "method" text NOT NULL, "path" text NOT NULL, "request_hash" text NOT NULL, "response_status" integer, "response_body" jsonb, "response_headers" jsonb, "created_at" TIMESTAMP(3) WITH TIME ZONE NOT NULL DEFAULT now(), "completed_at" TIMESTAMP WITH TIME ZONE, CONSTRAINT "PK_b5c6db50392003e35d51ef7aba7" PRIMARY KEY ("tenant_id", "key"))`,
    );
    await queryRunner.query(
      `CREATE TABLE "patients" ("id" uuid NOT NULL, "tenant_id" uuid NOT NULL, "external_id" text NOT NULL, "unit_id" text NOT NULL, "timezone" text NOT NULL DEFAULT 'UTC', "birth_date" date, "creatinine_clearance_ml_min" numeric(6,1), "created_at" TIMESTAMP(3) WITH TIME ZONE NOT NULL DEFAULT now(), "updated_at" TIMESTAMP(3) WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_a7f0b9fcbb3469d5ec0b0aceaa7" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(
      `CREATE INDEX "patients_tenant_unit_idx" ON "patients"  ("tenant_id", "unit_id") `,
    );
    await queryRunner.query(
      `CREATE UNIQUE INDEX "patients_tenant_external_id_key" ON "patients"  ("tenant_id", "external_id") `,
    );
    await queryRunner.query(
      `CREATE TABLE "plans" ("id" uuid NOT NULL, "tenant_id" uuid NOT NULL, "request_id" uuid NOT NULL, "patient_id" uuid NOT NULL, "drug_code" text NOT NULL, "version" integer NOT NULL DEFAULT '1', "status" text NOT NULL DEFAULT 'proposed', "strategy" text NOT NULL, "start_date" date NOT NULL, "end_date" date NOT NULL, "start_daily_dose_mg" numeric(10,3) NOT NULL, "target_daily_dose_mg" numeric(10,3) NOT NULL, "steps" jsonb NOT NULL, "warnings" jsonb NOT NULL DEFAULT '[]', "rationale" jsonb NOT NULL DEFAULT '[]', "created_at" TIMESTAMP(3) WITH TIME ZONE NOT NULL DEFAULT now(), "approved_at" TIMESTAMP WITH TIME ZONE, "approved_by" uuid, CONSTRAINT "plans_status_check" CHECK (status IN ('proposed', 'active', 'paused', 'completed', 'cancelled', 'superseded')), CONSTRAINT "PK_3720521a81c7c24fe9b7202ba61" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(
      `CREATE UNIQUE INDEX "plans_request_id_key" ON "plans"  ("request_id") `,
    );
    await queryRunner.query(
      `CREATE INDEX "plans_tenant_patient_idx" ON "plans"  ("tenant_id", "patient_id", "created_at") `,
    );
    await queryRunner.query(
      `CREATE TABLE "taper_requests" ("id" uuid NOT NULL, "tenant_id" uuid NOT NULL, "patient_id" uuid NOT NULL, "drug_code" text NOT NULL, "body" jsonb NOT NULL, "status" text NOT NULL DEFAULT 'queued', "plan_id" uuid, "problems" jsonb, "created_by" uuid NOT NULL, "correlation_id" text, "created_at" TIMESTAMP(3) WITH TIME ZONE NOT NULL DEFAULT now(), "updated_at" TIMESTAMP(3) WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "taper_requests_status_check" CHECK (status IN ('queued', 'planning', 'planned', 'rejected', 'failed')), CONSTRAINT "PK_27445a0cb32319ed6270bef6b97" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(
      `CREATE INDEX "taper_requests_tenant_patient_idx" ON "taper_requests"  ("tenant_id", "patient_id") `,
    );
    await queryRunner.query(
      `CREATE TABLE "tenants" ("id" uuid NOT NULL, "name" text NOT NULL, "created_at" TIMESTAMP(3) WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_53be67a04681c66b87ee27c9321" PRIMARY KEY ("id"))`,
    );
    // The tenant BOOTSTRAP_ADMIN_KEY belongs to (DEFAULT_TENANT_ID).
    await queryRunner.query(
      `INSERT INTO "tenants" ("id", "name") VALUES ('00000000-0000-4000-8000-000000000001', 'default')`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "tenants"`);
    await queryRunner.query(`DROP INDEX "public"."taper_requests_tenant_patient_idx"`);
    await queryRunner.query(`DROP TABLE "taper_requests"`);
    await queryRunner.query(`DROP INDEX "public"."plans_tenant_patient_idx"`);
    await queryRunner.query(`DROP INDEX "public"."plans_request_id_key"`);
    await queryRunner.query(`DROP TABLE "plans"`);
    await queryRunner.query(`DROP INDEX "public"."patients_tenant_external_id_key"`);
    await queryRunner.query(`DROP INDEX "public"."patients_tenant_unit_idx"`);
    await queryRunner.query(`DROP TABLE "patients"`);
    await queryRunner.query(`DROP TABLE "idempotency_keys"`);
    await queryRunner.query(`DROP INDEX "public"."api_keys_key_hash_key"`);
    await queryRunner.query(`DROP TABLE "api_keys"`);
  }
}
