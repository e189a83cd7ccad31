import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Duties written with the facts that create them (docs/decisions/0017): a dose marked missed or
 * recorded not taken carries `judge_pending` until its plan has been judged; a taper request
 * counts its planning attempts; a symptom check carries the alert it still owes.
 */
export class DurableDuties1797000000100 implements MigrationInterface {
  name = 'DurableDuties1797000000100';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
            ALTER TABLE "doses"
            ADD "judge_pending" boolean NOT NULL DEFAULT false
        `);
    await queryRunner.query(`
            CREATE INDEX "doses_judge_pending_idx" ON "doses" ("plan_id")
            WHERE judge_pending
        `);
    await queryRunner.query(`
            ALTER TABLE "taper_requests"
            ADD "attempts" integer NOT NULL DEFAULT 0
        `);
    await queryRunner.query(`
            CREATE INDEX "taper_requests_queued_idx" ON "taper_requests" ("updated_at", "id")
            WHERE status = 'queued'
        `);
    await queryRunner.query(`
            ALTER TABLE "symptom_checks"
            ADD "pending_alert" jsonb
        `);
    await queryRunner.query(`
            CREATE INDEX "symptom_checks_pending_alert_idx" ON "symptom_checks" ("created_at")
            WHERE pending_alert IS NOT NULL
        `);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX "public"."symptom_checks_pending_alert_idx"`);
    await queryRunner.query(`ALTER TABLE "symptom_checks" DROP COLUMN "pending_alert"`);
    await queryRunner.query(`DROP INDEX "public"."taper_requests_queued_idx"`);
    await queryRunner.query(`ALTER TABLE "taper_requests" DROP COLUMN "attempts"`);
    await queryRunner.query(`DROP INDEX "public"."doses_judge_pending_idx"`);
    await queryRunner.query(`ALTER TABLE "doses" DROP COLUMN "judge_pending"`);
  }
}
