import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Symptom checks by checklist (baclofen's sourced check-in items, stored as the items present)
 * and NEWS2 totals, next to the scored scales.
 */
export class SymptomChecklist1796000000201 implements MigrationInterface {
  name = 'SymptomChecklist1796000000201';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
            ALTER TABLE "symptom_checks" ADD "items" text array
        `);
    await queryRunner.query(`
            ALTER TABLE "symptom_checks" DROP CONSTRAINT "symptom_checks_scale_check"
        `);
    await queryRunner.query(`
            ALTER TABLE "symptom_checks"
            ADD CONSTRAINT "symptom_checks_scale_check"
            CHECK (scale IN ('CIWA-B', 'COWS', 'generic', 'baclofen-checklist', 'NEWS2'))
        `);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
            ALTER TABLE "symptom_checks" DROP CONSTRAINT "symptom_checks_scale_check"
        `);
    await queryRunner.query(`
            ALTER TABLE "symptom_checks"
            ADD CONSTRAINT "symptom_checks_scale_check" CHECK (scale IN ('CIWA-B', 'COWS', 'generic'))
        `);
    await queryRunner.query(`
            ALTER TABLE "symptom_checks" DROP COLUMN "items"
        `);
  }
}
