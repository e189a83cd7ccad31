import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * No query reads doses by patient (lists go by plan, the watcher by its partial indexes), and
 * every recording paid for this index with an insertion: a recording is not a HOT update.
 */
export class RecordingHotPath1795900000000 implements MigrationInterface {
  name = 'RecordingHotPath1795900000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
            DROP INDEX "public"."doses_patient_due_idx"
        `);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
            CREATE INDEX "doses_patient_due_idx" ON "doses" ("patient_id", "due_at")
        `);
  }
}
