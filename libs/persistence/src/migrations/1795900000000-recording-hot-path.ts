import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * What recording a dose reads and writes, made cheap:
 * - plans.doses_per_day, so the recording statement need not expand the steps' jsonb (backfilled
 *   from the steps exactly as that statement computed it);
 * - no doses_patient_due_idx: no query reads doses by patient (lists go by plan, the watcher by
 *   its partial indexes), and every recording paid for it with an insertion (not a HOT update).
 */
export class RecordingHotPath1795900000000 implements MigrationInterface {
  name = 'RecordingHotPath1795900000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
            DROP INDEX "public"."doses_patient_due_idx"
        `);
    await queryRunner.query(`
            ALTER TABLE "plans" ADD "doses_per_day" integer
        `);
    await queryRunner.query(`
            UPDATE "plans" SET "doses_per_day" = greatest(1, coalesce(
              (SELECT max(jsonb_array_length(s -> 'doses')) FROM jsonb_array_elements("steps") s), 1))
        `);
    await queryRunner.query(`
            ALTER TABLE "plans" ALTER COLUMN "doses_per_day" SET NOT NULL
        `);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
            ALTER TABLE "plans" DROP COLUMN "doses_per_day"
        `);
    await queryRunner.query(`
            CREATE INDEX "doses_patient_due_idx" ON "doses" ("patient_id", "due_at")
        `);
  }
}
