import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * API keys can expire, remember when they were last used (written at most once a minute per key
 * by each API process) and which key created them, so admins can list and clean up keys.
 */
export class ApiKeyLifetimes1797000000400 implements MigrationInterface {
  name = 'ApiKeyLifetimes1797000000400';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "api_keys" ADD "expires_at" TIMESTAMP(3) WITH TIME ZONE`);
    await queryRunner.query(
      `ALTER TABLE "api_keys" ADD "last_used_at" TIMESTAMP(3) WITH TIME ZONE`,
    );
    await queryRunner.query(`ALTER TABLE "api_keys" ADD "created_by" uuid`);
    await queryRunner.query(
      `CREATE INDEX "api_keys_tenant_created_idx" ON "api_keys" ("tenant_id", "created_at", "id")`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX "public"."api_keys_tenant_created_idx"`);
    await queryRunner.query(`ALTER TABLE "api_keys" DROP COLUMN "created_by"`);
    await queryRunner.query(`ALTER TABLE "api_keys" DROP COLUMN "last_used_at"`);
    await queryRunner.query(`ALTER TABLE "api_keys" DROP COLUMN "expires_at"`);
  }
}
