import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Idempotency-Keys belong to the API key that sent them and expire; escalation policies keep a
 * rotated-out webhook secret until its overlap ends. Stored answers written before this could
 * hold a new API key or a patient link's token in clear and name no caller to scope them to, so
 * they are deleted (a retry of such a request runs again). Webhook secrets are encrypted at
 * start, not here: a migration has no business holding the encryption key.
 */
export class SecretsAtRest1797000000300 implements MigrationInterface {
  name = 'SecretsAtRest1797000000300';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DELETE FROM "idempotency_keys"`);
    await queryRunner.query(
      `ALTER TABLE "idempotency_keys" DROP CONSTRAINT "PK_b5c6db50392003e35d51ef7aba7"`,
    );
    await queryRunner.query(`
            ALTER TABLE "idempotency_keys"
                ADD "api_key_id" uuid NOT NULL,
                ADD "expires_at" TIMESTAMP(3) WITH TIME ZONE NOT NULL,
                ADD CONSTRAINT "PK_913ded668c974d019eb0196e639" PRIMARY KEY ("api_key_id", "key")
        `);
    await queryRunner.query(
      `CREATE INDEX "idempotency_keys_expires_at_idx" ON "idempotency_keys" ("expires_at")`,
    );
    await queryRunner.query(`
            ALTER TABLE "escalation_policies"
                ADD "previous_webhook_secret" text,
                ADD "previous_secret_expires_at" TIMESTAMP(3) WITH TIME ZONE
        `);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
            ALTER TABLE "escalation_policies"
                DROP COLUMN "previous_secret_expires_at",
                DROP COLUMN "previous_webhook_secret"
        `);
    await queryRunner.query(`DELETE FROM "idempotency_keys"`);
    await queryRunner.query(`DROP INDEX "idempotency_keys_expires_at_idx"`);
    await queryRunner.query(
      `ALTER TABLE "idempotency_keys" DROP CONSTRAINT "PK_913ded668c974d019eb0196e639"`,
    );
    await queryRunner.query(`
            ALTER TABLE "idempotency_keys"
                DROP COLUMN "expires_at",
                DROP COLUMN "api_key_id",
                ADD CONSTRAINT "PK_b5c6db50392003e35d51ef7aba7" PRIMARY KEY ("tenant_id", "key")
        `);
  }
}
