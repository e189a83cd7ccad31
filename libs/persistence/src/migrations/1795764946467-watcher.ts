import { MigrationInterface, QueryRunner } from 'typeorm';

export class Watcher1795764946467 implements MigrationInterface {
  name = 'Watcher1795764946467';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
            ALTER TABLE "doses"
            ADD "missed_after" TIMESTAMP(3) WITH TIME ZONE
        `);
    await queryRunner.query(`
            ALTER TABLE "doses"
            ADD "check_queued" boolean NOT NULL DEFAULT false
        `);
    await queryRunner.query(`
            ALTER TABLE "doses"
            ADD "missed_at" TIMESTAMP(3) WITH TIME ZONE
        `);
    await queryRunner.query(`
            ALTER TABLE "doses"
            ADD "recorded_outcome" text
        `);
    await queryRunner.query(`
            ALTER TABLE "doses"
            ADD "timeliness" text
        `);
    await queryRunner.query(`
            ALTER TABLE "doses"
            ADD "minutes_from_due" integer
        `);
    await queryRunner.query(`
            ALTER TABLE "doses"
            ADD "given_mg" numeric(10, 3)
        `);
    await queryRunner.query(`
            CREATE INDEX "doses_unarmed_idx" ON "doses" ("due_at")
            WHERE status = 'scheduled'
                AND missed_after IS NULL
        `);
    await queryRunner.query(`
            CREATE INDEX "doses_pending_missed_after_idx" ON "doses" ("missed_after")
            WHERE status = 'scheduled'
        `);
    await queryRunner.query(`
            ALTER TABLE "doses"
            ADD CONSTRAINT "doses_recorded_outcome_check" CHECK (
                    recorded_outcome IS NULL
                    OR recorded_outcome IN ('given', 'held', 'refused', 'not_given')
                )
        `);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
            ALTER TABLE "doses" DROP CONSTRAINT "doses_recorded_outcome_check"
        `);
    await queryRunner.query(`
            DROP INDEX "public"."doses_pending_missed_after_idx"
        `);
    await queryRunner.query(`
            DROP INDEX "public"."doses_unarmed_idx"
        `);
    await queryRunner.query(`
            ALTER TABLE "doses" DROP COLUMN "given_mg"
        `);
    await queryRunner.query(`
            ALTER TABLE "doses" DROP COLUMN "minutes_from_due"
        `);
    await queryRunner.query(`
            ALTER TABLE "doses" DROP COLUMN "timeliness"
        `);
    await queryRunner.query(`
            ALTER TABLE "doses" DROP COLUMN "recorded_outcome"
        `);
    await queryRunner.query(`
            ALTER TABLE "doses" DROP COLUMN "missed_at"
        `);
    await queryRunner.query(`
            ALTER TABLE "doses" DROP COLUMN "check_queued"
        `);
    await queryRunner.query(`
            ALTER TABLE "doses" DROP COLUMN "missed_after"
        `);
  }
}
