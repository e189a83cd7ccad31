import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A plan approved after its start date is moved so step 1 starts on the approval day: the plan
 * keeps the start date it was planned for and the days it moved, for its view and the record.
 */
export class PlanReanchored1796000000200 implements MigrationInterface {
  name = 'PlanReanchored1796000000200';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
            ALTER TABLE "plans" ADD "reanchored_from" date
        `);
    await queryRunner.query(`
            ALTER TABLE "plans" ADD "reanchored_by_days" integer
        `);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
            ALTER TABLE "plans" DROP COLUMN "reanchored_by_days"
        `);
    await queryRunner.query(`
            ALTER TABLE "plans" DROP COLUMN "reanchored_from"
        `);
  }
}
